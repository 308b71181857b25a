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

The model is only used once it explains the durations: at least twice as many
observations as weights, and an adjusted R² of at least 0.5. Durations that differ by
timer noise alone (a quick objective, an idle machine's jitter) thus leave the search
alone, and such runs stay reproducible from their seed.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["CostModel"]

_RIDGE = 1e-2  # on standardized-scale features in [0, 1]: a weak pull of weights to 0
_MIN_R2 = 0.5  # the adjusted R² below which the model is not trusted


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
        """True once the model explains the durations (see the module docstring)."""
        n, p = self.n_observations, len(self._moment)
        if n < max(self.min_observations, 2 * p) or self._high - self._low < 1e-9:
            return False
        return self.r_squared() >= _MIN_R2

    def r_squared(self) -> float:
        """The adjusted R² of the fit on the observations seen (-inf with too few)."""
        n, p = self.n_observations, len(self._moment)
        if n <= p:
            return -math.inf
        w = self._fit()
        mean = self._moment[0] / n  # the first feature is the constant 1
        total = self._sum_squares - n * mean * mean
        residual = self._sum_squares - 2.0 * (w @ self._moment) + w @ self._gram @ w
        if total <= 0:
            return -math.inf
        return 1.0 - (max(residual, 0.0) / (n - p)) / (total / (n - 1))

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
