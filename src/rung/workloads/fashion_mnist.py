"""Fashion-MNIST: find, download, verify and load it as numpy arrays or torch tensors.

Fashion-MNIST (Xiao, Rasul & Vollgraf 2017, arXiv:1708.07747) is 70,000 grayscale 28x28
images of clothes in 10 classes, shipped as four gzip-compressed IDX files. They are read
with numpy and gzip only (no torchvision) from the first of these places that holds all
four, either directly or in torchvision's ``FashionMNIST/raw/`` folder:

1. the ``data_dir`` argument (the CLI's ``--data-dir``);
2. ``$RUNG_DATA_DIR``, unless empty;
3. ``~/.cache/rung/data``, where downloads go;
4. ``/usr/share/datasets/fashion-mnist``, from Debian's package ``dataset-fashion-mnist``.

If none does, the files are downloaded from the mirrors in :data:`MIRRORS` into
``<data_dir or ~/.cache/rung/data>/FashionMNIST/raw``.

Verification: every file, found or downloaded, is checked for structure (gzip stream, IDX
magic number, 28x28 images, sizes, labels) and by the md5 of its *decompressed* content
against :data:`FILES`, once per process while it is unchanged (see
:mod:`rung.workloads._idx`). Downloads are verified before they are renamed into place
(see :mod:`rung.workloads._download`).
"""

from __future__ import annotations

import logging
import os
import threading
import urllib.request
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np

from rung.errors import ConfigError, DataError
from rung.workloads._download import DownloadFailed, download_missing
from rung.workloads._idx import forget_verified, is_file, read_pair
from rung.workloads._splits import TensorSplits, _to_tensors

__all__ = [
    "CLASSES",
    "TensorSplits",
    "clear_cache",
    "find_data_dir",
    "load_arrays",
    "load_tensors",
]

logger = logging.getLogger(__name__)

#: The class names, indexed by label.
CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
           "Sneaker", "Bag", "Ankle boot")  # fmt: skip
#: The four files, with the md5 of their decompressed content.
FILES = {
    "train-images-idx3-ubyte.gz": "f4a8712d7a061bf5bd6d2ca38dc4d50a",
    "train-labels-idx1-ubyte.gz": "9018921c3c673c538a1fc5bad174d6f9",
    "t10k-images-idx3-ubyte.gz": "8181f5470baa50b63fa0f6fddb340f0a",
    "t10k-labels-idx1-ubyte.gz": "15d484375f8d13e6eb1aabb0c3f46965",
}
#: Download mirrors, tried in order: Zalando's (torchvision's), then the GitHub repository.
MIRRORS = (
    "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
)
ENV_VAR = "RUNG_DATA_DIR"
DEBIAN_DATA_DIR = Path("/usr/share/datasets/fashion-mnist")
SUBDIR = Path("FashionMNIST", "raw")
TIMEOUT_S = 30.0
_CACHE_SIZE = 4  # load_tensors results kept (each ~220 MB of float32 on its device)

_urlopen = urllib.request.urlopen  # tests substitute a fake
_warned: set[Path] = set()  # data_dir arguments already warned about (missing files)
_tensors: OrderedDict[tuple[Any, ...], TensorSplits] = OrderedDict()
_lock = threading.Lock()


def clear_cache() -> None:
    """Forgets the tensors kept by :func:`load_tensors` and which files were verified."""
    with _lock:
        _tensors.clear()
        forget_verified()


# --- Finding the files ----------------------------------------------------------------


def _cache_dir() -> Path:
    return Path.home() / ".cache" / "rung" / "data"


def _check_data_dir(data_dir: str | os.PathLike[str] | None) -> Path | None:
    if data_dir is None:
        return None
    if not isinstance(data_dir, (str, os.PathLike)) or not os.fspath(data_dir):
        raise ConfigError(f"data_dir must be a non-empty path or None, got {data_dir!r}")
    return Path(data_dir).expanduser()


def _folder_in(base: Path) -> tuple[Path | None, str]:
    """The folder at or under ``base`` holding all four files, else None and why not."""
    best: tuple[Path, list[str]] | None = None
    for folder in (base / SUBDIR, base):
        present = [name for name in FILES if is_file(folder / name)]
        if len(present) == len(FILES):
            return folder, ""
        if present and (best is None or len(present) > len(best[1])):
            best = (folder, present)
    if best is not None:
        missing = ", ".join(name for name in FILES if name not in best[1])
        return None, f"{best[0]} lacks {missing}"
    if not base.exists():
        return None, f"{base} does not exist"
    return None, f"{base} holds none of the files (directly or in {SUBDIR}/)"


def _search(data_dir: Path | None) -> tuple[Path | None, list[str]]:
    """The first folder holding the files, in lookup order, and a note per place missed."""
    env = os.environ.get(ENV_VAR, "").strip()
    places = [
        ("data_dir (--data-dir)", data_dir, "not given"),
        (f"${ENV_VAR}", Path(env).expanduser() if env else None, "not set"),
        ("download cache", _cache_dir(), ""),
        ("Debian's dataset-fashion-mnist", DEBIAN_DATA_DIR, ""),
    ]
    notes: list[str] = []
    for label, base, unset in places:
        folder, why = _folder_in(base) if base is not None else (None, unset)
        if folder is not None:
            if data_dir is not None and notes and data_dir not in _warned:
                _warned.add(data_dir)
                logger.warning("Fashion-MNIST is not in data_dir (%s); using %s", notes[0], folder)
            return folder.resolve(), notes
        notes.append(f"{label}: {why}")
    return None, notes


def find_data_dir(data_dir: str | os.PathLike[str] | None = None) -> Path | None:
    """Finds the directory holding the four Fashion-MNIST files, in the lookup order above.

    Args:
        data_dir: A directory to look in first (the files directly, or ``FashionMNIST/raw/``).

    Returns:
        The resolved directory holding all four files, or None. Only their presence is
        checked here; :func:`load_arrays` verifies them.
    """
    return _search(_check_data_dir(data_dir))[0]


def _locate(data_dir: Path | None, download: bool) -> Path:
    """The folder holding the files, downloading them if needed and allowed."""
    folder, notes = _search(data_dir)
    if folder is not None:
        return folder
    target = (data_dir if data_dir is not None else _cache_dir()) / SUBDIR
    if not download:
        failure = "downloading is off (download=False)"
    else:
        try:
            download_missing(target, FILES, MIRRORS, _urlopen, TIMEOUT_S)
            return target.resolve()
        except DownloadFailed as exc:
            failure = f"downloading them into {target} failed: {exc}"
    places = "\n".join(f"  - {note}" for note in notes)
    raise DataError(
        f"Fashion-MNIST's files ({', '.join(FILES)}) were not found, and {failure}.\n"
        f"Looked in (each directly and in its {SUBDIR}/ folder):\n{places}\n"
        f"To provide the data: pass --data-dir DIR (data_dir=DIR in Python) or set "
        f"{ENV_VAR}=DIR, where DIR holds the four files or a {SUBDIR}/ folder with them; "
        "or install Debian's package dataset-fashion-mnist."
    )


# --- Loading ---------------------------------------------------------------------------


def _read_all(folder: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(x_train, y_train, x_test, y_test)`` from ``folder``, each file verified."""
    n_classes = len(CLASSES)
    return (*read_pair(folder, "train", FILES, n_classes),
            *read_pair(folder, "t10k", FILES, n_classes))  # fmt: skip


def load_arrays(
    data_dir: str | os.PathLike[str] | None = None, download: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Loads Fashion-MNIST as numpy arrays, finding (or downloading) and verifying the files.

    Args:
        data_dir: A directory to look in first, and to download into (under
            ``FashionMNIST/raw/``) when no place has the files.
        download: Whether to download the files when no place has them.

    Returns:
        ``(x_train, y_train, x_test, y_test)``: uint8 images of shape (60000, 28, 28) and
        (10000, 28, 28), int64 labels in 0..9 of shape (60000,) and (10000,), in file order.

    Raises:
        DataError: The files are nowhere and cannot be downloaded (the message lists the
            places looked in and how to provide them), or a file is truncated or corrupt.
    """
    if not isinstance(download, bool):
        raise ConfigError(f"download must be a bool, got {download!r}")
    folder = _locate(_check_data_dir(data_dir), download)
    return _read_all(folder)


# --- Tensors ----------------------------------------------------------------------------


def load_tensors(
    data_dir: str | os.PathLike[str] | None = None,
    seed: int = 0,
    device: str = "cpu",
    val_fraction: float = 0.2,
    download: bool = True,
) -> TensorSplits:
    """Loads Fashion-MNIST as tensors split into train, validation and test, once per process.

    The 60,000 training images are split by a permutation drawn from
    ``numpy.random.default_rng(seed)``: the first ``1 - val_fraction`` of it (48,000) is
    the training split, the rest (12,000) the validation split; the 10,000 test images are
    the test split. The result is kept in memory, keyed by the resolved data directory,
    ``seed``, ``device`` and ``val_fraction``, so later calls (every trial's) return the
    same object at once; the last few distinct keys are kept.

    Args:
        data_dir: As for :func:`load_arrays`.
        seed: Seed of the train/validation permutation, a non-negative int.
        device: The torch device to hold the tensors (``"cpu"``, ``"cuda:0"``...).
        val_fraction: Fraction of the training images held out for validation, in (0, 1).
        download: Whether to download the files when no place has them.

    Returns:
        The splits; see :class:`TensorSplits`. Do not modify its tensors in place.

    Raises:
        ConfigError: An argument breaks its rule, or the device is not usable.
        DataError: As for :func:`load_arrays`.
        ImportError: torch is not installed.

    Example:
        >>> splits = load_tensors(seed=0)  # doctest: +SKIP
        >>> len(splits.x_train), len(splits.x_val), len(splits.x_test)  # doctest: +SKIP
        (48000, 12000, 10000)
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ConfigError(f"seed must be a non-negative int, got {seed!r}")
    if (
        isinstance(val_fraction, bool)
        or not isinstance(val_fraction, (int, float))
        or not (0 < val_fraction < 1)
    ):
        raise ConfigError(f"val_fraction must be a number in (0, 1), got {val_fraction!r}")
    if not isinstance(download, bool):
        raise ConfigError(f"download must be a bool, got {download!r}")
    try:
        import torch
    except ImportError as exc:
        raise ImportError(
            "load_tensors needs torch; install it with: pip install 'rung[torch]'"
        ) from exc
    try:
        device = str(torch.empty(0, device=device).device)
    except (RuntimeError, AssertionError, TypeError, ValueError) as exc:
        raise ConfigError(f"device {device!r} is not a usable torch device: {exc}") from None
    folder_arg = _check_data_dir(data_dir)
    with _lock:
        folder = _locate(folder_arg, download)
        key = (folder, int(seed), device, float(val_fraction))
        if key in _tensors:
            _tensors.move_to_end(key)
            return _tensors[key]
        splits = _to_tensors(_read_all(folder), int(seed), device, float(val_fraction))
        _tensors[key] = splits
        while len(_tensors) > _CACHE_SIZE:
            _tensors.popitem(last=False)
        return splits
