"""Reading Fashion-MNIST's gzip'd IDX files, checking their structure and content md5.

Every file is checked for structure (gzip stream, IDX magic number, 28x28 images, payload
size against the header, label range, as many labels as images) and by the md5 of its
*decompressed* content. Hashing the decompressed bytes accepts any compression of the
same data (Debian recompressed its copies) and catches files that are well formed but
wrong (MNIST has the same format). The bytes are decompressed to be loaded anyway, so
hashing adds ~0.1 s to a ~0.5 s read, and a verified file is not hashed again in the
process while its path, size and modification time are unchanged.
"""

from __future__ import annotations

import gzip
import hashlib
import math
import zlib
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from rung.errors import DataError

__all__ = ["forget_verified", "is_file", "mark_verified", "md5_hex", "read_pair"]

_verified: set[tuple[str, int, int]] = set()  # (resolved path, size, mtime_ns)


def is_file(path: Path) -> bool:
    """Whether ``path`` is a file, False when that cannot be told."""
    try:
        return path.is_file()
    except OSError:  # e.g. permission denied on a parent
        return False


def md5_hex(content: bytes) -> str:
    return hashlib.md5(content, usedforsecurity=False).hexdigest()


def _stat_key(path: Path) -> tuple[str, int, int]:
    stat = path.stat()
    return str(path.resolve()), stat.st_size, stat.st_mtime_ns


def mark_verified(path: Path) -> None:
    """Records ``path`` (as now: size and modification time) as verified."""
    _verified.add(_stat_key(path))


def forget_verified() -> None:
    """Forgets which files were verified, so that they are hashed again when read."""
    _verified.clear()


def _read_idx(path: Path, ndim: int, md5s: Mapping[str, str]) -> np.ndarray:
    """Reads a gzip'd IDX file of unsigned bytes, checking its structure and content md5."""
    try:
        key = _stat_key(path)
        raw = path.read_bytes()
    except OSError as exc:
        raise DataError(f"cannot read {path}: {exc}") from None
    try:
        content = gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as exc:
        raise DataError(
            f"{path} is not a valid gzip file, it is truncated or corrupt ({exc}); "
            "delete it and download it again"
        ) from None
    header = 4 + 4 * ndim
    if len(content) < header:
        raise DataError(f"{path} is truncated: {len(content)} bytes, less than its header")
    magic, expected = int.from_bytes(content[:4], "big"), 0x0800 | ndim
    if magic != expected:
        kind = "image" if ndim == 3 else "label"
        raise DataError(
            f"{path} has IDX magic number 0x{magic:08X}, expected 0x{expected:08X} "
            f"(unsigned bytes, {ndim} dimension(s)): it is not a Fashion-MNIST {kind} file"
        )
    dims = tuple(int.from_bytes(content[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    if ndim == 3 and dims[1:] != (28, 28):
        raise DataError(f"{path} holds {dims[1]}x{dims[2]} images, expected 28x28")
    size, payload = math.prod(dims), len(content) - header
    if payload != size:
        state = "truncated" if payload < size else "corrupt (trailing bytes)"
        raise DataError(
            f"{path} is {state}: its header says {'x'.join(map(str, dims))} = {size} bytes "
            f"of data, but it holds {payload}"
        )
    if key not in _verified:
        digest = md5_hex(content)
        if digest != md5s[path.name]:
            raise DataError(
                f"{path} is not Fashion-MNIST's: the md5 of its decompressed content is "
                f"{digest}, expected {md5s[path.name]} (a corrupt copy, or another data set "
                "such as MNIST); delete it to download it again, or use a good copy"
            )
        _verified.add(key)
    return np.frombuffer(content, dtype=np.uint8, offset=header).reshape(dims).copy()


def read_pair(
    folder: Path, split: str, md5s: Mapping[str, str], n_classes: int
) -> tuple[np.ndarray, np.ndarray]:
    """Reads and checks the images and labels of one split (``"train"`` or ``"t10k"``).

    Args:
        folder: The folder holding the files.
        split: The files' prefix, ``"train"`` or ``"t10k"``.
        md5s: The md5 of each file's decompressed content, by file name.
        n_classes: The number of classes; labels must be in ``0..n_classes - 1``.

    Returns:
        ``(images, labels)``: uint8 of shape (n, 28, 28) and int64 of shape (n,).

    Raises:
        DataError: A file cannot be read, is truncated or corrupt, or is not the expected
            one; or the labels do not match the images.
    """
    images_path = folder / f"{split}-images-idx3-ubyte.gz"
    labels_path = folder / f"{split}-labels-idx1-ubyte.gz"
    images, labels = _read_idx(images_path, 3, md5s), _read_idx(labels_path, 1, md5s)
    if len(images) != len(labels):
        raise DataError(
            f"{labels_path} holds {len(labels)} labels but {images_path} holds "
            f"{len(images)} images; one of them is truncated or from another data set"
        )
    if labels.size and labels.max() >= n_classes:
        raise DataError(f"{labels_path} holds label {labels.max()}, expected 0 to {n_classes - 1}")
    return images, labels.astype(np.int64)
