"""Multi-fidelity Bayesian optimization: one GP over configuration and resource.

The searcher of MOBSTER (Klein, Tiao, Lienart, Archambeau & Seeger, *Model-based
Asynchronous Hyperparameter and Neural Architecture Search*, arXiv:2003.10865, 2020):
instead of one model per resource level of which only the highest level with enough
points is used (BOHB, Falkner, Klein & Hutter, ICML 2018; under ASHA that is the lowest
levels for most of a run), one Gaussian process models the value as a function of the
configuration *and* the resource, so that every observation informs it. Its pieces:

* inputs ``(u, s)``: the configuration's unit-cube features
  (:class:`~rung.searchers._features.FeatureMap`) and the log-scaled resource
  ``s = log(r / r_min) / log(r_max / r_min)`` in [0, 1]; a Matérn 5/2 ARD kernel over both
  (MOBSTER §3.1), whose lengthscale in ``s`` is fitted: how far one level's values carry
  to another is learned from the data; the noise grows toward low resources,
  ``σ_n² + σ_f² (1 - s)²`` (``level_noise``), so that noisy early values do not blur the
  full-resource ones;
* the acquisition level (MOBSTER §3.2, after BOHB): log Expected Improvement at the
  highest level ``s*`` with at least ``max(n_init, 3)`` observations, below the lowest
  posterior mean at ``s*`` among the observed configurations (the plug-in incumbent);
  once enough configurations were trained fully, ``s* = 1``;
* levels that mislead are left out: a level below ``s*`` whose values rank the
  configurations observed at both levels unlike ``s*`` does (Kendall's tau below 0.5,
  :mod:`rung.searchers._level_trust`; the ranking check of Hyper-Tune, Li et al., VLDB
  2022, §4.1) does not enter the GP, so learning curves that cross do not pull the search
  to the configurations that merely learn fast;
* pending configurations (suggested, not yet observed: parallel workers) are fantasized
  at ``s*`` with their posterior mean, the kriging believer of Ginsbourger, Le Riche &
  Carraro (2010) as in MOBSTER §3.3: they lose their variance, so EI moves away from them;
* cost (``cost_exponent > 0``): :class:`~rung.searchers._cost_model.CostModel` learns the
  seconds per resource unit from the jobs' measured durations, and the searcher maximizes
  ``log EI - cost_exponent * log cost``, EI per second at 1 (Snoek, Larochelle & Adams,
  NeurIPS 2012, §3.2); durations the model cannot explain (timer noise) change nothing;
* speed: the GP is fitted on at most ``max_points`` observations
  (:mod:`rung.searchers._subset`: the rows at ``s*`` and above first, the best by rank
  within their level, a stable sample of the rest), and its hyperparameters are refitted
  when the observations grew by a tenth (in between the posterior is only conditioned on
  the new data): a suggestion costs about the same at 10,000 observations as at 300.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from rung._checks import Boolean, Integer, Real, check_all
from rung._random import SeedLike
from rung.searchers._acquisition import maximize_log_ei
from rung.searchers._cost_model import CostModel
from rung.searchers._fallback import NoModelYet, model_or_random
from rung.searchers._features import FeatureMap
from rung.searchers._gp_model import (
    GaussianProcess,
    condition_gaussian_process,
    fit_gaussian_process,
)
from rung.searchers._level_trust import trusted_levels
from rung.searchers._observations import ObservationTable
from rung.searchers._subset import subset_rows
from rung.searchers.base import Observation, Searcher
from rung.searchers.gp import DEFAULT_MAX_POINTS

__all__ = ["MultiFidelityGPSearcher"]


_FIT_MAXITER_COLD = 100
_FIT_MAXITER_WARM = 10
_REFIT_GROWTH = 1.1  # refit the hyperparameters when the observations grew by a tenth
_MIN_TAU = 0.5  # the rank agreement with the acquisition level a lower level needs
# Fewer starts and candidates than GPSearcher's: multi-fidelity runs ask for hundreds of
# configurations, and each suggestion matters less than in a 100-trial FIFO run.
_ACQUISITION = {"n_starts": 10, "n_candidates": 1024, "maxiter": 20}


class _AtLevel:
    """A joint GP read at one fidelity ``s``: inputs ``u`` of shape ``(q, d)``.

    Offers what :func:`~rung.searchers._acquisition.maximize_log_ei` uses of a
    :class:`~rung.searchers._gp_model.GaussianProcess`: ``X``, ``y_mean``, ``y_std`` and
    ``predict`` (gradients with respect to ``u`` only).
    """

    def __init__(self, gp: GaussianProcess, level: float) -> None:
        self.gp, self.level = gp, level
        self.X = gp.X[:, :-1]
        self.y_mean, self.y_std = gp.y_mean, gp.y_std

    def inputs(self, u: np.ndarray) -> np.ndarray:
        return np.hstack([u, np.full((len(u), 1), self.level)])

    def predict(self, u: np.ndarray, return_grad: bool = False, standardized: bool = False):
        out = self.gp.predict(self.inputs(u), return_grad, standardized)
        if not return_grad:
            return out
        mean, var, d_mean, d_var = out
        return mean, var, d_mean[:, :-1], d_var[:, :-1]


_RULES = {
    "n_init": Integer(low=1),
    "max_points": Integer(low=10),
    "cost_exponent": Real(low=0, high=2),
    "level_noise": Boolean(),
}


class MultiFidelityGPSearcher(Searcher):
    """Bayesian optimization over configuration and resource (module docstring).

    Works inside every scheduler: multi-fidelity schedulers tell it their levels
    (:meth:`set_levels`); under FIFO (no resource) it is GP-EI, cost-aware.

    Args:
        space: The search space.
        seed: Seed of the searcher's generator; same seed and calls, same suggestions.
        initial_config: A configuration to suggest first.
        n_init: How many random configurations precede the model, an int >= 1.
        max_points: The most observations the GP is fitted on, an int >= 10.
        cost_exponent: How much cost counts: the searcher maximizes
            ``log EI - cost_exponent * log(seconds per resource unit)``; 0 ignores cost,
            1 is EI per second. A number in [0, 2].
        level_noise: Values at lower resources get more noise, ``σ_n² + σ_f² (1 - s)²``
            with ``σ_f²`` fitted (:mod:`rung.searchers._gp_model`), so that the
            full-resource values are modelled as precisely as they were measured. False:
            one noise for every level. In asynchronous Hyperband on one worker
            (``benchmarks/quality.py``'s MF-Hartmann tasks) it cut the mean regret at half
            the budget 22x on mfh3, 1.2x on mfh6 and 45x on mfh6_bad.

    Raises:
        TypeError: ``n_init`` or ``max_points`` is not an int, ``cost_exponent`` not a number.
        ValueError: ``n_init`` < 1, ``max_points`` < 10 or ``cost_exponent`` outside [0, 2].

    Example:
        >>> import rung
        >>> from rung.schedulers import ASHA
        >>> searcher = MultiFidelityGPSearcher({"x": rung.uniform(0, 1)}, seed=0, n_init=2)
        >>> asha = ASHA(searcher, min_resource=1, max_resource=9, eta=3)
        >>> for _ in range(6):
        ...     job = asha.next_job()
        ...     decision = asha.on_result(job, (job.config["x"] - 0.3) ** 2 + 1 / job.resource_to)
    """

    #: Whether the ``n_init`` configurations before the model form one Latin hypercube
    #: (:meth:`~rung.space.Space.latin_hypercube`) instead of independent draws. Off for
    #: one objective: over ``benchmarks/quality.py``'s one-worker grid it traded early
    #: answers for late ones (docs/benchmarks.md, "Results").
    latin_start: bool = False

    def __init__(
        self,
        space: Mapping[str, Any],
        seed: SeedLike = None,
        initial_config: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
        n_init: int = 5,
        max_points: int = DEFAULT_MAX_POINTS,
        cost_exponent: float = 1.0,
        level_noise: bool = True,
    ) -> None:
        check_all(type(self).__name__, _RULES, locals())
        self.n_init, self.max_points = int(n_init), int(max_points)
        self.cost_exponent = float(cost_exponent)
        super().__init__(space, seed=seed, initial_config=initial_config)
        self.features = FeatureMap(self.space)
        self.table = ObservationTable(self.features.n_features)
        self.cost_model = CostModel(self.features.n_features, min_observations=self.n_init)
        self.levels: tuple[int, ...] | None = None
        self._reached: dict[tuple, int] = {}  # configuration -> the resource it last reported
        # Per modelled output (one value; or each objective and constraint of a score):
        # its GP hyperparameters, when to refit them, and the latest posterior.
        self._theta: dict[int, np.ndarray] = {}
        self._refit_at: dict[int, int] = {}
        self._fitted: dict[int, GaussianProcess] = {}
        self.level_noise = bool(level_noise)
        self._design: deque[dict[str, Any]] = deque()  # the Latin hypercube's starts left

    @property
    def min_points(self) -> int:
        """Observations a level needs to become the acquisition level."""
        return max(self.n_init, 3)

    def set_levels(self, levels: Sequence[int]) -> None:
        """Takes the scheduler's rung resources; the lowest and highest fix ``s``."""
        self.levels = tuple(int(level) for level in levels)

    def fidelity(self, resources: Sequence[float | None] | np.ndarray) -> np.ndarray:
        """The log-scaled resource ``s`` in [0, 1] of each resource (None or NaN: 1).

        Without levels from a scheduler, the observed range of resources sets ``s``.
        """
        if isinstance(resources, np.ndarray):
            r = resources.astype(float)
        else:
            r = np.array([np.nan if v is None else v for v in resources], dtype=float)
        known = self.table.resources[~np.isnan(self.table.resources)]
        if self.levels:
            low, high = float(self.levels[0]), float(self.levels[-1])
        elif len(known):
            low, high = float(known.min()), float(known.max())
        else:
            low = high = 0.0
        if high <= low:
            return np.ones(len(r))
        s = np.log(np.maximum(np.nan_to_num(r, nan=high), 1e-12) / low) / math.log(high / low)
        return np.clip(s, 0.0, 1.0)

    def _on_space_change(self) -> None:
        # A define-by-run objective declared parameters: model them from now on.
        self.features = FeatureMap(self.space)
        self.table = ObservationTable(self.features.n_features)
        self.cost_model = CostModel(self.features.n_features, min_observations=self.n_init)
        self._reached, self._theta, self._fitted, self._refit_at = {}, {}, {}, {}
        self._design.clear()  # drawn over the old space
        for observation in self.observations:
            self._on_observe(observation)

    def _on_observe(self, observation: Observation) -> None:
        key = self.space.key(observation.config)
        resource = observation.resource
        features = self.features.encode(observation.config)
        self.table.add(key, resource, features, self._outputs(observation.value))
        if observation.seconds is not None:
            before = self._reached.get(key, 0) if resource is not None else 0
            units = resource - before if resource is not None and resource > before else 1
            level = float(self.fidelity([resource])[0])
            self.cost_model.add(features, level, observation.seconds, units)
        if resource is not None:
            self._reached[key] = resource

    def _outputs(self, value: Any) -> float | np.ndarray:
        """What the table keeps of an observed value: the value itself."""
        return float(value)

    def training_data(
        self, output: int = 0, values: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray, float]:
        """The inputs ``(u, s)`` and values the GP is fitted on, and the acquisition level.

        A non-finite value is imputed as the worst finite value of its level (or of all
        levels); untrusted levels are left out; at most ``max_points`` rows remain (see
        the module docstring).

        Args:
            output: Which of the table's values (0: the only one of a single objective).
            values: Values of the table's rows to model instead, shape ``(n_rows,)``.

        Returns:
            ``(X, y, s_acq)`` with ``X`` of shape ``(m, n_features + 1)``, ``y`` ``(m,)``.

        Raises:
            NoModelYet: no finite value was observed (a LookupError).
        """
        y = self.table.column(output) if values is None else np.array(values, dtype=float)
        finite = np.isfinite(y)
        if not finite.any():
            raise NoModelYet("No finite value observed yet.")
        s = self.fidelity(self.table.resources)
        if not finite.all():
            worst = y[finite].max()
            for level in np.unique(s[~finite]):
                same = s == level
                known = same & finite
                y[same & ~finite] = y[known].max() if known.any() else worst
        levels, counts = np.unique(s, return_counts=True)
        enough = levels[counts >= self.min_points]
        target = float(enough.max() if len(enough) else levels.max())
        by_config = (
            {float(s[row]): float(y[row]) for row in rows if finite[row]}
            for rows in self.table.rows_by_config()
        )
        trusted = trusted_levels(by_config, levels, target, self.min_points, _MIN_TAU)
        usable = np.flatnonzero(np.isin(s, list(trusted)))
        groups = np.searchsorted(levels, s[usable])
        keep = s[usable] >= target
        chosen = usable[
            subset_rows(y[usable], self.table.keys[usable], self.max_points, groups, keep)
        ]
        X = np.hstack([self.table.features[chosen], s[chosen, None]])
        return X, y[chosen], target

    def _propose(self) -> dict[str, Any]:
        if len(self._suggested) < self.n_init or self.table.n_rows < 2:
            return self._start_config()
        if self.features.n_features == 0:
            return self._random_config()
        return model_or_random(self, self._model_suggestion, self._forget)

    def _start_config(self) -> dict[str, Any]:
        """A configuration before the model: drawn at random, or, with
        :attr:`latin_start`, the next of one Latin hypercube of the ``n_init`` starts."""
        left = self.n_init - len(self._suggested)
        if not self.latin_start or left <= 0:
            return self._random_config()
        if not self._design:  # the starts still to come, one stratum each
            self._design = deque(self.space.latin_hypercube(self.rng, left))
        return self._design.popleft()

    def _forget(self) -> None:
        self._theta, self._fitted = {}, {}

    def _model_suggestion(self) -> dict[str, Any]:
        """The maximizer of the acquisition (NoModelYet: no model can be fitted yet)."""
        X, y, level = self.training_data()
        return self._maximize_ei(X, y, level)

    def _posterior(self, X: np.ndarray, y: np.ndarray, output: int = 0) -> GaussianProcess:
        """The GP of one output on ``(X, y)``: refitted when the observations grew by a
        tenth, else conditioned with the last hyperparameters."""
        gp = self._fitted.get(output)
        if gp is not None and np.array_equal(gp.X, X) and np.array_equal(gp.y, y):
            return gp  # no new value since the last suggestion (parallel workers)
        n = self.table.n_rows
        theta = self._theta.get(output)
        if theta is None or n >= self._refit_at.get(output, 0):
            maxiter = _FIT_MAXITER_COLD if theta is None else _FIT_MAXITER_WARM
            tied = self.features.tied
            gp = fit_gaussian_process(
                X, y, theta0=theta, maxiter=maxiter, fidelity=self.level_noise,
                tied=np.append(tied, len(np.unique(tied))),  # the resource: its own
            )  # fmt: skip
            self._theta[output] = gp.theta
            self._refit_at[output] = max(n + 1, math.ceil(_REFIT_GROWTH * n))
        else:
            gp = condition_gaussian_process(X, y, theta, fidelity=self.level_noise)
        self._fitted[output] = gp
        return gp

    def _maximize_ei(
        self, X: np.ndarray, y: np.ndarray, level: float, output: int = 0
    ) -> dict[str, Any]:
        gp = self._posterior(X, y, output)
        observed = np.unique(X[:, :-1], axis=0)
        view = _AtLevel(gp, level)
        means = view.predict(observed)[0]
        best = float(means.min())
        pending = self.pending
        if pending:  # kriging believer: each pending configuration "reaches" its mean,
            U = self.features.encode_many(pending)
            beliefs = view.predict(U)[0]
            view = _AtLevel(gp.with_data(view.inputs(U), beliefs), level)
            best = min(best, float(beliefs.min()))  # which counts for the incumbent too
        result = maximize_log_ei(
            view,  # type: ignore[arg-type]
            best,
            self.rng,
            incumbent=observed[int(np.argmin(means))],
            project=self.features.project,
            neighbours=self.features.local_moves,
            penalty=self._cost_penalty(),
            **_ACQUISITION,
        )
        if not np.isfinite(result.values[0]):
            raise FloatingPointError(f"Expected Improvement is not finite ({result.values[0]!r}).")
        return self._first_new(self.features.decode(u) for u in result.points)

    def _cost_penalty(self):
        """``u -> cost_exponent * log cost(u)`` and its gradient, or None (cost unknown)."""
        if self.cost_exponent == 0 or not self.cost_model.ready:
            return None
        model, exponent = self.cost_model, self.cost_exponent

        def penalty(u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            value, grad = model.log_cost(u)
            return exponent * value, exponent * grad

        return penalty
