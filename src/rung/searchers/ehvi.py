"""Several objectives and constraints, multi-fidelity: expected hypervolume improvement.

The searcher of the multi-fidelity GP (:mod:`rung.searchers.multi_fidelity`: one GP over
configuration and resource, every level informing it) with one such GP per objective and
per constraint, and an acquisition that values what a configuration would add to the
Pareto front:

* EHVI, the expected growth of the front's hypervolume (Emmerich, Giannakoglou & Naujoks,
  IEEE TEC 2006), exactly, for the objectives' independent posteriors at the acquisition
  level ``s*`` (:mod:`rung.searchers._ehvi`); maximized through its logarithm, as Optuna's
  and BoTorch's GP samplers do. Unlike a random scalarisation (ParEGO, Knowles 2006), it
  keeps each objective's own model and scale and aims at the front's gaps directly;
* the front is that of the posterior means at ``s*`` of the configurations observed at
  ``s*`` or above (the plug-in front: noise-free, comparable across levels), among those
  predicted feasible; the reference point lies a tenth of each objective's observed range
  beyond its worst value (a reference at the front's own nadir, BoTorch's default, lost
  the front's ends: 7 % less hypervolume at the end on ZDT1 and ZDT3);
* constraints multiply EHVI by the probability that each holds under its GP (Gardner et
  al., ICML 2014, eq. 4); before any feasible configuration, that probability alone is
  maximized;
* with one objective EHVI is Expected Improvement, so this is constrained EI there;
* with three objectives or more, two suggestions in three maximize instead EI of a
  random Chebyshev scalarisation of the objectives (ParEGO's,
  :mod:`rung.searchers._scalarize`), modelled over every level by one more GP: with a
  far reference point EHVI chases the front's ends, and it converged slowly toward
  DTLZ2's front, where scalarisations did not; with two objectives EHVI alone did best;
* the ``n_init`` configurations before the models form one Latin hypercube (McKay,
  Beckman & Conover 1979; ParEGO's initial design, Knowles 2006) instead of independent
  draws: spread over each parameter's range they spread the first front too. Four such
  configurations of ZDT1 have the hypervolume 7.14 on average, four independent ones
  6.58 (1,500 draws). In asynchronous Hyperband (``benchmarks/multiobjective.py``, 20
  seeds) the default then leads Optuna's samplers in 16 of 24 cells on four workers
  (11 with independent draws) and 19 of 24 with the noisy fidelity (13); 21 of 32 with
  the truncated one on one worker, as before;
* pending configurations are fantasized with their posterior means in every GP (the
  kriging believer, MOBSTER §3.3) and join the front as they are believed to land, so
  that parallel suggestions fill different gaps;
* cost, the subset of data and the refits are the multi-fidelity GP's.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from rung.objectives import Score
from rung.pareto import non_dominated, spread_order
from rung.searchers._ehvi import box_decomposition, expected_hypervolume_improvement, front_cap
from rung.searchers._fallback import NoModelYet
from rung.searchers._feasibility import log_probability_feasible, maximize_acquisition
from rung.searchers._scalarize import chebyshev, draw_weights, penalized
from rung.searchers.multi_fidelity import _ACQUISITION, MultiFidelityGPSearcher, _AtLevel

__all__ = ["EHVISearcher"]

_REFERENCE_MARGIN = 0.1  # the reference point: the worst value plus this share of the range
_TINY = 1e-300
_SCALAR = -1  # the model of the scalarised objectives, among the outputs' models
# With three objectives or more, one suggestion in three maximizes EHVI, the others EI
# of a random scalarisation. In asynchronous Hyperband (benchmarks/multiobjective.py,
# 5 seeds) EHVI alone reached 13.34 on DTLZ2 at the end, one in two 13.45, one in three
# 14.00; on ZDT1-3 (two objectives) EHVI alone led at 25 % of the budget on all three
# (10.73, 10.37, 10.16 against 9.78, 8.97, 9.39 with one in three).
_EHVI_EVERY = 3


class EHVISearcher(MultiFidelityGPSearcher):
    """Expected hypervolume improvement with constraints, over every resource level.

    Observes :class:`~rung.objectives.Score` s (a plain number counts as one objective).
    Works in every scheduler, as :class:`~rung.searchers.multi_fidelity.
    MultiFidelityGPSearcher` does (module docstring).

    Args:
        space: The search space.
        seed: Seed of the searcher's generator; same seed and calls, same suggestions.
        initial_config: A configuration to suggest first.
        n_init: How many random configurations precede the models, an int >= 1.
        max_points: The most observations each GP is fitted on, an int >= 10.
        cost_exponent: How much cost counts: the searcher maximizes
            ``log EHVI - cost_exponent * log(seconds per resource unit)``, in [0, 2].
        level_noise: Lower resources get more noise (as the multi-fidelity GP's).

    Raises:
        TypeError: ``n_init`` or ``max_points`` is not an int, ``cost_exponent`` not a number.
        ValueError: ``n_init`` < 1, ``max_points`` < 10 or ``cost_exponent`` outside [0, 2].

    Example:
        >>> import rung
        >>> from rung.objectives import Score
        >>> searcher = EHVISearcher({"x": rung.uniform(0, 1)}, seed=0, n_init=3)
        >>> for _ in range(6):
        ...     config = searcher.suggest()
        ...     searcher.observe(config, Score((config["x"], (1 - config["x"]) ** 2)))
    """

    takes_scores = True
    latin_start = True  # the first configurations spread along the front (module docstring)
    n_objectives: int | None = None  # known from the first observation

    def _outputs(self, value: Any) -> np.ndarray:
        score = value if isinstance(value, Score) else Score((float(value),))
        if self.n_objectives is None:
            self.n_objectives = len(score.objectives)
        return np.array(score.objectives + score.slacks, dtype=float)

    def _model_suggestion(self) -> dict[str, Any]:
        m = self.n_objectives or 1
        if m > 2 and len(self._suggested) % _EHVI_EVERY:
            return self._scalarized_suggestion(m)
        models, level = [], 1.0
        for output in range(self.table.width):
            X, y, level = self.training_data(output)
            models.append(_AtLevel(self._posterior(X, y, output), level))
        s = self.fidelity(self.table.resources)
        observed = np.unique(self.table.features[s >= level], axis=0)
        means = np.column_stack([model.predict(observed)[0] for model in models])
        pending = self.pending
        if pending:  # kriging believer in every model; believed results join the front
            U = self.features.encode_many(pending)
            beliefs = np.column_stack([model.predict(U)[0] for model in models])
            models = [
                _AtLevel(model.gp.with_data(model.inputs(U), beliefs[:, j]), level)
                for j, model in enumerate(models)
            ]
            observed, means = np.vstack([observed, U]), np.vstack([means, beliefs])
        objectives, constraints = models[:m], models[m:]
        feasible = np.all(means[:, m:] <= 0.0, axis=1)
        acquisition = self._acquisition(objectives, constraints, means[feasible, :m])
        incumbent = self._incumbent(observed, means, feasible)
        points = maximize_acquisition(
            acquisition,
            self.features.n_features,
            self.rng,
            self.features.project,
            incumbent,
            n_starts=_ACQUISITION["n_starts"],
            n_candidates=_ACQUISITION["n_candidates"],
            maxiter=_ACQUISITION["maxiter"],
            neighbours=self.features.local_moves,
        )
        return self._first_new(self.features.decode(u) for u in points)

    def _scalarized_suggestion(self, m: int) -> dict[str, Any]:
        """EI of one random Chebyshev scalarisation (ParEGO) of the objectives, modelled
        over every level by one more GP; infeasible rows rank after feasible ones."""
        Y = np.column_stack([self.table.column(j) for j in range(self.table.width)])
        slacks = np.nan_to_num(Y[:, m:], nan=np.inf)  # an unknown constrained metric: inf
        scalars = penalized(
            chebyshev(Y[:, :m], draw_weights(self.rng, m)), np.clip(slacks, 0, None).sum(axis=1)
        )
        X, y, level = self.training_data(values=scalars)
        return self._maximize_ei(X, y, level, output=_SCALAR)

    def _reference(self, m: int) -> np.ndarray:
        """A tenth of each objective's observed range beyond its worst observed value."""
        reference = np.empty(m)
        for j in range(m):
            y = self.table.column(j)
            y = y[np.isfinite(y)]
            if not len(y):
                raise NoModelYet("No finite value observed yet.")
            span = float(y.max() - y.min()) or max(abs(float(y.max())), 1.0)
            reference[j] = float(y.max()) + _REFERENCE_MARGIN * span
        return reference

    def _acquisition(self, objectives: list[_AtLevel], constraints: list[_AtLevel], front):
        """``u -> (log EHVI(u) + Σ log P(feasible) - cost penalty, gradient)``."""
        m = len(objectives)
        boxes = None
        if len(front):
            reference = self._reference(m)
            front = front[non_dominated(front)]
            if len(front) > front_cap(m):
                front = front[spread_order(front)[: front_cap(m)]]
            boxes = box_decomposition(front, reference)
        penalty = self._cost_penalty()

        def acquisition(u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            value, grad = np.zeros(len(u)), np.zeros_like(u)
            if boxes is not None:
                value, grad = _log_ehvi(objectives, u, *boxes)
            for model in constraints:
                log_pof, d_log_pof = log_probability_feasible(model, u)  # type: ignore[arg-type]
                value, grad = value + log_pof, grad + d_log_pof
            if penalty is not None:
                cost, d_cost = penalty(u)
                value, grad = value - cost, grad - d_cost
            return value, grad

        return acquisition

    def _incumbent(self, observed: np.ndarray, means: np.ndarray, feasible: np.ndarray):
        """A configuration to search around: a front member, drawn at random (the front
        has no single best), or the least infeasible one."""
        m = self.n_objectives or 1
        if not feasible.any():
            violation = np.clip(means[:, m:], 0.0, None).sum(axis=1)
            return observed[int(np.argmin(violation))] if len(observed) else None
        rows = np.flatnonzero(feasible)
        front = rows[non_dominated(means[rows, :m])]
        return observed[int(self.rng.choice(front))]


def _log_ehvi(models: list[_AtLevel], u: np.ndarray, lower: np.ndarray, upper: np.ndarray):
    """``log EHVI`` at the points ``u`` and its gradient, in chunks that keep the
    ``(points, boxes)`` temporaries near 200,000 entries."""
    q = len(u)
    value, grad = np.empty(q), np.empty_like(u)
    rows = max(1, 200_000 // max(len(lower), 1))
    for start in range(0, q, rows):
        part = u[start : start + rows]
        stats = [model.predict(part, return_grad=True) for model in models]
        means = np.column_stack([mean for mean, _, _, _ in stats])
        stds = np.sqrt(np.column_stack([np.maximum(var, _TINY) for _, var, _, _ in stats]))
        ehvi, d_mean, d_std = expected_hypervolume_improvement(means, stds, lower, upper)
        safe = np.maximum(ehvi, _TINY)  # where EHVI underflows, a flat floor
        g = np.zeros_like(part)
        for j, (_, _, dm, dv) in enumerate(stats):
            g += d_mean[:, j, None] * dm + d_std[:, j, None] * dv / (2.0 * stds[:, j, None])
        value[start : start + rows] = np.log(safe)
        grad[start : start + rows] = np.where(ehvi[:, None] > _TINY, g / safe[:, None], 0.0)
    return value, grad
