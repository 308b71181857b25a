"""Schedulers decide which configuration runs next and to which resource."""

from rung.schedulers.asha import ASHA, ASHAVariant
from rung.schedulers.async_hyperband import AsyncHyperband
from rung.schedulers.base import Scheduler
from rung.schedulers.fifo import FIFO
from rung.schedulers.hyperband import Hyperband
from rung.schedulers.rungs import rung_levels
from rung.schedulers.successive_halving import SuccessiveHalving

__all__ = [
    "ASHA",
    "ASHAVariant",
    "FIFO",
    "AsyncHyperband",
    "Hyperband",
    "Scheduler",
    "SuccessiveHalving",
    "rung_levels",
]
