"""``@frozen``: a frozen, slotted dataclass whose constructor is as fast as a plain one.

On CPython 3.10-3.12 a ``dataclass(frozen=True)`` assigns each field through
``object.__setattr__``, which makes building one about five times slower than building a
mutable dataclass. rung builds several such records per job, and its per-job overhead is
a few microseconds, so the generated ``__init__`` is replaced by one that writes each slot
through its descriptor. Everything else (immutability, ``__eq__``, ``__hash__``,
``__repr__``, ``dataclasses.fields``, pickling) is the dataclass machinery's own.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

__all__ = ["frozen"]

T = TypeVar("T")


def frozen(cls: type[T]) -> type[T]:
    """Decorates ``cls`` as ``dataclass(frozen=True, slots=True)`` with a fast ``__init__``."""
    cls = dataclasses.dataclass(frozen=True, slots=True)(cls)
    namespace: dict[str, Any] = {"MISSING": dataclasses.MISSING}
    params, body = [], []
    for field in dataclasses.fields(cls):
        name = field.name
        namespace[f"_set_{name}"] = getattr(cls, name).__set__
        if field.default is not dataclasses.MISSING:
            namespace[f"_default_{name}"] = field.default
            params.append(f"{name}=_default_{name}")
            body.append(f"    _set_{name}(self, {name})")
        elif field.default_factory is not dataclasses.MISSING:
            namespace[f"_factory_{name}"] = field.default_factory
            params.append(f"{name}=MISSING")
            body.append(
                f"    _set_{name}(self, _factory_{name}() if {name} is MISSING else {name})"
            )
        else:
            params.append(name)
            body.append(f"    _set_{name}(self, {name})")
    if hasattr(cls, "__post_init__"):
        body.append("    self.__post_init__()")
    source = f"def __init__(self, {', '.join(params)}):\n" + "\n".join(body or ["    pass"])
    exec(source, namespace)  # noqa: S102 - built from field names only
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__doc__ = cls.__init__.__doc__
    cls.__init__ = init
    return cls
