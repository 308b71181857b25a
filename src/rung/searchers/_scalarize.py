"""Random scalarisations of several objectives: ParEGO's augmented Chebyshev function.

Knowles, *ParEGO: A Hybrid Algorithm With On-Line Landscape Approximation for Expensive
Multiobjective Optimization Problems* (IEEE TEC 2006), §III: each iteration draws a weight
vector ``λ`` on the simplex, normalizes every objective to [0, 1] over the values seen,
and models the scalar

    f_λ(y) = max_j (λ_j y_j) + ρ Σ_j λ_j y_j                              (eq. 2, ρ = 0.05)

whose minimizers are Pareto optimal, and for a suitable λ any point of the front is one.
Weights are drawn uniformly on the simplex (a flat Dirichlet), as in the random
scalarisations of Paria, Kandasamy & Póczos (UAI 2019), rather than from ParEGO's
lattice: the lattice's size would depend on the number of suggestions asked for.
"""

from __future__ import annotations

import numpy as np

__all__ = ["chebyshev", "draw_weights", "penalized"]

#: ParEGO's ρ: the small linear term that makes weakly dominated points worse.
RHO = 0.05


def draw_weights(rng: np.random.Generator, m: int) -> np.ndarray:
    """Weights uniform on the simplex, shape ``(m,)``, summing to 1."""
    return rng.dirichlet(np.ones(m))


def chebyshev(Y: np.ndarray, weights: np.ndarray, rho: float = RHO) -> np.ndarray:
    """The augmented Chebyshev scalarisation of the rows of ``Y`` (minimized objectives).

    Objectives are scaled to [0, 1] over the finite rows of ``Y`` (a constant objective
    scales to 0). Rows with a non-finite objective map to NaN.

    Args:
        Y: Objective vectors, shape ``(n, m)``.
        weights: Shape ``(m,)``, non-negative.
        rho: The weight of the linear term.

    Returns:
        Shape ``(n,)``.

    Example:
        >>> Y = np.array([[0.0, 10.0], [1.0, 0.0], [0.5, 5.0]])
        >>> chebyshev(Y, np.array([0.5, 0.5]), rho=0.0).tolist()
        [0.5, 0.5, 0.25]
    """
    Y = np.asarray(Y, dtype=float)
    finite = np.all(np.isfinite(Y), axis=1)
    out = np.full(len(Y), np.nan)
    if not finite.any():
        return out
    low, high = Y[finite].min(axis=0), Y[finite].max(axis=0)
    span = np.where(high > low, high - low, 1.0)
    Z = (Y[finite] - low) / span * weights
    out[finite] = Z.max(axis=1) + rho * Z.sum(axis=1)
    return out


def penalized(scalars: np.ndarray, violations: np.ndarray) -> np.ndarray:
    """Scalars with infeasible results made worse than every feasible one.

    An infeasible result's scalar becomes the worst scalar seen plus its violation (capped
    at 1, the span of a normalized objective), so a model learns that region is bad
    without one huge violation flattening everything else. Non-finite scalars (failed
    results) stay as they are, for the model to impute.

    Args:
        scalars: Shape ``(n,)``.
        violations: Each result's total constraint violation, 0 when feasible, infinite
            when a constrained metric is unknown (:attr:`rung.objectives.Score.violation`).

    Returns:
        Shape ``(n,)``.

    Example:
        >>> penalized(np.array([0.2, 0.5, 0.1]), np.array([0.0, 0.0, 3.0])).tolist()
        [0.2, 0.5, 1.5]
    """
    out = np.array(scalars, dtype=float)
    finite = np.isfinite(out)
    if not finite.any():
        return out
    bad = finite & (np.asarray(violations) > 0)
    out[bad] = out[finite].max() + np.minimum(violations[bad], 1.0)
    return out
