"""Checkpoints as bytes: round trips, and nothing unsafe is ever built when reading."""

from __future__ import annotations

import os
import pickle
from collections import OrderedDict

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rung import _codec_values
from rung.codec import Blob, CheckpointError, decode, encode
from tests.codec_hostile import (
    assert_plain,
    call_ops,
    data_ops,
    dotted_names,
    no_side_effects,
    op_global,
    op_stack_global,
    pickle_of,
    random_pickle,
    unicode,
)

plain = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4)
    ),
    max_leaves=20,
)


@given(plain)
def test_plain_checkpoints_round_trip(state: object) -> None:
    assert decode(encode(state)) == state


def test_containers_round_trip_with_their_types_and_shared_references() -> None:
    shared = [1, 2]
    metadata = OrderedDict(a=np.ones(2))
    metadata._metadata = {"": {"version": 1}}  # as torch's state_dict() sets it
    state = {
        "tuple": (1, (2.5, "x"), b"raw"),
        "set": {1, np.int64(2)},
        "frozen": frozenset({np.float32(0.5), "a"}),
        "keys": {np.int64(3): "numpy key", (1, 2): "tuple key"},
        "od": metadata,
        "misc": [1 + 2j, range(2, 9, 3), slice(1, None, np.int64(2)), bytearray(b"ab")],
        "a": shared,
        "b": shared,
    }
    back = decode(encode(state))
    assert back["tuple"] == state["tuple"] and back["set"] == state["set"]
    assert back["frozen"] == state["frozen"] and back["keys"] == state["keys"]
    assert back["misc"] == state["misc"]
    assert type(back["od"]) is OrderedDict and back["od"]._metadata == {"": {"version": 1}}
    np.testing.assert_array_equal(back["od"]["a"], np.ones(2))
    assert back["a"] is back["b"]
    assert type(next(iter(back["keys"]))) is np.int64


def _every_dtype() -> list[np.dtype]:
    simple = [np.dtype(code) for code in np.typecodes["All"] if code not in "OUSVMm"]
    flexible = ["<U3", "|S5", "|V4", "<M8[D]", "<M8[3s]", "<m8[ns]", "<M8", ">f8", ">i4", "<c8"]
    structured = [
        np.dtype([("a", "<f8"), ("b", "i1", (2, 3))]),
        np.dtype([("a", "u1"), ("b", [("c", "<f4"), ("d", "S2")])], align=True),
        np.dtype(
            {"names": ["x", "y"], "formats": ["<i2", "<i2"], "offsets": [0, 4], "itemsize": 8}
        ),
    ]
    return simple + [np.dtype(d) for d in flexible] + structured


@pytest.mark.parametrize("dtype", _every_dtype(), ids=str)
def test_arrays_and_scalars_of_every_dtype_round_trip(dtype: np.dtype) -> None:
    rng = np.random.default_rng(0)
    if dtype.names is None:
        values = np.frombuffer(rng.bytes(6 * dtype.itemsize), dtype=dtype).reshape(2, 3)
        values = np.nan_to_num(values) if dtype.kind in "fc" else values
    else:  # padding bytes are not data: fill the fields only
        values = np.zeros((2, 3), dtype=dtype)
        for name in dtype.names:
            if dtype[name].names is None:
                values[name] = np.arange(6).reshape(2, 3, *dtype[name].shape[:0]) % 7
    for array in (
        values,
        np.asfortranarray(values),
        values[:, ::2],
        values[0, 0:0],
        values[1:2, 1].reshape(()),
    ):
        back = decode(encode({"x": array}))["x"]
        assert type(back) is np.ndarray and back.dtype == dtype and back.shape == array.shape
        if dtype.names:
            assert np.array_equal(back, array)
        else:
            assert back.tobytes() == array.tobytes()
        assert back.flags.f_contiguous == array.flags.f_contiguous or array.ndim < 2
    scalar = values[0, 0]
    back = decode(encode(scalar))
    assert isinstance(back, np.generic) and back.dtype == scalar.dtype  # longlong: int64
    if dtype.kind in "fcV":  # long doubles have padding bytes; voids compare by field
        assert back == scalar
    else:
        assert np.asarray(back).tobytes() == np.asarray(scalar).tobytes()
    assert decode(encode(dtype)) == dtype
    assert np.dtype(decode(encode(dtype.type))) == np.dtype(dtype.type)


def test_object_and_string_arrays_round_trip_through_their_elements() -> None:
    objects = np.array([1, "a", None, [1, 2], np.ones(2)], dtype=object)
    back = decode(encode(objects))
    assert back.dtype == object and back.shape == (5,)
    assert back[:4].tolist() == [1, "a", None, [1, 2]]
    np.testing.assert_array_equal(back[4], np.ones(2))
    grid = np.empty((2, 2), dtype=object)
    grid[0, 0], grid[1, 1] = {"k": 1}, (1, 2)
    assert decode(encode(grid)).tolist() == grid.tolist()
    string_dtype = getattr(getattr(np, "dtypes", None), "StringDType", None)
    if string_dtype is not None:
        words = np.array([["a", "bb"], ["", "ccc"]], dtype=string_dtype())
        back = decode(encode(words))
        assert back.dtype == words.dtype and back.tolist() == words.tolist()


def test_numpy_generator_state_round_trips() -> None:
    rng = np.random.default_rng(3)
    state = {"rng": rng.bit_generator.state, "n": np.int64(4)}
    back = decode(encode(state))
    assert back["rng"] == state["rng"] and back["n"] == 4


def test_torch_state_dicts_round_trip() -> None:
    torch = pytest.importorskip("torch")
    model = torch.nn.Linear(3, 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    model(torch.ones(1, 3)).sum().backward()
    optimizer.step()
    state = {"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": 2}
    back = decode(encode(state))
    assert back["epoch"] == 2
    assert isinstance(back["model"], OrderedDict)
    assert back["model"]._metadata == state["model"]._metadata
    for name, tensor in state["model"].items():
        assert torch.equal(back["model"][name], tensor)
    momentum = back["optimizer"]["state"][0]["momentum_buffer"]
    assert torch.equal(momentum, state["optimizer"]["state"][0]["momentum_buffer"])
    model.load_state_dict(back["model"])
    optimizer.load_state_dict(back["optimizer"])


def test_tensors_of_every_dtype_round_trip() -> None:
    torch = pytest.importorskip("torch")
    dtypes = [
        torch.float32,
        torch.float64,
        torch.float16,
        torch.bfloat16,
        torch.int8,
        torch.uint8,
        torch.int16,
        torch.int32,
        torch.int64,
        torch.bool,
        torch.complex64,
        torch.complex128,
    ]
    dtypes += [getattr(torch, n) for n in ("float8_e4m3fn", "float8_e5m2") if hasattr(torch, n)]
    for dtype in dtypes:
        tensor = (torch.arange(6).reshape(2, 3) % 3).to(dtype)
        for value in (tensor, tensor.t(), tensor[0, 0]):
            back = decode(encode({"t": value, "dtype": dtype}))
            assert back["dtype"] is dtype
            assert back["t"].dtype is dtype and back["t"].shape == value.shape
            raw = back["t"].reshape(-1).view(torch.uint8)
            assert torch.equal(raw, value.reshape(-1).contiguous().view(torch.uint8))


class Opaque:
    pass


def test_objects_that_cannot_be_read_back_safely_are_refused_when_saved() -> None:
    with pytest.raises(CheckpointError, match="Opaque"):
        encode({"model": Opaque()})
    with pytest.raises(CheckpointError, match="MaskedArray|_mareconstruct"):
        encode(np.ma.array([1, 2]))
    with pytest.raises(CheckpointError, match="object fields"):
        encode(np.zeros(2, dtype=[("a", "O")]))


class Exploit:
    def __reduce__(self):
        return (os.system, ("echo owned",))


def test_decoding_never_calls_what_the_bytes_name() -> None:
    evil = Blob(b"R" + pickle.dumps(Exploit()))
    with pytest.raises(CheckpointError, match="system"):
        decode(evil)


def test_checkpoints_of_the_previous_format_are_refused_by_name() -> None:
    old = b"P" + pickle.dumps({"w": np.ones(3)}, protocol=5)
    with pytest.raises(CheckpointError, match="older rung"):
        decode(old)


def test_foreign_or_damaged_bytes_are_refused() -> None:
    with pytest.raises(CheckpointError, match="Not a rung checkpoint"):
        decode(b"\x00junk")
    data = encode({"w": np.ones(100)}).data
    with pytest.raises(CheckpointError, match="damaged"):
        decode(data[: len(data) // 2])


# -- hostile pickles ----------------------------------------------------------------------


def test_the_numpy_dtypes_walk_to_eval_is_refused(tmp_path) -> None:
    marker = tmp_path / "owned"
    code = f"open({str(marker)!r}, 'w').write('x')"
    for opcode in (op_global, op_stack_global):
        for module in ("numpy.dtypes", "builtins", "collections", "rung._codec_values"):
            get = opcode(module, "__builtins__.get")
            payload = pickle_of(get + b"\x8c\x04eval\x85R" + unicode(code) + b"\x85R")
            with no_side_effects(), pytest.raises(CheckpointError):
                decode(payload)
    assert not marker.exists()


@pytest.mark.parametrize("module,name", dotted_names())
def test_dotted_names_are_refused_through_every_allowed_module(module: str, name: str) -> None:
    for opcode in (op_global, op_stack_global):
        with no_side_effects(), pytest.raises(CheckpointError, match="does not load"):
            decode(pickle_of(opcode(module, name) + b")R"))


def _call(module: str, name: str, *args: object) -> bytes:
    return pickle_of(call_ops(module, name, *args))


HOSTILE_CALLS = [
    ("builtins", "complex", "1e99999999j" * 3),
    ("builtins", "complex", 10**400),
    ("builtins", "range", "a"),
    ("collections", "OrderedDict", 5),
    ("collections", "OrderedDict", "ab"),
    ("rung._codec_values", "array", b"\x00" * 8, "|O", (1,), "C"),
    (
        "rung._codec_values",
        "array",
        b"\x00" * 8,
        ("struct", ("a",), ("|O",), (0,), 8, False),
        (1,),
        "C",
    ),
    (
        "rung._codec_values",
        "array",
        b"\x00" * 16,
        ("struct", ("a",), ("<f8",), (1000,), 16, False),
        (1,),
        "C",
    ),
    ("rung._codec_values", "array", b"\x00" * 8, "<f8", (10**6,), "C"),
    ("rung._codec_values", "array", b"\x00" * 8, "<f8", (-1, -8), "C"),
    ("rung._codec_values", "array", b"\x00" * 8, "<f8", (1,), "K"),
    ("rung._codec_values", "array", [1.0], "<f8", (1,), "C"),
    ("rung._codec_values", "array", b"\x00" * 8, "numpy.float64", (1,), "C"),
    ("rung._codec_values", "array", b"\x00" * 8, "f8,O", (1,), "C"),
    ("rung._codec_values", "objects", (1, 2), "|O", (2,)),
    ("rung._codec_values", "objects", [1, 2], "<f8", (2,)),
    ("rung._codec_values", "objects", [1], "|O", (10**9,)),
    ("rung._codec_values", "scalar", b"\x00" * 3, "<f8"),
    ("rung._codec_values", "dtype", ("sub", "<f8", (10**10, 10**10))),
    ("rung._codec_values", "dtype", ("struct",) + ("x",) * 5),
    ("rung._codec_values", "dtype", ("other", 1)),
    ("rung._codec_values", "numpy_type", "|O8[eval]"),
    ("rung._codec_values", "tensor", [1.0], "<f4", (1,), "float32"),
    ("rung._codec_values", "tensor", b"\x00" * 8, "|O", (1,), "float32"),
    ("rung._codec_values", "tensor", b"\x00" * 4, "<f4", (1,), "load"),
    ("rung._codec_values", "tensor", b"\x00" * 4, "<f4", (1,), "Tensor"),
    ("rung._codec_values", "tensor", b"\x00" * 4, "<U1", (1,), "float32"),
    ("rung._codec_values", "tensor", b"\x00" * 4, "<f4", (1,), "float64"),
    ("rung._codec_values", "torch_dtype", "load"),
    ("rung._codec_values", "torch_dtype", "Tensor"),
    ("rung._codec_values", "array"),
]


@pytest.mark.parametrize("call", HOSTILE_CALLS, ids=lambda c: f"{c[1]}{c[2:]!r}"[:60])
def test_allowed_callables_with_hostile_arguments_are_refused(call: tuple) -> None:
    with no_side_effects(), pytest.raises(CheckpointError):
        decode(_call(*call))


def test_deeply_nested_dtypes_are_refused() -> None:
    descr: object = "<f8"
    for _ in range(40):
        descr = ("sub", descr, (1,))
    with pytest.raises(CheckpointError, match="nested too deeply"):
        decode(_call("rung._codec_values", "dtype", descr))


def test_state_cannot_be_set_on_what_the_pickle_builds() -> None:
    od = call_ops("collections", "OrderedDict")
    for state in ({"keys": "x"}, {"__class__": 1}, (None, {"get": 1}), {1: 2}):
        with no_side_effects(), pytest.raises(CheckpointError):
            decode(pickle_of(od + data_ops(state) + b"b"))
    array = call_ops("rung._codec_values", "array", b"\x00" * 8, "<f8", (1,), "C")
    forged = (3, "|", None, ("a",), {"a": ("<f8", 1000)}, 16, 1, 63)
    for state in ((1, (1,), "<f8", False, b"\x00" * 8), forged, {"dtype": 1}):
        with no_side_effects(), pytest.raises(CheckpointError):
            decode(pickle_of(array + data_ops(state) + b"b"))
    builder = op_stack_global("rung._codec_values", "array")
    for state in ({"__defaults__": (1,)}, (None, {"__defaults__": (1,)})):
        with no_side_effects(), pytest.raises(CheckpointError):
            decode(pickle_of(builder + data_ops(state) + b"b"))
    assert _codec_values.array.__defaults__ is None and not vars(_codec_values.array)


def test_values_that_contain_themselves_are_plain_data_or_refused() -> None:
    # l = [objects(l, "|O", (n,))]: the builder's argument is the list that holds its result
    for n in (0, 1):
        head = b"]\x94" + op_stack_global("rung._codec_values", "objects")
        args = b"h\x00" + unicode("|O") + b"K" + bytes([n]) + b"\x85\x87R"
        try:
            value = decode(pickle_of(head + args + b"a"))
        except CheckpointError:
            continue
        assert_plain(value)
    cyclic = [1]
    cyclic.append(cyclic)
    grid = np.empty(2, dtype=object)
    grid[0], grid[1] = cyclic, np.ones(1)
    back = decode(encode({"list": cyclic, "grid": grid}))
    assert back["list"][1] is back["list"] and back["grid"][0] is back["list"]


def test_uncalled_globals_are_not_plain_data() -> None:
    for module, name in (("builtins", "complex"), ("rung._codec_values", "array")):
        with pytest.raises(CheckpointError):
            decode(pickle_of(op_stack_global(module, name)))


@settings(max_examples=400, deadline=None)
@given(random_pickle())
def test_random_opcode_streams_decode_to_plain_data_or_checkpoint_error(data: bytes) -> None:
    with no_side_effects():
        try:
            value = decode(data)
        except CheckpointError:
            return
    assert_plain(value)


@pytest.mark.slow  # a run was once killed for memory (19 GB) here: not yet explained
@settings(max_examples=200, deadline=None)
@given(st.data())
def test_damaged_real_checkpoints_decode_to_plain_data_or_checkpoint_error(data) -> None:
    torch = pytest.importorskip("torch")
    state = {
        "model": torch.nn.Linear(2, 2).state_dict(),
        "a": np.arange(4.0).reshape(2, 2),
        "objs": np.array([1, "x"], dtype=object),
        "s": np.float32(2),
        "d": np.dtype([("a", "<f4")]),
    }
    raw = bytearray(encode(state).data)
    for _ in range(data.draw(st.integers(1, 4))):
        position = data.draw(st.integers(1, len(raw) - 1))
        raw[position] = data.draw(st.integers(0, 255))
    with no_side_effects():
        try:
            value = decode(bytes(raw))
        except CheckpointError:
            return
    assert_plain(value)
