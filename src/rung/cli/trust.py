"""Which recorded programs ``rung resume`` may start: the ones this user's rung recorded.

A ``rung tune --command`` run records its program, and ``rung resume DIR`` starts it
again. An experiment directory may come from someone else (an archive, a shared
folder), and rung runs no code read from one (README, Security). So ``rung tune`` signs
what it records to start (the command, ``--shell``, the working directory) with a key
only this user can read, an HMAC-SHA256 as Jupyter signs the notebooks a user trusts;
``rung resume`` starts a recorded program only if the signature checks with the key.
Otherwise the user gives the command again, from the directory it ran in.

The key is made on first use, 32 random bytes in ``$XDG_CONFIG_HOME/rung/trust-key``
(``~/.config/rung/trust-key`` by default), readable by its owner alone.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = ["key_path", "sign", "signed_here"]

_KEY_BYTES = 32
#: What a signature covers: everything that decides which program starts, and where.
_SIGNED = ("command", "shell", "cwd")


def key_path() -> Path:
    """Where this user's key is (or will be)."""
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / "rung" / "trust-key"


def sign(settings: Mapping[str, Any]) -> str | None:
    """The signature of the program ``settings`` start, made with this user's key (made
    now if there is none); None if no key can be read or made (an unwritable home)."""
    key = _key(create=True)
    return None if key is None else _mac(key, settings)


def signed_here(settings: Mapping[str, Any]) -> bool:
    """Whether ``settings`` carry a signature made with this user's key."""
    signature, key = settings.get("signature"), _key(create=False)
    if not isinstance(signature, str) or key is None:
        return False
    return hmac.compare_digest(signature, _mac(key, settings))


def _mac(key: bytes, settings: Mapping[str, Any]) -> str:
    message = json.dumps({name: settings.get(name) for name in _SIGNED}, sort_keys=True)
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()


def _key(create: bool) -> bytes | None:
    path = key_path()
    try:
        return _read(path)
    except FileNotFoundError:
        if not create:
            return None
    except OSError:
        return None
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # O_EXCL: of two runs making it at once, one writes and both read the same key
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as file:
            file.write(secrets.token_bytes(_KEY_BYTES))
    except FileExistsError:
        pass
    except OSError:
        return None
    try:
        return _read(path)
    except OSError:
        return None


def _read(path: Path) -> bytes | None:
    key = path.read_bytes()
    return key if len(key) == _KEY_BYTES else None  # a half-written key signs nothing
