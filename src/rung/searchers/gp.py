"""Bayesian optimization with a Gaussian process and Expected Improvement.

The loop of Jones, Schonlau & Welch, *Efficient Global Optimization* (1998): fit a GP
(Matérn 5/2 ARD, :mod:`rung.searchers._gp_model`) to the observed values, then suggest
the maximizer of Expected Improvement (:mod:`rung.searchers._acquisition`). Parallel
workers are kept apart with the constant liar of Ginsbourger, Le Riche & Carraro,
*Kriging is well-suited to parallelize optimization* (2010); multi-fidelity observations
are modeled at one resource level, as in BOHB (Falkner, Klein & Hutter, ICML 2018, §4.1).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from rung._checks import Integer, check_all
from rung._random import SeedLike
from rung.searchers._acquisition import maximize_log_ei
from rung.searchers._fallback import NoModelYet, model_or_random
from rung.searchers._features import FeatureMap
from rung.searchers._gp_model import GaussianProcess, fit_gaussian_process
from rung.searchers._subset import stable_key, subset_rows
from rung.searchers.base import Observation, Searcher

__all__ = ["FeatureMap", "GPSearcher"]


# L-BFGS-B iteration caps: hyperparameter fits from the prior and from the last fit, and
# the batched acquisition maximization.
_FIT_MAXITER_COLD = 100
_FIT_MAXITER_WARM = 5
_ACQ_MAXITER = 30
_RULES = {"n_init": Integer(low=1), "max_points": Integer(low=10)}

# The most observations the GP is fitted on: suggestions stay near 50 ms on 10 dimensions.
DEFAULT_MAX_POINTS = 256


def _level_order(resource: int | None) -> float:
    return -np.inf if resource is None else float(resource)


class GPSearcher(Searcher):
    """Bayesian optimization: a Matérn 5/2 GP and Expected Improvement (Jones et al. 1998).

    * The first ``n_init`` configurations (suggested or observed) are random; the
      ``initial_config``, when given, is the first of them.
    * Then each suggestion refits the GP's hyperparameters (warm-started from the previous
      fit at the same level; reused as is while no new value arrived) and maximizes log EI
      with batched multi-start L-BFGS-B.
    * Pending configurations (suggested, not observed) enter the GP with the constant lie
      "its value is the incumbent's" (CL-min, Ginsbourger et al. 2010), so consecutive
      suggestions without observations spread out instead of repeating.
    * Multi-fidelity: observations are grouped by resource; the GP models the highest
      level with at least ``max(n_init, 3)`` configurations (BOHB's rule), else the level
      with the most. ``None`` is a level of its own, below every integer level. A
      configuration observed twice at one level counts with its latest value.
    * A non-finite value (a failed or diverged trial) is imputed as the worst finite
      value of its level, so the model steers away from its region.
    * Beyond ``max_points`` observations at the level, the GP is fitted on ``max_points``
      of them (:mod:`rung.searchers._subset`: the best half and a stable random sample
      of the rest), so a suggestion costs the same at 3,000 observations as at 300.
    * A numerical failure (factorization, non-finite likelihood, optimizer error) logs a
      warning and yields a random configuration instead.

    Args:
        space: The search space.
        seed: Seed of the searcher's generator; same seed, same suggestions.
        initial_config: A configuration to suggest first, or a list of them.
        n_init: How many random configurations precede the model, an int >= 1.
        max_points: The most observations the GP is fitted on, an int >= 10.

    Raises:
        TypeError: ``n_init`` or ``max_points`` is not an int.
        ValueError: ``n_init`` is below 1 or ``max_points`` below 10.

    Example:
        >>> import rung
        >>> searcher = rung.GPSearcher({"x": rung.uniform(-5, 5)}, seed=0, n_init=3)
        >>> for _ in range(5):
        ...     config = searcher.suggest()
        ...     searcher.observe(config, (config["x"] - 2) ** 2)
    """

    def __init__(
        self,
        space: Mapping[str, Any],
        seed: SeedLike = None,
        initial_config: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
        n_init: int = 5,
        max_points: int = DEFAULT_MAX_POINTS,
    ) -> None:
        check_all(type(self).__name__, _RULES, locals())
        self.n_init, self.max_points = int(n_init), int(max_points)
        super().__init__(space, seed=seed, initial_config=initial_config)
        self.features = FeatureMap(self.space)
        self._theta: dict[int | None, np.ndarray] = {}
        self._fitted: GaussianProcess | None = None
        # Per resource level, per configuration: its features, latest value and subset key.
        self._levels: dict[int | None, dict[tuple, tuple[np.ndarray, float, float]]] = {}

    @property
    def min_points(self) -> int:
        """Observations a resource level needs before it is preferred to lower levels."""
        return max(self.n_init, 3)

    def modeled_level(self) -> int | None:
        """The resource level the GP models now (see the class docstring).

        Raises:
            NoModelYet: nothing was observed yet (a LookupError).
        """
        if not self._levels:
            raise NoModelYet("No observations yet.")
        levels = sorted(self._levels, key=_level_order, reverse=True)
        enough = [lv for lv in levels if len(self._levels[lv]) >= self.min_points]
        return enough[0] if enough else max(levels, key=lambda lv: len(self._levels[lv]))

    def training_data(self) -> tuple[np.ndarray, np.ndarray, int | None]:
        """Features, values (non-finite ones imputed) and the level the GP models.

        At most ``max_points`` of the level's observations (see the class docstring).

        Returns:
            ``(X, y, level)`` with ``X`` of shape ``(n, n_features)`` and ``y`` ``(n,)``.

        Raises:
            NoModelYet: nothing was observed yet, or no value at the level is finite (a
                LookupError).
        """
        level = self.modeled_level()
        rows = list(self._levels[level].values())
        y = np.array([value for _, value, _ in rows])
        finite = np.isfinite(y)
        if not finite.any():
            raise NoModelYet(f"No finite value observed at resource {level!r}.")
        y[~finite] = y[finite].max()
        keep = subset_rows(y, np.array([key for _, _, key in rows]), self.max_points)
        return np.array([rows[i][0] for i in keep]), y[keep], level

    def _on_observe(self, observation: Observation) -> None:
        key = self.space.key(observation.config)
        features = self.features.encode(observation.config)
        row = (features, observation.value, stable_key(key, observation.resource))
        self._levels.setdefault(observation.resource, {})[key] = row

    def _on_space_change(self) -> None:
        # A define-by-run objective declared parameters: model them from now on.
        self.features = FeatureMap(self.space)
        self._theta, self._fitted, self._levels = {}, None, {}
        for observation in self.observations:
            self._on_observe(observation)

    def _propose(self) -> dict[str, Any]:
        if len(self._suggested) < self.n_init or self.features.n_features == 0:
            return self._random_config()
        return model_or_random(self, self._model_suggestion, self._forget)

    def _model_suggestion(self) -> dict[str, Any]:
        X, y, level = self.training_data()
        return self._maximize_ei(X, y, level)

    def _forget(self) -> None:
        self._theta, self._fitted = {}, None

    def _maximize_ei(self, X: np.ndarray, y: np.ndarray, level: int | None) -> dict[str, Any]:
        gp = self._fitted
        if gp is None or not (np.array_equal(gp.X, X) and np.array_equal(gp.y, y)):
            warm = self._theta.get(level)
            # A warm start is refined a few iterations per call: the fit converges over
            # successive suggestions instead of being redone from scratch each time.
            maxiter = _FIT_MAXITER_COLD if warm is None else _FIT_MAXITER_WARM
            gp = fit_gaussian_process(X, y, theta0=warm, maxiter=maxiter, tied=self.features.tied)
            self._theta[level] = gp.theta
            self._fitted = gp  # reused while no new value arrives (parallel suggestions)
        best = float(y.min())
        pending = self.pending
        if pending:
            lies = np.full(len(pending), best)  # CL-min: each pending config "reaches" f*
            gp = gp.with_data(self.features.encode_many(pending), lies)
        result = maximize_log_ei(
            gp,
            best,
            self.rng,
            incumbent=X[int(np.argmin(y))],
            maxiter=_ACQ_MAXITER,
            project=self.features.project,
            neighbours=self.features.local_moves,
        )
        if not np.isfinite(result.values[0]):
            raise FloatingPointError(f"Expected Improvement is not finite ({result.values[0]!r}).")
        return self._first_new(self.features.decode(u) for u in result.points)
