"""Downloading Fashion-MNIST's files from mirrors, with a progress bar, verified in place.

Each file is tried on each mirror in turn. It is written to a temporary file beside its
destination, verified by the md5 of its decompressed content, and only then renamed into
place, so an interrupted or wrong download leaves nothing behind.
"""

from __future__ import annotations

import gzip
import http.client
import os
import sys
import tempfile
import time
import urllib.error
import zlib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from rung.workloads._idx import is_file, mark_verified, md5_hex

__all__ = ["DownloadFailed", "download_missing"]


class DownloadFailed(Exception):
    """Why a download failed, in one line."""


class _LineProgress:
    """A one-line progress display on stderr, for when tqdm is not installed."""

    def __init__(self, name: str, total: int | None) -> None:
        self.name, self.total, self.done, self._shown = name, total, 0, 0.0

    def update(self, n: int) -> None:
        self.done += n
        if time.monotonic() - self._shown >= 0.2:
            self._draw("")

    def _draw(self, end: str) -> None:
        self._shown = time.monotonic()
        text = f"{self.done / 2**20:.1f} MiB"
        if self.total:
            text = f"{self.done / 2**20:.1f}/{self.total / 2**20:.1f} MiB"
            text += f" ({100 * self.done / self.total:.0f}%)"
        sys.stderr.write(f"\rdownloading {self.name}: {text}{end}")
        sys.stderr.flush()

    def __enter__(self) -> _LineProgress:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._draw("\n")


def _progress(name: str, total: int | None) -> Any:
    try:
        from tqdm import tqdm
    except ImportError:
        return _LineProgress(name, total)
    desc = f"downloading {name}"
    return tqdm(total=total, desc=desc, unit="B", unit_scale=True, unit_divisor=1024,
                file=sys.stderr)  # fmt: skip


def _fetch(url: str, dest: Path, md5: str, opener: Callable[..., Any], timeout: float) -> None:
    """Downloads ``url`` to ``dest`` through a temporary file, verifying its content md5."""
    tmp: Path | None = None
    try:
        with opener(url, timeout=timeout) as response:
            total = int(response.headers.get("Content-Length") or 0) or None
            fd, name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
            tmp = Path(name)
            with os.fdopen(fd, "wb") as out, _progress(dest.name, total) as bar:
                while chunk := response.read(1 << 16):
                    out.write(chunk)
                    bar.update(len(chunk))
        try:
            digest = md5_hex(gzip.decompress(tmp.read_bytes()))
        except (OSError, EOFError, zlib.error) as exc:
            raise DownloadFailed(f"not a valid gzip file ({exc})") from None
        if digest != md5:
            raise DownloadFailed(
                f"checksum mismatch: md5 of the decompressed content is {digest}, expected {md5}"
            )
        tmp.chmod(0o644)
        os.replace(tmp, dest)
        tmp = None
        mark_verified(dest)
    except urllib.error.HTTPError as exc:
        raise DownloadFailed(f"HTTP error {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        raise DownloadFailed(str(exc.reason)) from None
    except (OSError, http.client.HTTPException, ValueError) as exc:
        raise DownloadFailed(f"{type(exc).__name__}: {exc}") from None
    finally:
        if tmp is not None:
            tmp.unlink(missing_ok=True)


def download_missing(
    target: Path,
    md5s: Mapping[str, str],
    mirrors: Sequence[str],
    opener: Callable[..., Any],
    timeout: float,
) -> None:
    """Downloads the files ``target`` lacks, trying each mirror in turn.

    Args:
        target: The folder to download into, created if needed.
        md5s: The files to have, by name, with the md5 of their decompressed content.
        mirrors: Base URLs, each ending in ``/``, tried in order for each file.
        opener: Opens a URL as :func:`urllib.request.urlopen` does (tests pass a fake).
        timeout: Seconds to wait for a mirror, passed to ``opener``.

    Raises:
        DownloadFailed: A file could not be had from any mirror (the reason per mirror,
            in one line), or ``target`` cannot be created.
    """
    try:
        target.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DownloadFailed(f"cannot create {target}: {exc}") from None
    for name in md5s:
        if is_file(target / name):
            continue
        reasons = []
        for mirror in mirrors:
            try:
                _fetch(mirror + name, target / name, md5s[name], opener, timeout)
                break
            except DownloadFailed as exc:
                reasons.append(f"{mirror}{name}: {exc}")
        else:
            raise DownloadFailed("; ".join(reasons).replace("\n", " "))
