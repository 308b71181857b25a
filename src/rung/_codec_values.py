"""numpy and torch values in checkpoints, described as plain data and rebuilt with checks.

:mod:`rung.codec` never lets numpy or torch unpickle themselves: their own pickles name
internal functions (``numpy._core.multiarray._reconstruct``) and restore state through
``__setstate__``, and a crafted ``dtype.__setstate__`` alone can give a dtype fields past
the end of its items, so that reading an array of it reads (or writes) memory it does
not own. Instead, an array travels as ``array(raw bytes, dtype description, shape,
order)``, where the description is a string (``dtype.str``) or nested tuples of strings
and integers, and the builders here recreate every dtype from that description through
numpy's public constructor, which checks the layout. Arrays holding Python objects
travel as lists of their elements, never as raw memory.

The names of the builders (``array``, ``scalar``, ``dtype``, ``numpy_type``,
``objects``, ``tensor``, ``torch_dtype``) are part of the checkpoint format: the decoder
looks them up by these exact names in this module.

Every builder checks the exact types of its arguments (they come from bytes that anyone
may have written) and raises :class:`ValueError` naming what is wrong.
"""

from __future__ import annotations

import math
import pickle
import re
import sys
from typing import Any

import numpy as np

__all__ = [
    "BUILDERS",
    "array",
    "dtype",
    "numpy_type",
    "objects",
    "reduce_value",
    "scalar",
    "tensor",
    "torch_dtype",
]

#: ``dtype.str`` of a dtype without fields or sub-arrays: byte order, kind, size, unit.
_SIMPLE = re.compile(r"[<>|=][a-zA-Z][0-9]{0,10}(\[[0-9]{0,10}[a-zA-Z]{1,3}\])?")
_SIMPLE_DTYPES: dict[str, np.dtype] = {}  # parsed once: most checkpoints hold a few
_MAX_DEPTH = 16  # nesting of structured dtypes
_MAX_DIMS = 64  # numpy's own limit


# -- descriptions -------------------------------------------------------------------------


def describe(dtype: np.dtype) -> str | tuple:
    """A numpy dtype as plain, hashable data that :func:`_build_dtype` rebuilds.

    Raises:
        ValueError: the dtype cannot be described (field titles, or a string dtype with a
            missing-value object).
    """
    if dtype.fields is not None:
        names = dtype.names
        fields = [dtype.fields[name] for name in names]
        if any(len(field) > 2 for field in fields):
            raise ValueError(f"structured dtypes with field titles are not stored ({dtype})")
        return (
            "struct",
            tuple(names),
            tuple(describe(field[0]) for field in fields),
            tuple(int(field[1]) for field in fields),
            int(dtype.itemsize),
            bool(dtype.isalignedstruct),
        )
    if dtype.subdtype is not None:
        base, shape = dtype.subdtype
        return ("sub", describe(base), tuple(int(n) for n in shape))
    if dtype.kind == "T":  # numpy >= 2 variable-width strings
        if hasattr(dtype, "na_object"):
            raise ValueError("string dtypes with a missing-value object are not stored")
        return ("strings", bool(dtype.coerce))
    return dtype.str


def _build_dtype(descr: Any, depth: int = 0) -> np.dtype:
    if depth > _MAX_DEPTH:
        raise ValueError("the dtype description is nested too deeply")
    if type(descr) is str:
        known = _SIMPLE_DTYPES.get(descr)
        if known is None:
            if not _SIMPLE.fullmatch(descr):
                raise ValueError(f"{descr!r} is not a dtype description rung writes")
            known = np.dtype(descr)
            if len(_SIMPLE_DTYPES) < 1024:
                _SIMPLE_DTYPES[descr] = known
        return known
    if type(descr) is not tuple or not descr or type(descr[0]) is not str:
        raise ValueError(f"{_short(descr)} is not a dtype description rung writes")
    kind, rest = descr[0], descr[1:]
    if kind == "struct" and len(rest) == 5:
        names, formats, offsets, itemsize, aligned = rest
        if not (
            _all_of(names, str)
            and type(formats) is tuple
            and len(formats) == len(names)
            and _all_of(offsets, int)
            and len(offsets) == len(names)
            and type(itemsize) is int
            and type(aligned) is bool
        ):
            raise ValueError(f"{_short(descr)} is not a structured dtype rung writes")
        return np.dtype(
            {
                "names": list(names),
                "formats": [_build_dtype(f, depth + 1) for f in formats],
                "offsets": list(offsets),
                "itemsize": itemsize,
                "aligned": aligned,
            }
        )
    if kind == "sub" and len(rest) == 2:
        return np.dtype((_build_dtype(rest[0], depth + 1), _shape(rest[1])))
    if kind == "strings" and len(rest) == 1 and type(rest[0]) is bool:
        string_dtype = getattr(getattr(np, "dtypes", None), "StringDType", None)
        if string_dtype is None:
            raise ValueError("this numpy has no StringDType (numpy >= 2 writes it)")
        return string_dtype(coerce=rest[0])
    raise ValueError(f"{_short(descr)} is not a dtype description rung writes")


def _shape(shape: Any) -> tuple[int, ...]:
    if type(shape) is tuple and len(shape) <= _MAX_DIMS:
        for n in shape:
            if type(n) is not int or n < 0:
                break
        else:
            return shape
    raise ValueError(f"{_short(shape)} is not an array shape")


def _all_of(values: Any, kind: type) -> bool:
    return type(values) is tuple and all(type(v) is kind for v in values)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


# -- builders (the names the decoder allows) ----------------------------------------------


def array(data: Any, descr: Any, shape: Any, order: Any) -> np.ndarray:
    """An array from its raw bytes: zero-copy over a ``bytearray``."""
    dt = _build_dtype(descr)
    shape = _shape(shape)
    if dt.hasobject or dt.kind == "T":
        raise ValueError(f"an array of dtype {dt} cannot be read from raw bytes")
    if type(data) not in (bytes, bytearray) or order not in ("C", "F"):
        raise ValueError("the array's data or order is not what rung writes")
    size = shape[0] if len(shape) == 1 else math.prod(shape)
    if len(data) != size * dt.itemsize:
        raise ValueError(
            f"the array's data has {len(data)} bytes, not the {size} x "
            f"{dt.itemsize} its shape {shape} and dtype {dt} need"
        )
    if dt.itemsize == 0:
        return np.empty(shape, dt, order=order)
    flat = np.frombuffer(data, dt)
    if len(shape) == 1:
        return flat
    return flat.reshape(shape) if order == "C" else flat.reshape(shape, order="F")


def objects(items: Any, descr: Any, shape: Any) -> np.ndarray:
    """An array of Python objects (or numpy >= 2 strings) from the list of its elements."""
    dt = _build_dtype(descr)
    shape = _shape(shape)
    if type(items) is not list or len(items) != math.prod(shape):
        raise ValueError(f"the elements of an array of shape {shape} are not a list of that size")
    if dt.kind == "T":
        if not all(type(item) is str for item in items):
            raise ValueError("a string array holds something other than strings")
        return np.array(items, dtype=dt).reshape(shape)
    if dt != np.dtype(object):
        raise ValueError(f"an array of dtype {dt} is not stored as a list of elements")
    out = np.empty(len(items), dtype=object)
    for i, item in enumerate(items):  # element by element: numpy never splits sequences
        out[i] = item
    return out.reshape(shape)


def scalar(data: Any, descr: Any) -> np.generic:
    """A numpy scalar (``np.float32(1.5)``) from its raw bytes."""
    return array(data, descr, (), "C")[()]


def dtype(descr: Any) -> np.dtype:
    """A numpy dtype held as a value."""
    return _build_dtype(descr)


def numpy_type(descr: Any) -> type:
    """A numpy scalar type held as a value (``np.float32``)."""
    return _build_dtype(descr).type


def tensor(data: Any, descr: Any, shape: Any, name: Any) -> Any:
    """A CPU tensor over its raw bytes (zero-copy over a ``bytearray``), read as ``descr``;
    dtypes numpy lacks (bfloat16) travel as integers of their width."""
    target = torch_dtype(name)
    if type(descr) is not str or descr[1:2] not in ("b", "i", "u", "f", "c"):
        raise ValueError(f"{_short(descr)} is not the dtype of a tensor's values")
    values = array(data, descr, shape, "C")
    if not values.flags.writeable:  # bytes, not a bytearray: rung writes these writable
        values = values.copy()
    out = _torch().from_numpy(values)
    return out if out.dtype == target else out.view(target)


def torch_dtype(name: Any) -> Any:
    """A torch dtype held as a value (``torch.float16``)."""
    target = _torch_dtypes().get(name) if type(name) is str else None
    if target is None:
        raise ValueError(f"{_short(name)} is not a torch dtype")
    return target


def _torch() -> Any:
    torch = sys.modules.get("torch")
    if torch is None:
        import torch
    return torch


_TORCH_DTYPES: dict[str, Any] = {}


def _torch_dtypes() -> dict[str, Any]:
    if not _TORCH_DTYPES:
        torch = _torch()
        for name in dir(torch):
            value = getattr(torch, name)
            if isinstance(value, torch.dtype):
                _TORCH_DTYPES[name] = value
    return _TORCH_DTYPES


#: The builders the decoder may call, by the (module, name) pair the pickle names.
BUILDERS = {
    (__name__, f.__name__): f
    for f in (array, objects, scalar, dtype, numpy_type, tensor, torch_dtype)
}


# -- the encoder's side --------------------------------------------------------------------

_TORCH_INT_OF_SIZE = {1: "int8", 2: "int16", 4: "int32", 8: "int64"}


def reduce_value(obj: Any) -> Any:
    """How :class:`pickle.Pickler` writes ``obj`` if it is a numpy or torch value, else
    ``NotImplemented``.

    Raises:
        ValueError: a numpy or torch value that rung cannot store.
    """
    kind = type(obj)
    if kind is np.ndarray:
        return _reduce_array(obj)
    if isinstance(obj, np.generic):
        values = np.asarray(obj)
        return scalar, (values.tobytes(), describe(values.dtype))
    if isinstance(obj, np.dtype):
        return dtype, (describe(obj),)
    if isinstance(obj, type) and issubclass(obj, np.generic) and obj is not np.generic:
        try:
            return numpy_type, (describe(np.dtype(obj)),)
        except TypeError:  # abstract (np.number): pickled by name, then refused
            return NotImplemented
    torch = sys.modules.get("torch")
    if torch is not None:
        if isinstance(obj, torch.Tensor):
            return _reduce_tensor(torch, obj)
        if isinstance(obj, torch.dtype):
            return torch_dtype, (str(obj).removeprefix("torch."),)
    return NotImplemented


def _reduce_array(values: np.ndarray) -> Any:
    dt = values.dtype
    if dt.kind == "O" or dt.kind == "T":
        return objects, (values.ravel().tolist(), describe(dt), values.shape)
    if dt.hasobject:
        raise ValueError(f"structured arrays with object fields are not stored ({dt})")
    descr = describe(dt)
    if values.flags.c_contiguous:
        order = "C"
    elif values.flags.f_contiguous:
        order = "F"
    else:
        order = "C"
        values = values.copy(order="C")
    if dt.itemsize == 0:
        return array, (b"", descr, values.shape, order)
    data = values.reshape(-1, order=order).view(np.uint8)  # a view: any dtype, datetimes too
    return array, (pickle.PickleBuffer(data), descr, values.shape, order)


def _reduce_tensor(torch: Any, obj: Any) -> Any:
    values = obj.detach().to("cpu").contiguous().resolve_conj().resolve_neg()
    name = str(values.dtype).removeprefix("torch.")
    try:
        flat = values.numpy()
    except TypeError:  # numpy has no such dtype: the same bytes as integers of that width
        flat = values.view(getattr(torch, _TORCH_INT_OF_SIZE[values.element_size()])).numpy()
    data = pickle.PickleBuffer(flat.reshape(-1).view(np.uint8))
    return tensor, (data, flat.dtype.str, tuple(values.shape), name)
