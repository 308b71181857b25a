"""Expected hypervolume improvement for independent Gaussian objectives, exactly.

The hypervolume improvement of a new objective vector ``y`` (all objectives minimized)
over a front ``P`` within a reference point ``r`` is the volume of the region that ``y``
dominates and ``P`` does not. Split that region of ``y``'s possible improvement, the part
of the box below ``r`` that no point of ``P`` dominates, into disjoint boxes
``[l_b, u_b]`` (:func:`box_decomposition`); then

    HVI(y) = Σ_b Π_j max(0, u_bj - max(l_bj, y_j)),

and when the ``y_j`` are independent Gaussians ``N(μ_j, σ_j²)`` (one GP per objective)
the expectation of each product is the product of one-dimensional expectations:

    E[max(0, u - max(l, Y))] = σ (h((u - μ)/σ) - h((l - μ)/σ)),   h(z) = z Φ(z) + φ(z),

because ``max(0, u - max(l, Y)) = (u - Y)⁺ - (l - Y)⁺`` for ``l <= u`` and
``E[(t - Y)⁺] = σ h((t - μ)/σ)`` (the integral behind Expected Improvement). This is the
exact EHVI of Emmerich, Giannakoglou & Naujoks (IEEE TEC 2006) computed over a box
decomposition, as in Yang, Emmerich, Deutz & Bäck (*Efficient computation of expected
hypervolume improvement using box decomposition algorithms*, J. Global Optim. 2019); its
gradient follows from ``∂/∂μ σ h((t-μ)/σ) = -Φ(z)`` and ``∂/∂σ σ h((t-μ)/σ) = φ(z)``.

With one objective the single box is ``(-∞, min P]`` and EHVI is Expected Improvement.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.special import ndtr

__all__ = ["box_decomposition", "expected_hypervolume_improvement", "front_cap"]

_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)
_MAX_BOXES = 2048  # boxes of one decomposition: the cost of one acquisition call


def front_cap(m: int) -> int:
    """The most front points whose decomposition stays within about 2,048 boxes.

    The decomposition has up to ``(k + 1)^(m - 1)`` boxes for ``k`` points, so three
    objectives keep 44 points and four 11; two keep 2,047.
    """
    if m <= 1:
        return _MAX_BOXES
    return max(1, int(math.floor(_MAX_BOXES ** (1.0 / (m - 1)) + 1e-9)) - 1)


def box_decomposition(front: np.ndarray, reference: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Disjoint boxes covering the part of ``{y < reference}`` that ``front`` does not
    dominate.

    The first ``m - 1`` objectives are cut into a grid at the front's coordinates; in each
    grid cell, the points of ``front`` that dominate the cell's lower corner in those
    objectives dominate the whole cell above the least of their last objectives, so the
    cell's free part is one box ``(-∞, that least value)`` in the last objective. This
    gives at most ``(k + 1)^(m - 1)`` boxes (``k + 1`` for two objectives, the staircase),
    lower bounds ``-∞`` where nothing bounds them.

    Args:
        front: Objective vectors, shape ``(k, m)``; points not below ``reference`` in every
            objective are ignored; they need not be mutually non-dominated.
        reference: Shape ``(m,)``.

    Returns:
        ``(lower, upper)`` of shape ``(B, m)`` each, ``lower < upper`` in every objective.

    Example:
        >>> front, reference = np.array([[1.0, 2.0], [2.0, 1.0]]), np.array([3.0, 3.0])
        >>> lower, upper = box_decomposition(front, reference)
        >>> np.column_stack([lower[:, 0], upper]).tolist()
        [[-inf, 1.0, 3.0], [1.0, 2.0, 2.0], [2.0, 3.0, 1.0]]
    """
    ref = np.asarray(reference, dtype=float)
    m = len(ref)
    P = np.asarray(front, dtype=float).reshape(-1, m)
    P = P[np.all(ref > P, axis=1)]
    edges = [np.concatenate([[-np.inf], np.unique(P[:, j]), [ref[j]]]) for j in range(m - 1)]
    grids = np.meshgrid(*[e[:-1] for e in edges], indexing="ij")
    tops = np.meshgrid(*[e[1:] for e in edges], indexing="ij")
    low = np.column_stack([g.ravel() for g in grids]) if m > 1 else np.zeros((1, 0))
    high = np.column_stack([g.ravel() for g in tops]) if m > 1 else np.zeros((1, 0))
    last = np.full(len(low), ref[-1])
    if len(P):
        dominating = np.all(P[None, :, : m - 1] <= low[:, None, :], axis=2)  # (cells, k)
        bound = np.where(dominating, P[None, :, -1], np.inf).min(axis=1)
        last = np.minimum(last, bound)
    lower = np.column_stack([low, np.full(len(low), -np.inf)])
    upper = np.column_stack([high, last])
    keep = np.all(lower < upper, axis=1)
    return lower[keep], upper[keep]


def _partial(mean: np.ndarray, std: np.ndarray, bound: np.ndarray):
    """``σ h((t - μ)/σ)``, ``Φ(z)`` and ``φ(z)`` at bounds ``t`` of shape ``(B,)`` for
    points of shape ``(q,)``: arrays ``(q, B)``; infinite bounds give 0, 0, 0 below and
    ``t - μ``, 1, 0 above (only finite upper bounds occur)."""
    z = (bound[None, :] - mean[:, None]) / std[:, None]
    finite = np.isfinite(z)
    zf = np.where(finite, z, 0.0)
    cdf = np.where(finite, ndtr(zf), 0.0)
    pdf = np.where(finite, np.exp(-0.5 * zf**2 - _LOG_SQRT_2PI), 0.0)
    value = std[:, None] * (zf * cdf + pdf)
    return value, cdf, pdf


def expected_hypervolume_improvement(
    means: np.ndarray, stds: np.ndarray, lower: np.ndarray, upper: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """EHVI of independent Gaussian objective vectors over boxes (module docstring).

    Args:
        means: Posterior means, shape ``(q, m)``.
        stds: Posterior standard deviations, positive, shape ``(q, m)``.
        lower: Lower corners of the boxes, shape ``(B, m)`` (``-∞`` allowed).
        upper: Upper corners, finite, shape ``(B, m)``.

    Returns:
        ``(ehvi, d_mean, d_std)``: shape ``(q,)``, and the gradients with respect to the
        means and the standard deviations, shape ``(q, m)`` each.
    """
    q, m = means.shape
    factors, d_mu, d_sigma = [], [], []
    for j in range(m):
        hu, cdf_u, pdf_u = _partial(means[:, j], stds[:, j], upper[:, j])
        hl, cdf_l, pdf_l = _partial(means[:, j], stds[:, j], lower[:, j])
        factors.append(hu - hl)
        d_mu.append(cdf_l - cdf_u)
        d_sigma.append(pdf_u - pdf_l)
    product = np.prod(factors, axis=0)  # (q, B)
    d_mean, d_std = np.empty((q, m)), np.empty((q, m))
    for j in range(m):
        others = np.prod([factors[k] for k in range(m) if k != j], axis=0) if m > 1 else 1.0
        d_mean[:, j] = np.sum(others * d_mu[j], axis=1)
        d_std[:, j] = np.sum(others * d_sigma[j], axis=1)
    return product.sum(axis=1), d_mean, d_std
