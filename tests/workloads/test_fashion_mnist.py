"""Tests of the Fashion-MNIST loader: real files when present, generated IDX files otherwise.

No test touches the network: every test runs with a URL opener that fails as if offline,
and the download tests serve generated files from a ``file://`` mirror or a fake opener.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import io
import logging
import os
import sys
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from rung.errors import ConfigError, DataError
from rung.workloads import _idx
from rung.workloads import fashion_mnist as fm

try:
    import torch
except ImportError:  # pragma: no cover - torch is an optional dependency
    torch = None

needs_torch = pytest.mark.skipif(torch is None, reason="torch is not installed")

# ../shared/data relative to the project root, where the shared copy of the files lives.
REAL_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS = fm.FILES
N_TRAIN, N_TEST = 40, 10


def idx(array: np.ndarray, magic: int | None = None) -> bytes:
    """``array`` as IDX bytes (unsigned bytes), with its own or the given magic number."""
    magic = 0x0800 | array.ndim if magic is None else magic
    dims = b"".join(d.to_bytes(4, "big") for d in array.shape)
    return magic.to_bytes(4, "big") + dims + array.astype(np.uint8).tobytes()


def images(n: int, first: int) -> np.ndarray:
    """``n`` images; image i is filled with ``first + i`` (its id), except pixel (0, 0) = 255."""
    out = np.repeat(np.arange(first, first + n, dtype=np.uint8), 28 * 28).reshape(n, 28, 28)
    out[:, 0, 0] = 255
    return out


def tiny_contents(n_train: int = N_TRAIN, n_test: int = N_TEST) -> dict[str, bytes]:
    """Decompressed contents of four small, well-formed files (labels are id % 10)."""
    return {
        TRAIN_IMAGES: idx(images(n_train, 0)),
        TRAIN_LABELS: idx(np.arange(n_train) % 10),
        TEST_IMAGES: idx(images(n_test, 100)),
        TEST_LABELS: idx(np.arange(n_test) % 10),
    }


def write(folder: Path, contents: dict[str, bytes], *, compress: bool = True) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in contents.items():
        (folder / name).write_bytes(gzip.compress(content) if compress else content)
    return folder


def register(contents: dict[str, bytes]) -> None:
    """Makes ``contents`` the expected md5 table (the fixture restores the real one)."""
    fm.FILES.update({name: hashlib.md5(c).hexdigest() for name, c in contents.items()})


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    """A folder of valid small files, registered as the expected content."""
    contents = tiny_contents()
    register(contents)
    return write(tmp_path / "tiny", contents)


def offline(url: str, timeout: float | None = None) -> None:
    raise urllib.error.URLError(OSError(-3, "Temporary failure in name resolution"))


@pytest.fixture(autouse=True)
def isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """No network, an empty home, no $RUNG_DATA_DIR, no Debian folder, a fresh process cache."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv(fm.ENV_VAR, raising=False)
    monkeypatch.setattr(fm, "DEBIAN_DATA_DIR", tmp_path / "debian")
    monkeypatch.setattr(fm, "_urlopen", offline)
    monkeypatch.setattr(fm, "FILES", dict(fm.FILES))
    fm.clear_cache()
    yield
    fm.clear_cache()


def cache_raw(tmp_path: Path) -> Path:
    return tmp_path / "home" / ".cache" / "rung" / "data" / "FashionMNIST" / "raw"


# --- The real files ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_dir() -> Path:
    if not (REAL_DATA / "FashionMNIST" / "raw" / TRAIN_IMAGES).is_file():
        pytest.skip(f"the shared Fashion-MNIST files are not at {REAL_DATA}/FashionMNIST/raw")
    return REAL_DATA


@pytest.fixture(scope="module")
def real_splits(real_dir: Path):
    if torch is None:
        pytest.skip("torch is not installed")
    return fm.load_tensors(real_dir, seed=0, download=False)


def test_real_shapes_dtypes_and_range(real_splits):
    s = real_splits
    assert s.x_train.shape == (48000, 1, 28, 28)
    assert s.x_val.shape == (12000, 1, 28, 28)
    assert s.x_test.shape == (10000, 1, 28, 28)
    assert (s.y_train.shape, s.y_val.shape, s.y_test.shape) == ((48000,), (12000,), (10000,))
    for x, y in ((s.x_train, s.y_train), (s.x_val, s.y_val), (s.x_test, s.y_test)):
        assert x.dtype == torch.float32 and y.dtype == torch.int64
        assert x.min().item() == 0.0 and x.max().item() == 1.0
    assert s.device == "cpu"
    assert abs(s.x_train.mean().item() - 0.2860) < 0.005  # Fashion-MNIST's published mean


def test_real_label_distribution(real_splits):
    s = real_splits
    train, val = torch.bincount(s.y_train, minlength=10), torch.bincount(s.y_val, minlength=10)
    assert len(fm.CLASSES) == 10
    assert (train + val).tolist() == [6000] * 10  # the training set is balanced
    assert all(1050 <= n <= 1350 for n in val.tolist())  # a random 20% of each class
    assert torch.bincount(s.y_test, minlength=10).tolist() == [1000] * 10


def test_real_load_is_cached_per_key_and_seed_changes_the_split(real_dir, real_splits):
    first = fm.load_tensors(real_dir, seed=7, download=False)
    again = fm.load_tensors(str(real_dir), seed=7)
    assert again is first  # the same tensors: nothing was read or split again
    assert not torch.equal(first.x_train, real_splits.x_train)
    assert torch.equal(first.x_test, real_splits.x_test)
    assert sorted(first.y_train.tolist() + first.y_val.tolist()) == sorted(
        real_splits.y_train.tolist() + real_splits.y_val.tolist()
    )


# --- Lookup order -----------------------------------------------------------------------


def test_lookup_order(monkeypatch, tmp_path):
    contents = tiny_contents()
    explicit = write(tmp_path / "explicit", contents)  # the files directly
    env = tmp_path / "env"
    write(env / "FashionMNIST" / "raw", contents)  # torchvision's layout
    cache = write(cache_raw(tmp_path), contents)
    debian = write(tmp_path / "debian", contents)
    monkeypatch.setenv(fm.ENV_VAR, str(env))

    assert fm.find_data_dir(explicit) == explicit.resolve()
    assert fm.find_data_dir() == (env / "FashionMNIST" / "raw").resolve()
    monkeypatch.delenv(fm.ENV_VAR)
    assert fm.find_data_dir() == cache.resolve()
    for name in fm.FILES:
        (cache / name).unlink()
    assert fm.find_data_dir() == debian.resolve()
    (debian / TEST_LABELS).unlink()
    assert fm.find_data_dir() is None


@pytest.mark.parametrize("value", ["", "   "])
def test_empty_env_var_is_ignored(monkeypatch, tmp_path, value):
    cache = write(cache_raw(tmp_path), tiny_contents())
    write(tmp_path / "cwd" / value, tiny_contents())  # what Path(value) would find
    monkeypatch.chdir(tmp_path / "cwd")
    monkeypatch.setenv(fm.ENV_VAR, value)
    assert fm.find_data_dir() == cache.resolve()


def test_data_dir_expands_the_home_directory(tmp_path):
    folder = write(tmp_path / "home" / "mydata", tiny_contents())
    assert fm.find_data_dir("~/mydata") == folder.resolve()


def test_data_dir_without_files_falls_back_with_one_warning(monkeypatch, tmp_path, caplog):
    env = write(tmp_path / "env", tiny_contents())
    monkeypatch.setenv(fm.ENV_VAR, str(env))
    empty = tmp_path / "empty"
    empty.mkdir()
    with caplog.at_level(logging.WARNING, logger=fm.__name__):
        assert fm.find_data_dir(empty) == env.resolve()
        assert fm.find_data_dir(empty) == env.resolve()
    assert len(caplog.records) == 1
    assert str(empty) in caplog.text


def test_partial_folder_is_skipped_and_reported(tmp_path):
    contents = tiny_contents()
    del contents[TEST_LABELS]
    partial = write(tmp_path / "partial", contents)
    assert fm.find_data_dir(partial) is None
    with pytest.raises(DataError, match="download=False") as err:
        fm.load_arrays(partial, download=False)
    assert f"{partial} lacks {TEST_LABELS}" in str(err.value)


# --- Reading generated files ------------------------------------------------------------


def test_load_arrays_reads_generated_files(tiny):
    x_train, y_train, x_test, y_test = fm.load_arrays(tiny, download=False)
    assert x_train.shape == (N_TRAIN, 28, 28) and x_train.dtype == np.uint8
    assert x_test.shape == (N_TEST, 28, 28)
    assert y_train.dtype == np.int64 and y_test.dtype == np.int64
    assert np.array_equal(x_train, images(N_TRAIN, 0))
    assert y_test.tolist() == list(range(10))
    x_train[0, 0, 0] = 7  # the arrays are the caller's to modify


def _corrupt_cases() -> list[tuple[str, bytes, bool, str]]:
    """(file, content, compress it, expected message) for each kind of damage."""
    good = tiny_contents()
    bad_dims = idx(np.zeros((N_TRAIN, 27, 28)))
    return [
        (TRAIN_IMAGES, gzip.compress(good[TRAIN_IMAGES])[:-40], False, "not a valid gzip"),
        (TRAIN_LABELS, good[TRAIN_LABELS], False, "not a valid gzip"),
        (TEST_LABELS, idx(np.arange(N_TEST) % 10, magic=0x0803), True, "magic number"),
        (TEST_IMAGES, good[TEST_LABELS], True, "magic number"),
        (TRAIN_IMAGES, bad_dims, True, "27x28 images, expected 28x28"),
        (TRAIN_IMAGES, good[TRAIN_IMAGES][:-784], True, "truncated: its header says"),
        (TRAIN_LABELS, good[TRAIN_LABELS] + b"\0", True, "trailing bytes"),
        (TEST_LABELS, good[TEST_LABELS][:6], True, "less than its header"),
    ]


@pytest.mark.parametrize(("name", "content", "compressed", "message"), _corrupt_cases())
def test_damaged_file_is_a_data_error_naming_it(tiny, name, content, compressed, message):
    write(tiny, {name: content}, compress=compressed)
    with pytest.raises(DataError, match=message) as err:
        fm.load_arrays(tiny, download=False)
    assert str(tiny / name) in str(err.value)


def test_label_count_must_match_image_count(tiny):
    contents = {TRAIN_LABELS: idx(np.arange(N_TRAIN - 1) % 10)}
    register(contents)
    write(tiny, contents)
    with pytest.raises(DataError, match=f"{N_TRAIN - 1} labels but .* {N_TRAIN} images") as err:
        fm.load_arrays(tiny)
    assert TRAIN_IMAGES in str(err.value) and TRAIN_LABELS in str(err.value)


def test_labels_outside_the_classes_are_rejected(tiny):
    contents = {TEST_LABELS: idx(np.full(N_TEST, 12))}
    register(contents)
    write(tiny, contents)
    with pytest.raises(DataError, match="label 12, expected 0 to 9"):
        fm.load_arrays(tiny)


def test_md5_mismatch_names_the_file(tiny):
    fm.FILES[TEST_IMAGES] = "0" * 32
    with pytest.raises(DataError, match="md5 of its decompressed content") as err:
        fm.load_arrays(tiny, download=False)
    assert str(tiny / TEST_IMAGES) in str(err.value)


def test_verification_is_cached_by_path_size_and_mtime(monkeypatch, tiny):
    hashed = []
    real_md5 = _idx.md5_hex
    monkeypatch.setattr(_idx, "md5_hex", lambda content: hashed.append(1) or real_md5(content))
    fm.load_arrays(tiny)
    assert len(hashed) == 4
    fm.load_arrays(tiny)
    assert len(hashed) == 4  # no file changed: nothing hashed again
    path = tiny / TRAIN_LABELS
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    fm.load_arrays(tiny)
    assert len(hashed) == 5


# --- Downloading ------------------------------------------------------------------------


@pytest.fixture
def mirror(monkeypatch, tmp_path) -> Path:
    """A file:// mirror of valid small files, after a mirror that lacks them."""
    contents = tiny_contents()
    register(contents)
    good = write(tmp_path / "mirror", contents)
    monkeypatch.setattr(fm, "_urlopen", urllib.request.urlopen)
    broken = (tmp_path / "nowhere").as_uri() + "/"
    monkeypatch.setattr(fm, "MIRRORS", (broken, good.as_uri() + "/"))
    return good


def test_download_into_the_cache_then_found_there(mirror, tmp_path, capsys):
    x_train, y_train, x_test, y_test = fm.load_arrays()
    assert np.array_equal(x_train, images(N_TRAIN, 0)) and len(y_test) == N_TEST
    target = cache_raw(tmp_path)
    assert sorted(p.name for p in target.iterdir()) == sorted(fm.FILES)  # no *.part left
    assert fm.find_data_dir() == target.resolve()
    assert f"downloading {TRAIN_IMAGES}" in capsys.readouterr().err


def test_download_goes_into_data_dir_when_given(mirror, tmp_path):
    fm.load_arrays(tmp_path / "mine")
    assert fm.find_data_dir(tmp_path / "mine") == (tmp_path / "mine" / fm.SUBDIR).resolve()
    assert not cache_raw(tmp_path).exists()


def test_download_progress_without_tqdm(mirror, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "tqdm", None)  # import tqdm now fails
    fm.load_arrays()
    err = capsys.readouterr().err
    assert f"\rdownloading {TRAIN_IMAGES}: " in err and "MiB (100%)\n" in err


def test_download_checksum_mismatch_keeps_nothing(mirror, tmp_path):
    fm.FILES[TRAIN_IMAGES] = "0" * 32
    with pytest.raises(DataError, match="checksum mismatch: md5 of the decompressed content"):
        fm.load_arrays()
    assert list(cache_raw(tmp_path).iterdir()) == []


class _Response:
    """A fake HTTP response whose stream breaks after the first chunk."""

    headers = {"Content-Length": "1000000"}

    def read(self, n: int) -> bytes:
        if getattr(self, "sent", False):
            raise TimeoutError("The read operation timed out")
        self.sent = True
        return b"\0" * n

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        return None


def test_download_interrupted_midway_leaves_no_partial_file(monkeypatch, tmp_path):
    monkeypatch.setattr(fm, "_urlopen", lambda url, timeout: _Response())
    with pytest.raises(DataError, match="TimeoutError: The read operation timed out"):
        fm.load_arrays()
    assert list(cache_raw(tmp_path).iterdir()) == []


def test_offline_error_lists_every_place_and_how_to_provide_the_data(monkeypatch, tmp_path):
    calls = []

    def opener(url, timeout=None):
        calls.append((url, timeout))
        if len(calls) == 1:
            raise urllib.error.HTTPError(url, 404, "Not Found", {}, io.BytesIO())
        offline(url)

    monkeypatch.setattr(fm, "_urlopen", opener)
    monkeypatch.setenv(fm.ENV_VAR, str(tmp_path / "env"))
    explicit = tmp_path / "explicit"
    explicit.mkdir()
    with pytest.raises(DataError) as err:
        fm.load_arrays(explicit)
    message = str(err.value)
    for place in (explicit, tmp_path / "env", tmp_path / "home" / ".cache", tmp_path / "debian"):
        assert str(place) in message
    (failure,) = [line for line in message.splitlines() if "failed" in line]
    assert "HTTP error 404 Not Found" in failure
    assert "Temporary failure in name resolution" in failure
    for advice in ("--data-dir", fm.ENV_VAR, "dataset-fashion-mnist"):
        assert advice in message
    chained = err.value.__cause__ or (
        None if err.value.__suppress_context__ else err.value.__context__
    )
    assert chained is None  # no URLError traceback above ours
    assert [timeout for _, timeout in calls] == [fm.TIMEOUT_S] * len(fm.MIRRORS)


def test_no_download_when_disabled(monkeypatch):
    monkeypatch.setattr(fm, "_urlopen", lambda *a, **k: pytest.fail("tried to download"))
    with pytest.raises(DataError, match=r"downloading is off \(download=False\)"):
        fm.load_arrays(download=False)


# --- Tensors ----------------------------------------------------------------------------


@needs_torch
def test_split_is_a_seeded_partition_with_labels_kept(tiny):
    s = fm.load_tensors(tiny, seed=3)
    assert (len(s.x_train), len(s.x_val), len(s.x_test)) == (32, 8, N_TEST)
    train_ids = (s.x_train[:, 0, 1, 1] * 255).round().long()
    val_ids = (s.x_val[:, 0, 1, 1] * 255).round().long()
    assert sorted(train_ids.tolist() + val_ids.tolist()) == list(range(N_TRAIN))
    assert torch.equal(s.y_train, train_ids % 10) and torch.equal(s.y_val, val_ids % 10)
    assert torch.equal(s.x_train[:, 0, 1, 1], train_ids.float() / 255)  # as ToTensor
    assert (s.x_train[:, 0, 0, 0] == 1.0).all()
    assert ((s.x_test[:, 0, 1, 1] * 255).round().long() == torch.arange(100, 110)).all()

    fm.clear_cache()
    again = fm.load_tensors(tiny, seed=3)
    assert again is not s and torch.equal(again.x_train, s.x_train)
    other = fm.load_tensors(tiny, seed=4)
    assert not torch.equal(other.y_train, s.y_train)


@needs_torch
def test_cache_is_keyed_by_seed_and_val_fraction(tiny):
    s = fm.load_tensors(tiny)
    assert fm.load_tensors(tiny, seed=0, device="cpu", val_fraction=0.2) is s
    half = fm.load_tensors(tiny, val_fraction=0.5)
    assert half is not s and (len(half.x_train), len(half.x_val)) == (20, 20)
    assert fm.load_tensors(tiny, seed=1) is not s


@needs_torch
def test_subset_takes_the_first_examples(tiny):
    s = fm.load_tensors(tiny)
    small = s.subset(8)
    assert (len(small.x_train), len(small.x_val), len(small.x_test)) == (8, 2, 2)
    assert torch.equal(small.x_train, s.x_train[:8]) and torch.equal(small.y_val, s.y_val[:2])
    sized = s.subset(4, n_val=3, n_test=10)
    assert (len(sized.x_train), len(sized.x_val), len(sized.x_test)) == (4, 3, 10)
    assert repr(sized) == "TensorSplits(train=4, val=3, test=10, device='cpu')"
    for kwargs, name in (({"n_train": 0}, "n_train"), ({"n_train": 33}, "n_train"),
                         ({"n_train": True}, "n_train"), ({"n_train": 4, "n_val": 9}, "n_val"),
                         ({"n_train": 4, "n_test": 11}, "n_test")):  # fmt: skip
        with pytest.raises(ConfigError, match=f"{name} must be an int in"):
            s.subset(**kwargs)


@needs_torch
@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"seed": -1}, "seed must be a non-negative int, got -1"),
        ({"seed": 1.5}, "seed must be"),
        ({"val_fraction": 1.0}, r"val_fraction must be a number in \(0, 1\), got 1.0"),
        ({"val_fraction": "0.2"}, "val_fraction must be"),
        ({"device": "gpu-please"}, "device 'gpu-please' is not a usable torch device"),
        ({"download": "yes"}, "download must be a bool"),
        ({"data_dir": ""}, "data_dir must be a non-empty path"),
        ({"data_dir": 3}, "data_dir must be a non-empty path or None, got 3"),
    ],
)
def test_load_tensors_checks_its_arguments(kwargs, message):
    with pytest.raises(ConfigError, match=message):
        fm.load_tensors(**kwargs)


def test_module_works_without_torch(monkeypatch, tiny):
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch now fails
    spec = importlib.util.spec_from_file_location("fashion_mnist_without_torch", fm.__file__)
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)
    spec.loader.exec_module(module)  # a fresh copy of the module, imported without torch
    module.FILES.update(fm.FILES)
    assert module.load_arrays(tiny, download=False)[0].shape == (N_TRAIN, 28, 28)
    with pytest.raises(ImportError, match=r"load_tensors needs torch; .* 'rung\[torch\]'"):
        module.load_tensors(tiny)
