"""Expected Improvement for minimization, its logarithm, and their batched maximization.

EI is Jones, Schonlau & Welch, *Efficient Global Optimization of Expensive Black-Box
Functions* (J. Global Optim. 1998), eq. 15: with ``z = (f* - μ(x)) / σ(x)``,
``EI(x) = σ(x) h(z)`` where ``h(z) = z Φ(z) + φ(z)``. It is maximized through
``log EI = log σ + log h(z)`` (Ament et al., *Unexpected Improvements to Expected
Improvement for Bayesian Optimization*, NeurIPS 2023, eq. 9), which has the same
maximizers but gradients that do not vanish far from the incumbent. Since ``h'(z) = Φ(z)``,
``d log h / dz = Φ(z) / h(z)``, and the gradient with respect to ``x`` follows from the
GP's ``∂μ/∂x`` and ``∂σ²/∂x`` by the chain rule.

All starts of the multi-start optimization are solved as one L-BFGS-B problem over the
stacked ``(n_starts * d)`` vector, whose objective is the sum of ``-log EI`` over starts;
its gradient is separable, so each start moves as if optimized alone (the batching of
BoTorch's ``gen_candidates_scipy``), at the cost of one Python call per iteration.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.optimize
from scipy.special import erfcx, ndtr

from rung.searchers._gp_model import GaussianProcess
from rung.searchers._local_search import Neighbours, with_climbs

__all__ = [
    "AcquisitionResult",
    "expected_improvement",
    "log_expected_improvement",
    "log_h",
    "maximize_log_ei",
]

_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)
_SQRT_HALF_PI = math.sqrt(math.pi / 2)
_SQRT_HALF = math.sqrt(0.5)


def log_h(z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``log h(z)`` with ``h(z) = z Φ(z) + φ(z)``, and its derivative ``Φ(z) / h(z)``.

    Stable for very negative ``z`` (Ament et al. 2023, eq. 9): with Mills' ratio
    ``R(z) = Φ(z)/φ(z) = √(π/2) erfcx(-z/√2)``, ``h(z) = φ(z) (1 + z R(z))`` and the
    derivative is ``R / (1 + z R)``, which holds without cancellation down to
    ``z = -1e4``; below, the asymptotes ``h(z) ≈ φ(z) / z²`` and ``Φ/h ≈ |z| + 2/|z|``.
    Above ``z = 30`` (where ``R`` would overflow), ``h(z) = z`` to double precision.

    Args:
        z: Standardized improvements, any shape.

    Returns:
        ``(log h(z), d log h / dz)``, each the shape of ``z``.
    """
    z = np.asarray(z, dtype=float)
    zc = np.clip(z, -1e4, 30.0)
    mills = _SQRT_HALF_PI * erfcx(zc * -_SQRT_HALF)
    one_plus = 1.0 + zc * mills
    value = np.log(one_plus) - 0.5 * zc**2 - _LOG_SQRT_2PI
    slope = mills / one_plus
    far = z < -1e4
    if far.any():
        zf = z[far]
        value[far] = -0.5 * zf**2 - _LOG_SQRT_2PI - 2.0 * np.log(-zf)
        slope[far] = -zf - 2.0 / zf
    high = z > 30.0
    if high.any():
        value[high] = np.log(z[high])
        slope[high] = 1.0 / z[high]
    return value, slope


def _moments(gp: GaussianProcess, x: np.ndarray, best: float):
    """Standardized ``z = (f* - μ) / σ``, ``σ``, and ``∂μ/∂x``, ``∂σ/∂x``: all in the GP's
    standardized units, so that huge output scales cannot overflow."""
    mean, var, d_mean, d_var = gp.predict(x, return_grad=True, standardized=True)
    std = np.sqrt(var)
    z = ((best - gp.y_mean) / gp.y_std - mean) / std
    return z, std, d_mean, d_var / (2.0 * std)[:, None]


def log_expected_improvement(
    gp: GaussianProcess, x: np.ndarray, best: float
) -> tuple[np.ndarray, np.ndarray]:
    """``log EI`` for minimization below ``best``, and its gradient with respect to ``x``.

    Args:
        gp: The fitted posterior.
        x: Query points, shape ``(q, d)``.
        best: The incumbent value ``f*`` in the units of the GP's outputs.

    Returns:
        ``(log_ei, grad)`` of shapes ``(q,)`` and ``(q, d)``.
    """
    z, std, d_mean, d_std = _moments(gp, x, best)
    value, slope = log_h(z)
    # d/dμ = -slope/σ;  d/dσ = (1 - z slope)/σ; the output scale only shifts log EI.
    grad = (-slope[:, None] * d_mean + (1.0 - z * slope)[:, None] * d_std) / std[:, None]
    return np.log(std) + value + math.log(gp.y_std), grad


def _log_ei_values(gp: GaussianProcess, x: np.ndarray, best: float, rows: int | None = None):
    """``log EI`` only (no gradient), shape ``(len(x),)``.

    Computed in chunks of about 25 600 kernel entries (``rows`` points each): larger
    temporaries cost more in page faults than the extra Python calls.
    """
    rows = rows or max(32, min(512, 25_600 // max(len(gp.X), 1)))
    out = np.empty(len(x))
    best_z = (best - gp.y_mean) / gp.y_std
    for start in range(0, len(x), rows):
        mean, var = gp.predict(x[start : start + rows], standardized=True)
        std = np.sqrt(var)
        out[start : start + rows] = np.log(std) + log_h((best_z - mean) / std)[0]
    return out + math.log(gp.y_std)


def expected_improvement(
    gp: GaussianProcess, x: np.ndarray, best: float
) -> tuple[np.ndarray, np.ndarray]:
    """EI for minimization below ``best`` (Jones et al. 1998, eq. 15) and its gradient.

    ``∂EI/∂μ = -Φ(z)`` and ``∂EI/∂σ = φ(z)``.

    Args:
        gp: The fitted posterior.
        x: Query points, shape ``(q, d)``.
        best: The incumbent value ``f*``.

    Returns:
        ``(ei, grad)`` of shapes ``(q,)`` and ``(q, d)``.
    """
    z, std, d_mean, d_std = _moments(gp, x, best)
    pdf = np.exp(-0.5 * z**2 - _LOG_SQRT_2PI)
    ei = std * (z * ndtr(z) + pdf)
    grad = -ndtr(z)[:, None] * d_mean + pdf[:, None] * d_std
    return gp.y_std * ei, gp.y_std * grad


@dataclass(frozen=True, eq=False)
class AcquisitionResult:
    """What :func:`maximize_log_ei` found.

    Attributes:
        points: The optimized points (projected) and the starts, best first, shape ``(m, d)``.
        values: ``log EI`` of ``points``, descending, shape ``(m,)``.
        start_values: ``log EI`` of the starts before optimization, shape ``(n_starts,)``.
        iterations: L-BFGS-B iterations of the batched problem.
    """

    points: np.ndarray
    values: np.ndarray
    start_values: np.ndarray
    iterations: int


Penalty = Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]
"""``x (q, d) -> (values (q,), gradients (q, d))``, subtracted from ``log EI``."""


def _pick_starts(
    score: Callable[[np.ndarray], np.ndarray],
    d: int,
    rng: np.random.Generator,
    incumbent: np.ndarray | None,
    n_starts: int,
    n_candidates: int,
    project: Callable[[np.ndarray], np.ndarray],
) -> np.ndarray:
    candidates = project(rng.random((n_candidates, d)))
    n_local = 0
    if incumbent is not None:
        n_local = n_candidates // 4
        scale = rng.choice([0.01, 0.05, 0.2], size=(n_local, 1))
        local = project(np.clip(incumbent + scale * rng.standard_normal((n_local, d)), 0, 1))
        candidates = np.vstack([candidates, local])
    values = score(candidates)
    # Most starts from the global candidates, a fifth from around the incumbent.
    n_from_local = min(n_starts // 5, n_local)
    glob = np.argsort(-values[: len(values) - n_local])[: n_starts - n_from_local]
    loc = len(values) - n_local + np.argsort(-values[len(values) - n_local :])[:n_from_local]
    return candidates[np.concatenate([glob, loc])]


def maximize_log_ei(
    gp: GaussianProcess,
    best: float,
    rng: np.random.Generator,
    incumbent: np.ndarray | None = None,
    n_starts: int = 25,
    n_candidates: int = 2048,
    maxiter: int = 100,
    project: Callable[[np.ndarray], np.ndarray] | None = None,
    penalty: Penalty | None = None,
    neighbours: Neighbours | None = None,
) -> AcquisitionResult:
    """Maximizes ``log EI`` over the unit cube by batched multi-start L-BFGS-B.

    The starts are the best ``n_starts`` of ``n_candidates`` uniform random points and
    ``n_candidates // 4`` Gaussian perturbations of the incumbent (a fifth of the starts
    come from those). All starts are optimized together as one problem (see the module
    docstring). With ``neighbours``, the best points found and the incumbent then climb
    over their choices and integers (:func:`rung.searchers._local_search.climb`).

    Args:
        gp: The fitted posterior.
        best: The incumbent value ``f*``.
        rng: Source of the random candidates.
        incumbent: The best observed point, shape ``(d,)``, or None.
        n_starts: Number of L-BFGS-B starts.
        n_candidates: Number of random candidates the starts are chosen from.
        maxiter: Cap on L-BFGS-B iterations of the batched problem.
        project: Maps points ``(m, d)`` to valid points of the encoded space (rounding
            integers, one-hot choices); applied to the candidates and to the optimized
            points, not during optimization (a continuous relaxation).
        penalty: Subtracted from ``log EI`` with its gradient, e.g. ``α log cost(x)`` for
            EI per unit cost (Snoek, Larochelle & Adams, NeurIPS 2012, §3.2). None: none.
        neighbours: The one-exchange neighbourhood of a valid point in its choices and
            integers, or None (no local search: a space of reals only).

    Returns:
        The optimized points and the starts, best first, with their ``log EI``.
    """
    project = project if project is not None else (lambda u: u)

    def score(x: np.ndarray) -> np.ndarray:
        values = _log_ei_values(gp, x, best)
        return values if penalty is None else values - penalty(x)[0]

    starts = _pick_starts(score, gp.X.shape[1], rng, incumbent, n_starts, n_candidates, project)
    q, d = starts.shape
    start_values = score(starts)

    def objective(flat: np.ndarray) -> tuple[float, np.ndarray]:
        x = flat.reshape(q, d)
        value, grad = log_expected_improvement(gp, x, best)
        if penalty is not None:
            cost, cost_grad = penalty(x)
            value, grad = value - cost, grad - cost_grad
        return -float(np.sum(value)), -grad.ravel()

    result = scipy.optimize.minimize(
        objective,
        starts.ravel(),
        jac=True,
        method="L-BFGS-B",
        bounds=[(0.0, 1.0)] * (q * d),
        options={"maxiter": maxiter, "ftol": 1e-12, "gtol": 1e-8},
    )
    optimized = project(np.clip(result.x.reshape(q, d), 0.0, 1.0))
    points = np.vstack([optimized, starts])
    values = score(points)
    if neighbours is not None:
        points, values = with_climbs(score, points, values, neighbours, incumbent)
    order = np.argsort(-values, kind="stable")
    return AcquisitionResult(points[order], values[order], start_values, int(result.nit))
