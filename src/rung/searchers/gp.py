"""Bayesian optimization with a Gaussian process and Expected Improvement.

The loop of Jones, Schonlau & Welch, *Efficient Global Optimization* (1998): fit a GP
(Matérn 5/2 ARD, :mod:`rung.searchers._gp_model`) to the observed values, then suggest
the maximizer of Expected Improvement (:mod:`rung.searchers._acquisition`). Parallel
workers are kept apart with the constant liar of Ginsbourger, Le Riche & Carraro,
*Kriging is well-suited to parallelize optimization* (2010); multi-fidelity observations
are modeled at one resource level, as in BOHB (Falkner, Klein & Hutter, ICML 2018, §4.1).
"""

from __future__ import annotations

import contextlib
import logging
import math
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from rung._random import SeedLike
from rung.searchers._acquisition import maximize_log_ei
from rung.searchers._gp_model import GaussianProcess, fit_gaussian_process
from rung.searchers.base import Observation, Searcher
from rung.space import Choice, Space

__all__ = ["GPSearcher"]

logger = logging.getLogger(__name__)

# Failures of the numerics (factorization, optimizers, non-finite values) that make a
# suggestion fall back to random search instead of stopping the run.
_NUMERICAL_ERRORS = (np.linalg.LinAlgError, ArithmeticError, ValueError, RuntimeError)

# L-BFGS-B iteration caps: hyperparameter fits from the prior and from the last fit, and
# the batched acquisition maximization.
_FIT_MAXITER_COLD = 100
_FIT_MAXITER_WARM = 5
_ACQ_MAXITER = 30


class FeatureMap:
    """The unit-cube features a GP models: one per numeric domain, one-hot for choices.

    ``uniform``, ``loguniform`` and ``randint`` domains map to one coordinate through
    ``Domain.encode`` (log-scaled for log domains; an integer or a stepped value sits at
    the centre of its cell); a ``choice`` of k values maps to k coordinates, one-hot,
    decoded by argmax. A conditional parameter gets one more coordinate, 1 when it is
    active and 0 when not; while inactive its own coordinates sit at a fixed point (0.5,
    or all zeros for a choice), so two configurations that both leave it out do not
    differ there: it is not modelled where it does not exist.

    Args:
        space: The search space.
    """

    def __init__(self, space: Space) -> None:
        self.space = space
        self._columns: list[tuple[str, Any, int, int]] = []  # name, domain, start, stop
        self._cell_columns: list[tuple[int, Any]] = []  # column, domain of finite values
        self._choice_blocks: list[tuple[int, int]] = []
        self._indicators: list[tuple[str, int, int, int]] = []  # name, indicator, start, stop
        width = 0
        for name, domain in space.domains.items():
            size = len(domain.values) if isinstance(domain, Choice) else 1
            self._columns.append((name, domain, width, width + size))
            if isinstance(domain, Choice):
                self._choice_blocks.append((width, width + size))
            elif domain.cardinality < math.inf:  # integers, stepped values
                self._cell_columns.append((width, domain))
            width += size
        for name, _, start, stop in self._columns:
            if name in space.conditions or name in space.optional:
                self._indicators.append((name, width, start, stop))
                width += 1
        self.n_features = width

    def encode(self, config: Mapping[str, Any]) -> np.ndarray:
        """The features of a configuration, shape ``(n_features,)``."""
        u = np.zeros(self.n_features)
        for name, domain, start, _ in self._columns:
            if name not in config:  # an inactive conditional parameter
                if not isinstance(domain, Choice):
                    u[start] = 0.5
            elif isinstance(domain, Choice):
                u[start + domain.index(config[name])] = 1.0
            else:
                u[start] = domain.encode(config[name])
        for name, indicator, _, _ in self._indicators:
            u[indicator] = 1.0 if name in config else 0.0
        return u

    def encode_many(self, configs: list[Mapping[str, Any]]) -> np.ndarray:
        """Features of several configurations, shape ``(len(configs), n_features)``."""
        return np.array([self.encode(c) for c in configs]).reshape(len(configs), self.n_features)

    def decode(self, u: np.ndarray) -> dict[str, Any]:
        """The configuration at features ``u`` (shape ``(n_features,)``), constants included
        and inactive parameters left out."""
        values = {}
        for name, domain, start, stop in self._columns:
            if isinstance(domain, Choice):
                values[name] = domain.values[int(np.argmax(u[start:stop]))]
            else:
                values[name] = domain.decode(float(u[start]))
        config = {n: values[n] if n in values else self.space.constants[n] for n in self.space}
        return self.space.active_part(config)

    def project(self, U: np.ndarray) -> np.ndarray:
        """The nearest valid features: integers and stepped values to their cell centre,
        choices to one-hot, inactive parameters to their fixed point.

        Args:
            U: Points of the unit cube, shape ``(m, n_features)``.

        Returns:
            A projected copy, shape ``(m, n_features)``.
        """
        U = np.array(U, dtype=float)
        for column, domain in self._cell_columns:
            if getattr(domain, "log", False):
                decoded = domain.decode_array(U[:, column])
                U[:, column] = [domain.encode(v) for v in decoded]
            else:
                n = domain.cardinality
                U[:, column] = (np.minimum(np.floor(U[:, column] * n), n - 1) + 0.5) / n
        rows = np.arange(len(U))
        for start, stop in self._choice_blocks:
            best = np.argmax(U[:, start:stop], axis=1)
            U[:, start:stop] = 0.0
            U[rows, start + best] = 1.0
        if self._indicators:
            self._project_activity(U)
        return U

    def _project_activity(self, U: np.ndarray) -> None:
        """Sets each conditional parameter's indicator, and its fixed point when inactive,
        from the values its parents take in each row (parents first)."""
        columns = {name: (domain, start, stop) for name, domain, start, stop in self._columns}
        values: dict[str, list[Any]] = {}

        def column_values(name: str) -> list[Any]:
            if name not in values:
                if name in self.space.constants:
                    values[name] = [self.space.constants[name]] * len(U)
                else:
                    domain, start, stop = columns[name]
                    if isinstance(domain, Choice):
                        picks = np.argmax(U[:, start:stop], axis=1)
                        values[name] = [domain.values[i] for i in picks.tolist()]
                    else:
                        values[name] = domain.decode_array(U[:, start])
            return values[name]

        active: dict[str, np.ndarray] = {}
        indicator_of = {name: (i, a, b) for name, i, a, b in self._indicators}
        for name in self.space.optional:  # the objective decides: proposed as active
            U[:, indicator_of[name][0]] = 1.0
        for name in self.space._conditional_order:
            on = np.ones(len(U), dtype=bool)
            for parent, allowed in self.space.conditions[name].items():
                on &= active.get(parent, True)
                on &= np.array([v in allowed for v in column_values(parent)], dtype=bool)
            active[name] = on
            indicator, start, stop = indicator_of[name]
            U[:, indicator] = on
            fixed = 0.0 if stop - start > 1 else 0.5
            U[~on, start:stop] = fixed


_blas_controller: Any = None  # a threadpoolctl.ThreadpoolController; False without one


@contextlib.contextmanager
def _single_threaded_blas() -> Iterator[None]:
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
    * A numerical failure (factorization, non-finite likelihood, optimizer error) logs a
      warning and yields a random configuration instead.

    Args:
        space: The search space.
        seed: Seed of the searcher's generator; same seed, same suggestions.
        initial_config: A configuration to suggest first, or a list of them.
        n_init: How many random configurations precede the model, an int >= 1.

    Raises:
        TypeError: ``n_init`` is not an int.
        ValueError: ``n_init`` is below 1.

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
    ) -> None:
        if isinstance(n_init, bool) or not isinstance(n_init, (int, np.integer)):
            raise TypeError(f"The 'n_init' parameter of GPSearcher must be an int; got {n_init!r}.")
        if n_init < 1:
            raise ValueError(f"The 'n_init' parameter of GPSearcher must be >= 1; got {n_init!r}.")
        super().__init__(space, seed=seed, initial_config=initial_config)
        self.n_init = int(n_init)
        self.features = FeatureMap(self.space)
        self._theta: dict[int | None, np.ndarray] = {}
        self._fitted: GaussianProcess | None = None
        # Per resource level, per configuration: its features and latest value.
        self._levels: dict[int | None, dict[tuple, tuple[np.ndarray, float]]] = {}

    @property
    def min_points(self) -> int:
        """Observations a resource level needs before it is preferred to lower levels."""
        return max(self.n_init, 3)

    def modeled_level(self) -> int | None:
        """The resource level the GP models now (see the class docstring).

        Raises:
            LookupError: nothing was observed yet.
        """
        if not self._levels:
            raise LookupError("No observations yet.")
        levels = sorted(self._levels, key=_level_order, reverse=True)
        enough = [lv for lv in levels if len(self._levels[lv]) >= self.min_points]
        return enough[0] if enough else max(levels, key=lambda lv: len(self._levels[lv]))

    def training_data(self) -> tuple[np.ndarray, np.ndarray, int | None]:
        """Features, values (non-finite ones imputed) and the level the GP models.

        Returns:
            ``(X, y, level)`` with ``X`` of shape ``(n, n_features)`` and ``y`` ``(n,)``.

        Raises:
            LookupError: nothing was observed yet, or no value at the level is finite.
        """
        level = self.modeled_level()
        rows = self._levels[level].values()
        y = np.array([value for _, value in rows])
        finite = np.isfinite(y)
        if not finite.any():
            raise LookupError(f"No finite value observed at resource {level!r}.")
        y[~finite] = y[finite].max()
        return np.array([features for features, _ in rows]), y, level

    def _on_observe(self, observation: Observation) -> None:
        key = self.space.key(observation.config)
        row = (self.features.encode(observation.config), observation.value)
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
        try:
            X, y, level = self.training_data()
        except LookupError as err:
            logger.debug("random suggestion: %s", err)
            return self._random_config()
        try:
            with _single_threaded_blas():
                return self._maximize_ei(X, y, level)
        except _NUMERICAL_ERRORS as err:
            logger.warning(
                "GPSearcher fell back to a random configuration after a numerical failure "
                "(%s: %s) with %d observations.",
                type(err).__name__,
                err,
                len(y),
            )
            self._theta.pop(level, None)  # do not warm-start from what failed
            self._fitted = None
            return self._random_config()

    def _maximize_ei(self, X: np.ndarray, y: np.ndarray, level: int | None) -> dict[str, Any]:
        gp = self._fitted
        if gp is None or not (np.array_equal(gp.X, X) and np.array_equal(gp.y, y)):
            warm = self._theta.get(level)
            # A warm start is refined a few iterations per call: the fit converges over
            # successive suggestions instead of being redone from scratch each time.
            maxiter = _FIT_MAXITER_COLD if warm is None else _FIT_MAXITER_WARM
            gp = fit_gaussian_process(X, y, theta0=warm, maxiter=maxiter)
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
        )
        if not np.isfinite(result.values[0]):
            raise FloatingPointError(f"Expected Improvement is not finite ({result.values[0]!r}).")
        for u in result.points:
            config = self.features.decode(u)
            if self.space.key(config) not in self._suggested:
                return config
        logger.debug("every EI maximizer was suggested before; suggesting at random")
        return self._random_config()
