"""What a configuration costs: a model of the seconds per unit of resource, from job times.

Cost-aware Bayesian optimization divides Expected Improvement by the predicted cost of an
evaluation, "EI per second" (Snoek, Larochelle & Adams, *Practical Bayesian Optimization
of Machine Learning Algorithms*, NeurIPS 2012, §3.2), which needs a model of the cost
beside the model of the value. Snoek et al. fit a second GP to log durations; here the
model is ridge regression of ``log(seconds / resource units)`` on the configuration's
features, their squares and the log-scaled resource level (and its square)::

    log c(u, s) = w_0 + sum_j (a_j u_j + b_j u_j**2) + c s + e s**2

Training times are close to log-linear in the hyperparameters that drive them (width,
batch size, the number of trees), so the model needs few observations; it is additive in
the level ``s``, so the configurations' ranking does not depend on the level it is read
at (per-epoch costs that grow with the epoch, as mf-prior-bench's do, would otherwise
pass for "good configurations are slow", since good ones reach the high levels). It keeps
only sufficient statistics (``XᵀX``, ``Xᵀy``, ``yᵀy``): memory and time per observation
are constant, and the fit is one small linear solve. Predictions are clipped to the range
of the observed log costs, so a quadratic cannot extrapolate to absurd costs in a corner.

The model is only used once the *configuration* explains the durations: at least twice
as many observations as weights, and the configuration terms remove at least half of the
variance the level terms leave (an adjusted partial R² of 0.5), and the partial F-test
of those terms rejects "no effect" at ``p < 1e-4``; and only when a resource unit takes
5 ms or more (geometric mean): below, no choice saves the time of one suggestion, and
the durations follow the machine's load, which drifts during a run in step with where
the search is (the F-test took that drift for cost on a 1-ms objective under load).
Durations that differ by timer noise alone, or only from one level to the next, or that
are that short, thus leave the search alone, and such runs stay reproducible from their
seed (a run whose configurations do take different times
depends on the durations measured; resuming it replays the recorded ones).
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import fdtrc

__all__ = ["CostModel"]

_RIDGE = 1e-2  # on standardized-scale features in [0, 1]: a weak pull of weights to 0
_MIN_R2 = 0.5  # the adjusted partial R² below which the model is not trusted
_MAX_P = 1e-4  # the partial F-test's p-value above which it is not trusted either
# Below this geometric mean of seconds per resource unit, cost is not modelled at all: no
# choice among such jobs saves as much time as one suggestion takes, and the durations
# are the machine's load (which drifts during a run, in step with where the search is).
_MIN_SECONDS = 0.005


class CostModel:
    """Ridge regression of log seconds per resource unit (module docstring).

    Args:
        n_features: Width of the configuration features (in the unit cube).
        min_observations: Observations needed before :meth:`log_cost` answers.

    Attributes:
        n_observations: How many durations were added.
    """

    def __init__(self, n_features: int, min_observations: int = 5) -> None:
        self.n_features = n_features
        self.min_observations = min_observations
        width = 2 * n_features + 3
        self._gram = np.zeros((width, width))
        self._moment = np.zeros(width)
        self._sum_squares = 0.0
        self._low, self._high = math.inf, -math.inf
        self.n_observations = 0
        self._weights: np.ndarray | None = None

    def _design(self, u: np.ndarray, level: float) -> np.ndarray:
        return np.concatenate([[1.0], u, u * u, [level, level * level]])

    def add(self, u: np.ndarray, level: float, seconds: float, units: float) -> None:
        """Adds one job: ``seconds`` for ``units`` of resource at level ``level`` in [0, 1].

        Jobs without a positive finite duration or span are ignored.
        """
        if not (seconds > 0 and math.isfinite(seconds) and units > 0):
            return
        target = math.log(seconds / units)
        row = self._design(np.asarray(u, dtype=float), float(level))
        self._gram += np.outer(row, row)
        self._moment += row * target
        self._sum_squares += target * target
        self._low, self._high = min(self._low, target), max(self._high, target)
        self.n_observations += 1
        self._weights = None

    @property
    def ready(self) -> bool:
        """True once the configuration explains the durations (see the module docstring)."""
        n, p = self.n_observations, len(self._moment)
        if n < max(self.min_observations, 2 * p) or self._high - self._low < 1e-9:
            return False
        if self._moment[0] / n < math.log(_MIN_SECONDS):  # the mean log cost
            return False
        return self.r_squared() >= _MIN_R2 and self.p_value() < _MAX_P

    def _residual(self, columns: np.ndarray) -> float:
        """The residual sum of squares of the least-squares fit on ``columns``."""
        gram = self._gram[np.ix_(columns, columns)]
        moment = self._moment[columns]
        w = np.linalg.lstsq(gram, moment, rcond=None)[0]
        return max(self._sum_squares - 2.0 * (w @ moment) + w @ gram @ w, 0.0)

    def p_value(self) -> float:
        """The partial F-test's p-value for "the configuration terms explain nothing"."""
        n, p = self.n_observations, len(self._moment)
        base = self._residual(np.array([0, p - 2, p - 1]))
        full = self._residual(np.arange(p))
        if n <= p or full <= 0:
            return 0.0 if n > p and base > 0 else 1.0
        f = ((base - full) / (p - 3)) / (full / (n - p))
        return float(fdtrc(p - 3, n - p, max(f, 0.0)))

    def r_squared(self) -> float:
        """The adjusted partial R² of the configuration terms, beyond the level's (-inf
        with too few observations)."""
        n, p = self.n_observations, len(self._moment)
        if n <= p:
            return -math.inf
        level_only = np.array([0, p - 2, p - 1])  # the constant, s and s²
        base = self._residual(level_only)
        if base <= 1e-12 * max(self._sum_squares, 1e-300):
            return -math.inf  # the level alone explains the durations
        full = self._residual(np.arange(p))
        return 1.0 - (full / (n - p)) / (base / (n - len(level_only)))

    def _fit(self) -> np.ndarray:
        if self._weights is None:
            ridge = _RIDGE * self.n_observations * np.eye(len(self._moment))
            ridge[0, 0] = 0.0  # the intercept is not shrunk
            self._weights = np.linalg.solve(self._gram + ridge, self._moment)
        return self._weights

    def log_cost(self, U: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Predicted log seconds per resource unit at the top level, and the gradient.

        Args:
            U: Configuration features, shape ``(q, n_features)``.

        Returns:
            ``(log_cost, grad)`` of shapes ``(q,)`` and ``(q, n_features)``; where the
            prediction is clipped to the observed range the gradient is 0.

        Raises:
            LookupError: not :attr:`ready`.
        """
        if not self.ready:
            raise LookupError("The cost model has too few observed durations.")
        w = self._fit()
        d = self.n_features
        linear, square = w[1 : 1 + d], w[1 + d : 1 + 2 * d]
        raw = w[0] + U @ linear + (U * U) @ square + w[-2] + w[-1]
        value = np.clip(raw, self._low, self._high)
        grad = linear + 2.0 * U * square
        grad[(raw < self._low) | (raw > self._high)] = 0.0
        return value, grad
