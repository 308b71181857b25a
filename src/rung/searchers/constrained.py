"""Bayesian optimization under constraints: constrained Expected Improvement.

Gardner, Kusner, Xu, Weinberger & Cunningham, *Bayesian Optimization with Inequality
Constraints* (ICML 2014): the objective and each constraint get a Gaussian process of
their own, and the next configuration maximizes

    cEI(x) = EI(x; f*_feasible) · Π_j P(g_j(x) <= 0)                               (eq. 4)

where ``f*_feasible`` is the best *feasible* value so far. Until a feasible result exists
there is nothing to improve on, and the product of probabilities alone is maximized
(§3, "finding a feasible point first"). Each constraint is modeled through its slack
(:meth:`rung.objectives.Constraint.slack`): ``<= 0`` holds.

With several objectives, the objective GP models ParEGO's random scalarisation of them
(:mod:`rung.searchers._scalarize`), new weights for every suggestion, so that the
suggestions spread over the feasible part of the Pareto front.

Pending configurations (suggested, not observed) enter the objective's GP with the
constant lie "it reaches the best feasible value" (CL-min, Ginsbourger et al. 2010) and
the constraints' GPs with their posterior mean (the kriging believer), so parallel
suggestions spread out. Multi-fidelity results are modeled at one resource level, as the
GP searcher does (the highest with enough configurations, BOHB's rule).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import numpy as np

from rung._checks import Integer, Real, check_all
from rung._random import SeedLike
from rung.objectives import Score
from rung.searchers._acquisition import log_expected_improvement
from rung.searchers._blas import single_threaded_blas
from rung.searchers._feasibility import log_probability_feasible, maximize_acquisition
from rung.searchers._features import FeatureMap
from rung.searchers._gp_model import GaussianProcess, fit_gaussian_process
from rung.searchers._scalarize import RHO, chebyshev, draw_weights
from rung.searchers.base import Observation, Searcher

__all__ = ["ConstrainedGPSearcher"]

logger = logging.getLogger(__name__)

_NUMERICAL_ERRORS = (np.linalg.LinAlgError, ArithmeticError, ValueError, RuntimeError)
_FIT_MAXITER_COLD = 100
_FIT_MAXITER_WARM = 5
_RULES = {"n_init": Integer(low=1), "rho": Real(low=0)}


def _level_order(resource: int | None) -> float:
    return -np.inf if resource is None else float(resource)


def _imputed(values: np.ndarray) -> np.ndarray:
    """Non-finite values replaced by the worst finite one (1.0 if none is finite)."""
    out = np.array(values, dtype=float)
    finite = np.isfinite(out)
    out[~finite] = out[finite].max() if finite.any() else 1.0
    return out


class ConstrainedGPSearcher(Searcher):
    """Constrained Expected Improvement over one or several objectives (module docstring).

    Args:
        space: The search space.
        seed: Seed of the searcher's generator (suggestions and scalarisation weights).
        initial_config: A configuration to suggest first.
        n_init: How many random configurations precede the models, an int >= 1.
        rho: The linear term of the scalarisation when there are several objectives.

    Raises:
        ConfigTypeError: ``n_init`` is not an int or ``rho`` not a number.
        ConfigError: ``n_init`` < 1 or ``rho`` < 0.

    Example:
        >>> import rung
        >>> from rung.objectives import Score
        >>> searcher = ConstrainedGPSearcher({"x": rung.uniform(0, 1)}, seed=0, n_init=3)
        >>> for _ in range(5):
        ...     config = searcher.suggest()  # minimize x**2 subject to x >= 0.5
        ...     searcher.observe(config, Score((config["x"] ** 2,), (0.5 - config["x"],)))
    """

    takes_scores = True

    def __init__(
        self,
        space: Mapping[str, Any],
        seed: SeedLike = None,
        initial_config: Mapping[str, Any] | None = None,
        n_init: int = 5,
        rho: float = RHO,
    ) -> None:
        check_all("ConstrainedGPSearcher", _RULES, locals())
        super().__init__(space, seed=seed, initial_config=initial_config)
        self.n_init = int(n_init)
        self.rho = float(rho)
        self.features = FeatureMap(self.space)
        self._levels: dict[int | None, dict[tuple, tuple[np.ndarray, Score]]] = {}
        self._theta: dict[tuple[int | None, int], np.ndarray] = {}

    @property
    def min_points(self) -> int:
        """Observations a resource level needs before it is preferred to lower levels."""
        return max(self.n_init, 3)

    def modeled_level(self) -> int | None:
        """The resource level the GPs model (as :meth:`rung.GPSearcher.modeled_level`).

        Raises:
            LookupError: nothing was observed yet.
        """
        if not self._levels:
            raise LookupError("No observations yet.")
        levels = sorted(self._levels, key=_level_order, reverse=True)
        enough = [lv for lv in levels if len(self._levels[lv]) >= self.min_points]
        return enough[0] if enough else max(levels, key=lambda lv: len(self._levels[lv]))

    def _on_observe(self, observation: Observation) -> None:
        score = observation.value
        if not isinstance(score, Score):  # a single value: one objective, no constraint
            score = Score((float(score),))
        key = self.space.key(observation.config)
        row = (self.features.encode(observation.config), score)
        self._levels.setdefault(observation.resource, {})[key] = row

    def _propose(self) -> dict[str, Any]:
        if len(self._suggested) < self.n_init or not self._levels:
            return self._random_config()
        level = self.modeled_level()
        rows = list(self._levels[level].values())
        X = np.array([features for features, _ in rows])
        scores = [score for _, score in rows]
        if not any(score.finite for score in scores):
            return self._random_config()
        try:
            with single_threaded_blas():
                return self._maximize(X, scores, level)
        except _NUMERICAL_ERRORS as err:
            logger.warning(
                "ConstrainedGPSearcher fell back to a random configuration after a numerical "
                "failure (%s: %s) with %d observations.",
                type(err).__name__,
                err,
                len(rows),
            )
            self._theta = {k: v for k, v in self._theta.items() if k[0] != level}
            return self._random_config()

    def _fit(self, X: np.ndarray, y: np.ndarray, level: int | None, which: int) -> GaussianProcess:
        warm = self._theta.get((level, which))
        maxiter = _FIT_MAXITER_COLD if warm is None else _FIT_MAXITER_WARM
        gp = fit_gaussian_process(X, y, theta0=warm, maxiter=maxiter)
        self._theta[(level, which)] = gp.theta
        return gp

    def _objective_values(self, scores: list[Score]) -> np.ndarray:
        Y = np.array([score.objectives for score in scores], dtype=float)
        if Y.shape[1] == 1:
            return Y[:, 0]
        return chebyshev(Y, draw_weights(self.rng, Y.shape[1]), self.rho)

    def _maximize(self, X: np.ndarray, scores: list[Score], level: int | None) -> dict[str, Any]:
        y = self._objective_values(scores)
        feasible = np.array([score.feasible for score in scores])
        objective = self._fit(X, _imputed(y), level, 0)
        n_constraints = len(scores[0].slacks)
        slacks = np.array([score.slacks for score in scores], dtype=float).reshape(
            len(scores), n_constraints
        )
        constraints = [
            self._fit(X, _imputed(slacks[:, j]), level, j + 1) for j in range(n_constraints)
        ]
        best = float(y[feasible].min()) if feasible.any() else None
        pending = self.pending
        if pending:
            U = self.features.encode_many(pending)
            lie = best if best is not None else float(np.nanmin(y))
            objective = objective.with_data(U, np.full(len(U), lie))
            constraints = [gp.with_data(U, gp.predict(U)[0]) for gp in constraints]

        def acquisition(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            value, grad = np.zeros(len(x)), np.zeros_like(x)
            if best is not None:
                value, grad = log_expected_improvement(objective, x, best)
            for gp in constraints:
                log_pof, d_log_pof = log_probability_feasible(gp, x)
                value, grad = value + log_pof, grad + d_log_pof
            return value, grad

        if best is not None:
            incumbent = X[int(np.flatnonzero(feasible)[np.argmin(y[feasible])])]
        else:
            incumbent = X[int(np.argmin([score.violation for score in scores]))]
        points = maximize_acquisition(
            acquisition, X.shape[1], self.rng, self.features.project, incumbent
        )
        for u in points:
            config = self.features.decode(u)
            if self.space.key(config) not in self._suggested:
                return config
        logger.debug("every acquisition maximizer was suggested before; suggesting at random")
        return self._random_config()
