"""BLAS pinned to one thread while a searcher does its small matrix algebra."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from typing import Any

__all__ = ["single_threaded_blas"]

logger = logging.getLogger(__name__)

_blas_controller: Any = None  # a threadpoolctl.ThreadpoolController; False without one


@contextlib.contextmanager
def single_threaded_blas() -> Iterator[None]:
    """Runs BLAS single-threaded, when threadpoolctl is installed.

    The GP's matrices are small; OpenBLAS threads cost more than they save, and they slow
    SciPy's L-BFGS-B (C since SciPy 1.15) by 5-10x (scipy/scipy#22438).
    """
    global _blas_controller
    if _blas_controller is None:
        try:
            from threadpoolctl import ThreadpoolController

            _blas_controller = ThreadpoolController()
        except ImportError:
            logger.info(
                "threadpoolctl is not installed: GP suggestions may be several times slower"
            )
            _blas_controller = False
    if _blas_controller:
        limiter = _blas_controller.limit(limits=1, user_api="blas")
    else:
        limiter = contextlib.nullcontext()
    with limiter:
        yield
