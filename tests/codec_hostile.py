"""Hostile checkpoints for :mod:`rung.codec`: pickle opcodes by hand, a watch for side
effects, and what "plain data" means."""

from __future__ import annotations

import contextlib
import pickle
import sys
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

import numpy as np
from hypothesis import strategies as st

FORMAT = b"R"

#: Audit events that decoding must never raise (code run, files, processes, network).
_FORBIDDEN = (
    "exec",
    "compile",
    "open",
    "import",
    "os.",
    "subprocess.",
    "socket.",
    "ctypes.",
    "shutil.",
    "pickle.find_class",
    "builtins.input",
    "urllib.",
    "code.",
    "marshal.",
)
_watching: list[list[str]] = []


def _hook(event: str, args: tuple) -> None:
    if _watching and event.startswith(_FORBIDDEN):
        _watching[-1].append(f"{event}{args!r:.200}")


sys.addaudithook(_hook)  # a hook cannot be removed: it records only inside no_side_effects()


@contextlib.contextmanager
def no_side_effects() -> Iterator[None]:
    """Fails if the block runs code, opens files, imports or starts anything, or changes
    which modules are loaded."""
    modules = set(sys.modules)
    events: list[str] = []
    _watching.append(events)
    try:
        yield
    finally:
        _watching.pop()
        assert not events, f"decoding had side effects: {events[:5]}"
        assert set(sys.modules) == modules, f"imported {set(sys.modules) - modules}"


def unicode(text: str) -> bytes:
    raw = text.encode("utf-8", "surrogatepass")
    if len(raw) < 256:
        return b"\x8c" + bytes([len(raw)]) + raw  # SHORT_BINUNICODE
    return b"X" + len(raw).to_bytes(4, "little") + raw  # BINUNICODE


def op_global(module: str, name: str) -> bytes:
    """GLOBAL: the protocol 0-3 opcode, names as text lines."""
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def op_stack_global(module: str, name: str) -> bytes:
    """STACK_GLOBAL: protocol 4+, names from the stack (dotted names resolve by attribute)."""
    return unicode(module) + unicode(name) + b"\x93"


def data_ops(value: Any) -> bytes:
    """The opcodes that push ``value`` (plain data), without PROTO, FRAME and STOP."""
    raw = pickle.dumps(value, protocol=5)[2:-1]
    return raw[9:] if raw[:1] == b"\x95" else raw


def call_ops(module: str, name: str, *args: Any) -> bytes:
    """The opcodes that push ``module.name(*args)``, the arguments plain data."""
    return op_stack_global(module, name) + data_ops(tuple(args)) + b"R"


def pickle_of(body: bytes) -> bytes:
    """A checkpoint: the format byte, PROTO 5, the body, STOP."""
    return FORMAT + b"\x80\x05" + body + b"."


ALLOWED = [
    ("builtins", "complex"),
    ("builtins", "range"),
    ("builtins", "slice"),
    ("collections", "OrderedDict"),
    ("rung._codec_values", "array"),
    ("rung._codec_values", "objects"),
    ("rung._codec_values", "scalar"),
    ("rung._codec_values", "dtype"),
    ("rung._codec_values", "numpy_type"),
    ("rung._codec_values", "tensor"),
    ("rung._codec_values", "torch_dtype"),
]
_TAILS = [
    "__class__",
    "__globals__",
    "__builtins__.get",
    "__init__.__globals__",
    "__class__.__base__.__subclasses__",
    "__dict__",
    "__module__",
    "__reduce_ex__",
    "__code__",
    "__call__",
    "fromkeys",
    "np.load",
    "pickle.loads",
    "sys.modules.get",
    "math.__builtins__",
    "re.compile",
    "BUILDERS.get",
    "__spec__.loader.load_module",
]


def dotted_names() -> list[tuple[str, str]]:
    """Dotted names starting at every allowed global, and at modules that allowed names
    live in (numpy.dtypes was allowed whole once; ``numpy.dtypes.__builtins__.get``
    reached ``eval``)."""
    names = [(module, f"{name}.{tail}") for module, name in ALLOWED for tail in _TAILS]
    names += [(module, tail) for module in {m for m, _ in ALLOWED} for tail in _TAILS]
    names += [
        ("numpy.dtypes", "__builtins__.get"),
        ("numpy.dtypes", "Float32DType"),
        ("numpy", "dtype"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy._core.numeric", "_frombuffer"),
        ("torch._utils", "_rebuild_tensor_v2"),
        ("builtins", "eval"),
        ("builtins", "getattr"),
        ("os", "system"),
        ("rung._codec_values", "BUILDERS"),
        ("rung._codec_values", "np"),
        ("rung._codec_values", "_build_dtype"),
        ("rung.codec", "_Call"),
    ]
    return names


# -- random opcode streams ----------------------------------------------------------------

_NAMES = [n for pair in ALLOWED for n in pair] + [
    "numpy",
    "numpy.dtypes",
    "dtype",
    "__builtins__.get",
    "os",
    "system",
    "eval",
    "<f8",
    "|O",
    "C",
    "F",
    "float32",
    "bfloat16",
    "struct",
    "sub",
    "strings",
    "a",
    "_metadata",
    "keys",
    "__class__",
    "__setstate__",
]


def _atom() -> st.SearchStrategy[bytes]:
    def small_int(n: int) -> bytes:
        return b"K" + bytes([n]) if 0 <= n < 256 else b"J" + (n % 2**31).to_bytes(4, "little")

    return st.one_of(
        st.integers(-(2**31), 2**31).map(small_int),
        st.sampled_from(_NAMES).map(unicode),
        st.text(max_size=8).map(unicode),
        st.binary(max_size=24).map(lambda b: b"C" + bytes([len(b)]) + b),  # SHORT_BINBYTES
        st.binary(max_size=24).map(lambda b: b"\x96" + len(b).to_bytes(8, "little") + b),
        st.floats().map(lambda f: b"G" + np.float64(f).byteswap().tobytes()),
        st.sampled_from(ALLOWED).map(lambda p: op_stack_global(*p)),
        st.sampled_from(ALLOWED).map(lambda p: op_global(*p)),
        st.integers(0, 6).map(lambda i: b"h" + bytes([i])),  # BINGET
        st.sampled_from(
            [
                b"N",
                b"\x88",
                b"\x89",
                b")",
                b"]",
                b"}",
                b"\x8f",
                b"(",
                b"t",
                b"\x85",
                b"\x86",
                b"\x87",
                b"l",
                b"d",
                b"a",
                b"e",
                b"s",
                b"u",
                b"\x90",
                b"\x91",
                b"R",
                b"b",
                b"\x81",
                b"\x92",
                b"\x93",
                b"\x94",
                b"0",
                b"1",
                b"2",
                b"o",
                b"i__main__\nx\n",
                b"\x82\x01",
                b"P0\n",
                b"Q",
                b"\x97",
                b"\x98",
                b"q\x00",
                b"r\x01\x00\x00\x00",
            ]
        ),
    )


def random_pickle() -> st.SearchStrategy[bytes]:
    """Random opcode streams (protocol 5), most of them invalid, some of them calls."""
    return st.lists(_atom(), max_size=40).map(lambda ops: pickle_of(b"".join(ops)))


# -- what decoding may return -------------------------------------------------------------

_LEAVES = (type(None), bool, int, float, complex, str, bytes, bytearray, range)


def assert_plain(value: Any, depth: int = 0) -> None:
    """Asserts ``value`` holds only data: numbers, strings, containers, numpy values, tensors."""
    assert depth < 200
    kind = type(value)
    if kind in _LEAVES:
        return
    if kind in (list, tuple, set, frozenset):
        for item in value:
            assert_plain(item, depth + 1)
    elif kind in (dict, OrderedDict):
        for key, item in value.items():
            assert_plain(key, depth + 1)
            assert_plain(item, depth + 1)
        if kind is OrderedDict:
            assert all(name not in dir(OrderedDict) for name in vars(value))
    elif kind is slice:
        for item in (value.start, value.stop, value.step):
            assert_plain(item, depth + 1)
    elif kind is np.ndarray:
        assert value.dtype.kind != "V" or value.dtype.names is None or not value.dtype.hasobject
        if value.dtype.kind == "O":
            for item in value.ravel():
                assert_plain(item, depth + 1)
    elif isinstance(value, (np.generic, np.dtype)):
        return
    elif isinstance(value, type):
        assert issubclass(value, np.generic), value
    else:
        torch = sys.modules.get("torch")
        assert torch is not None and isinstance(value, (torch.Tensor, torch.dtype)), kind
