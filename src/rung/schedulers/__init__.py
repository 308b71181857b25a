"""Schedulers decide which configuration runs next and to which resource."""

from rung.schedulers.base import Scheduler
from rung.schedulers.fifo import FIFO

__all__ = ["FIFO", "Scheduler"]
