"""A model's suggestion, or a random one when the model cannot give one.

Model-based searchers fall back to random search in two cases, and never stop the run:
the model has nothing to learn from yet (:class:`NoModelYet`: no finite value at the
level it models), or its numerics failed (a factorization, the optimizers, non-finite values),
which logs a warning and makes the searcher forget its fitted hyperparameters, so that the
next suggestion does not warm-start from what failed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import numpy as np

from rung.searchers._blas import single_threaded_blas
from rung.searchers.base import Searcher

__all__ = ["NUMERICAL_ERRORS", "NoModelYet", "model_or_random"]

logger = logging.getLogger(__name__)

NUMERICAL_ERRORS = (np.linalg.LinAlgError, ArithmeticError, ValueError, RuntimeError)


class NoModelYet(LookupError):
    """Nothing to fit a model on yet (no observation, or none finite where it is needed).

    A class of its own, so that a ``KeyError`` or ``IndexError`` from a bug in the model
    code is not mistaken for it and hidden.
    """


def model_or_random(
    searcher: Searcher,
    suggest: Callable[[], dict[str, Any]],
    forget: Callable[[], None],
) -> dict[str, Any]:
    """``suggest()`` (BLAS single-threaded), or a random configuration of ``searcher``.

    Args:
        searcher: Whose random configuration is the fallback, and whose name the warning
            gives.
        suggest: The model's suggestion; raises :class:`NoModelYet` when there is no
            model yet, or one of :data:`NUMERICAL_ERRORS`.
        forget: Drops what the model kept from earlier fits, after a numerical failure.

    Returns:
        A configuration.
    """
    try:
        with single_threaded_blas():
            return suggest()
    except NoModelYet as err:
        logger.debug("random suggestion: %s", err)
    except NUMERICAL_ERRORS as err:
        logger.warning(
            "%s fell back to a random configuration after a numerical failure (%s: %s) "
            "with %d observations.",
            type(searcher).__name__,
            type(err).__name__,
            err,
            len(searcher.observations),
        )
        forget()
    return searcher._random_config()
