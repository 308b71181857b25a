"""The Matérn 5/2 ARD kernel matrices and the inverse of a kernel matrix, for the GP.

:func:`_augment` and :func:`_matern` give the correlation (and its radial derivative) of
two sets of points in one matrix product; :func:`_factorize` inverts a kernel matrix by
Cholesky, adding jitter until it factorizes. :mod:`rung.searchers._gp_model` builds the
likelihood and the posterior on them.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.linalg.lapack

__all__ = ["_SQRT5", "_augment", "_factorize", "_matern"]

_SQRT5 = math.sqrt(5.0)

_JITTERS = (0.0, 1e-10, 1e-8, 1e-6, 1e-4)  # relative to the mean of K's diagonal


def _augment(X: np.ndarray, scale: np.ndarray, right: bool) -> np.ndarray:
    """Rows ``[u, 1, |u|²]`` (left) or ``[-2u, |u|², 1]`` (right) with ``u = X * scale``:
    the product of a left and a right block is ``|u - u'|²`` in one matrix product."""
    U = X * scale
    out = np.empty((len(U), U.shape[1] + 2))
    sq = np.einsum("ij,ij->i", U, U)
    if right:
        out[:, :-2], out[:, -2], out[:, -1] = -2.0 * U, sq, 1.0
    else:
        out[:, :-2], out[:, -2], out[:, -1] = U, 1.0, sq
    return out


def _matern(left: np.ndarray, right: np.ndarray, with_g: bool = True):
    """The Matérn 5/2 correlation ``M(r) = (1 + √5 r + 5/3 r²) e^{-√5 r}`` (R&W eq. 4.17)
    between :func:`_augment` rows scaled by ``√5 / ℓ``, and ``G(r) = -M'(r) / r =
    5/3 (1 + √5 r) e^{-√5 r}``, each ``(n1, n2)``.

    Works in place on two arrays: on small VMs each fresh large array costs page faults
    that outweigh the arithmetic.
    """
    S = left @ right.T  # 5 r²
    np.maximum(S, 0.0, out=S)
    R = np.sqrt(S)  # √5 r
    E = np.negative(R)
    np.exp(E, out=E)
    M = S
    M *= 1.0 / 3.0
    M += R
    M += 1.0
    M *= E
    if not with_g:
        return M, None
    G = R
    G += 1.0
    G *= E
    G *= 5.0 / 3.0
    return M, G


def _factorize(K: np.ndarray) -> tuple[np.ndarray, float]:
    """``(K⁻¹, log det K)`` by LAPACK ``dpotrf``/``dpotri``; K (overwritten) gets a growing
    diagonal jitter until its Cholesky factorization succeeds.

    Raises:
        numpy.linalg.LinAlgError: K is not positive definite even with the largest jitter.
    """
    scale = float(np.mean(np.diag(K)))
    if not np.isfinite(scale) or scale <= 0:
        raise np.linalg.LinAlgError(f"The kernel matrix has a bad diagonal (mean {scale!r}).")
    added = 0.0
    for jitter in _JITTERS:
        if jitter:
            K.flat[:: len(K) + 1] += (jitter - added) * scale
            added = jitter
        L, info = scipy.linalg.lapack.dpotrf(K, lower=1, clean=1)
        if info == 0:
            break
    else:
        raise np.linalg.LinAlgError(
            f"The kernel matrix is not positive definite even with jitter {_JITTERS[-1]:g}; "
            "are the observed values finite and of a sane scale?"
        )
    logdet = 2.0 * float(np.sum(np.log(np.diag(L))))
    inv, info = scipy.linalg.lapack.dpotri(L, lower=1)  # fills the lower triangle only
    if info != 0:
        raise np.linalg.LinAlgError(f"LAPACK dpotri failed (info={info}).")
    full = inv + inv.T  # the strict upper triangle is zero (clean=1)
    full.flat[:: len(K) + 1] -= np.diag(inv)
    return full, logdet
