"""Which optional part of rung (a pip extra) a missing module belongs to."""

from __future__ import annotations

__all__ = ["EXTRAS", "missing_extra"]

#: Top-level modules of the optional dependencies, and the extra that installs each.
EXTRAS = {
    "torch": "torch",
    "matplotlib": "plot",
    "dask": "dask",
    "distributed": "dask",
    "ipywidgets": "notebook",
}


def missing_extra(error: BaseException) -> str:
    """A hint naming the extra to install when ``error`` is a missing optional module
    (``"; install it with: pip install 'rung[torch]'"``), else an empty string: also when
    ``error``'s own message already says so, as rung's own ImportErrors do."""
    said = str(error)
    while error is not None:
        if isinstance(error, ModuleNotFoundError) and error.name:
            extra = EXTRAS.get(error.name.split(".")[0])
            if extra is not None:
                command = f"pip install 'rung[{extra}]'"
                return "" if command in said else f"; install it with: {command}"
        error = error.__cause__ or error.__context__  # type: ignore[assignment]
    return ""
