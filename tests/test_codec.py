"""Checkpoints as bytes: round trips, and nothing unsafe is ever built when reading."""

from __future__ import annotations

import os
import pickle
from collections import OrderedDict

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from rung.codec import Blob, CheckpointError, decode, encode

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


def test_numpy_arrays_and_generator_state_round_trip() -> None:
    rng = np.random.default_rng(3)
    state = {"w": np.arange(6.0).reshape(2, 3), "rng": rng.bit_generator.state, "n": np.int64(4)}
    back = decode(encode(state))
    np.testing.assert_array_equal(back["w"], state["w"])
    assert back["rng"] == state["rng"] and back["n"] == 4


def test_torch_state_dicts_round_trip() -> None:
    torch = pytest.importorskip("torch")
    model = torch.nn.Linear(3, 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    model(torch.ones(1, 3)).sum().backward()
    optimizer.step()
    state = {"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": 2}
    blob = encode(state)
    back = decode(blob)
    assert back["epoch"] == 2
    assert isinstance(back["model"], OrderedDict)
    for name, tensor in state["model"].items():
        assert torch.equal(back["model"][name], tensor)
    momentum = back["optimizer"]["state"][0]["momentum_buffer"]
    assert torch.equal(momentum, state["optimizer"]["state"][0]["momentum_buffer"])
    half = decode(encode({"w": torch.ones(3, dtype=torch.bfloat16) / 3}))["w"]
    assert half.dtype is torch.bfloat16 and torch.equal(
        half, torch.ones(3, dtype=torch.bfloat16) / 3
    )


class Opaque:
    pass


def test_objects_that_cannot_be_read_back_safely_are_refused_when_saved() -> None:
    with pytest.raises(CheckpointError, match="Opaque"):
        encode({"model": Opaque()})


class Exploit:
    def __reduce__(self):
        return (os.system, ("echo owned",))


def test_decoding_never_calls_what_the_bytes_name() -> None:
    evil = Blob(b"P" + pickle.dumps(Exploit()))
    with pytest.raises(CheckpointError, match="system"):
        decode(evil)


def test_foreign_or_damaged_bytes_are_refused() -> None:
    with pytest.raises(CheckpointError, match="Not a rung checkpoint"):
        decode(b"\x00junk")
    data = encode({"w": np.ones(100)}).data
    with pytest.raises(CheckpointError, match="damaged"):
        decode(data[: len(data) // 2])
