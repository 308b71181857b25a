"""The probability that constraints hold, and a batched maximizer for any acquisition.

Constrained Expected Improvement (Gardner, Kusner, Xu, Weinberger & Cunningham,
*Bayesian Optimization with Inequality Constraints*, ICML 2014, eq. 4) multiplies EI by
the probability that each constraint ``g_j(x) <= 0`` holds under an independent GP:
``PoF_j(x) = Φ(-μ_j(x) / σ_j(x))``. Its logarithm adds ``Σ_j log Φ(z_j)`` to log EI;
``log Φ`` is ``scipy.special.log_ndtr`` (stable far in the tail), and its derivative is
``φ(z) / Φ(z)``, computed as ``exp(log φ(z) - log Φ(z))``.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import scipy.optimize
from scipy.special import log_ndtr

from rung.searchers._gp_model import GaussianProcess
from rung.searchers._local_search import Neighbours, with_climbs

__all__ = ["log_probability_feasible", "maximize_acquisition"]

_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)

Acquisition = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]


def log_probability_feasible(gp: GaussianProcess, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``log P(g(x) <= 0)`` under the GP of ``g``, and its gradient with respect to ``x``.

    Args:
        gp: The constraint's posterior (``g <= 0`` is feasible).
        x: Query points, shape ``(q, d)``.

    Returns:
        ``(log_pof, grad)`` of shapes ``(q,)`` and ``(q, d)``.
    """
    mean, var, d_mean, d_var = gp.predict(x, return_grad=True)
    std = np.sqrt(var)
    z = -mean / std
    d_std = d_var / (2.0 * std)[:, None]
    dz = (-d_mean - z[:, None] * d_std) / std[:, None]
    log_cdf = log_ndtr(z)
    ratio = np.exp(-0.5 * z**2 - _LOG_SQRT_2PI - log_cdf)  # φ(z) / Φ(z)
    return log_cdf, ratio[:, None] * dz


def maximize_acquisition(
    acquisition: Acquisition,
    d: int,
    rng: np.random.Generator,
    project: Callable[[np.ndarray], np.ndarray],
    incumbent: np.ndarray | None = None,
    n_starts: int = 10,
    n_candidates: int = 1024,
    maxiter: int = 30,
    neighbours: Neighbours | None = None,
) -> np.ndarray:
    """Maximizes ``acquisition`` over the unit cube by batched multi-start L-BFGS-B.

    The starts are the best ``n_starts`` of ``n_candidates`` uniform points and (a
    quarter as many) Gaussian perturbations of ``incumbent``; all starts are optimized as
    one problem, as :func:`rung.searchers._acquisition.maximize_log_ei` does, and with
    ``neighbours`` the best three and the incumbent then climb over their choices and
    integers.

    Args:
        acquisition: ``x (q, d) -> (values (q,), gradients (q, d))``, to maximize.
        d: The dimension.
        rng: Source of the candidates.
        project: Maps points to valid encodings (integers, one-hot choices).
        incumbent: A good point to search around, shape ``(d,)``, or None.
        n_starts: L-BFGS-B starts.
        n_candidates: Random candidates the starts are chosen from.
        maxiter: L-BFGS-B iterations.
        neighbours: The one-exchange neighbourhood of a valid point in its choices and
            integers, or None (no local search).

    Returns:
        The optimized points and the starts, best first, shape ``(m, d)``.
    """
    candidates = project(rng.random((n_candidates, d)))
    if incumbent is not None:
        n_local = n_candidates // 4
        scale = rng.choice([0.01, 0.05, 0.2], size=(n_local, 1))
        local = np.clip(incumbent + scale * rng.standard_normal((n_local, d)), 0.0, 1.0)
        candidates = np.vstack([candidates, project(local)])
    values = acquisition(candidates)[0]
    starts = candidates[np.argsort(-np.nan_to_num(values, nan=-np.inf), kind="stable")[:n_starts]]
    q = len(starts)

    def objective(flat: np.ndarray) -> tuple[float, np.ndarray]:
        value, grad = acquisition(flat.reshape(q, d))
        value = np.nan_to_num(value, nan=-1e300, neginf=-1e300)
        grad = np.nan_to_num(grad, nan=0.0, posinf=0.0, neginf=0.0)
        return -float(np.sum(value)), -grad.ravel()

    result = scipy.optimize.minimize(
        objective,
        starts.ravel(),
        jac=True,
        method="L-BFGS-B",
        bounds=[(0.0, 1.0)] * (q * d),
        options={"maxiter": maxiter},
    )
    points = np.vstack([project(np.clip(result.x.reshape(q, d), 0.0, 1.0)), starts])

    def score(x: np.ndarray) -> np.ndarray:
        return np.nan_to_num(acquisition(x)[0], nan=-np.inf)

    final = score(points)
    if neighbours is not None:
        points, final = with_climbs(score, points, final, neighbours, incumbent)
    return points[np.argsort(-final, kind="stable")]
