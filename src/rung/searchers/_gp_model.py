"""Gaussian-process regression with a Matérn 5/2 ARD kernel, for Bayesian optimization.

Inputs live in the unit cube; outputs are standardized to zero mean and unit variance.
The hyperparameters (one lengthscale per input, or per group of inputs tied together such
as the one-hot block of a choice, the signal variance, the noise variance) maximize the
log marginal likelihood plus weak log-normal priors, by L-BFGS-B in log
space with the analytic gradient of Rasmussen & Williams, *Gaussian Processes for
Machine Learning* (2006), eq. 5.8-5.9. The kernel matrices and their inverse come from
:mod:`rung.searchers._matern`.

With ``fidelity=True`` the last input is a resource level ``s`` in [0, 1] (1: the full
resource) and the noise is heteroscedastic, ``σ_n² + σ_f² (1 - s)²``, with one more
hyperparameter ``σ_f²``: values measured after a few epochs are noisier than final ones
(a learning curve's early points jump, a low fidelity adds noise that fades with the
resource), and a noise shared by all levels would blur the full-resource values the
search is about (the input-dependent noise of FABOLAS, Klein et al., AISTATS 2017, §3.1,
in its simplest form).

Shapes: ``X`` is ``(n, d)``, ``y`` is ``(n,)``, query points ``x`` are ``(q, d)``.
"""

from __future__ import annotations

import math

import numpy as np
import scipy.optimize

from rung.searchers._matern import _SQRT5, _augment, _factorize, _matern

__all__ = [
    "GaussianProcess",
    "condition_gaussian_process",
    "default_theta",
    "fit_gaussian_process",
    "log_marginal_likelihood",
]

# Bounds of the log hyperparameters, for unit-cube inputs and standardized outputs.
_LOG_LENGTHSCALE_BOUNDS = (math.log(0.01), math.log(20.0))
_LOG_SIGNAL_BOUNDS = (math.log(0.05), math.log(20.0))
_LOG_NOISE_BOUNDS = (math.log(1e-6), math.log(1.0))
_LOG_LOW_NOISE_BOUNDS = (math.log(1e-6), math.log(4.0))

# Weak log-normal priors, (mean, sd) of log lengthscale, log signal and log noise variance:
# they keep the likelihood from running to a bound when there are few observations.
_PRIOR_MEAN = (math.log(0.5), 0.0, math.log(1e-4))
_PRIOR_SD = (1.0, 1.0, 3.0)
_LOW_NOISE_PRIOR = (math.log(1e-2), 3.0)  # of log σ_f², the extra noise at s = 0


def _unpack(theta: np.ndarray, fidelity: bool = False) -> tuple[np.ndarray, float, float, float]:
    """``(lengthscales, σ², σ_n², σ_f²)``; ``σ_f² = 0`` without a fidelity input."""
    extra = 1 if fidelity else 0
    last = len(theta) - extra
    low = float(np.exp(theta[-1])) if fidelity else 0.0
    return (
        np.exp(theta[: last - 2]),
        float(np.exp(theta[last - 2])),
        float(np.exp(theta[last - 1])),
        low,
    )


def _low_weights(X: np.ndarray) -> np.ndarray:
    """``(1 - s)²`` of each row, ``s`` its last input: where the extra noise applies."""
    return (1.0 - X[:, -1]) ** 2


def _add_noise(K: np.ndarray, X: np.ndarray, noise: float, low: float, fidelity: bool) -> None:
    """Adds the noise variance of each row of ``X`` to the diagonal of ``K``."""
    if fidelity:
        K.flat[:: len(K) + 1] += noise + low * _low_weights(X)
    else:
        K.flat[:: len(K) + 1] += noise


def log_marginal_likelihood(
    theta: np.ndarray, X: np.ndarray, y: np.ndarray, fidelity: bool = False
) -> tuple[float, np.ndarray]:
    """The log marginal likelihood of a zero-mean GP and its gradient.

    The value is R&W (2006) Alg. 2.1 line 7; the gradient eq. 5.9,
    ``0.5 tr((α αᵀ - K⁻¹) ∂K/∂θ)``, with ``∂k/∂log ℓ_j = σ² G(r) (x_j - x'_j)² / ℓ_j²``
    summed over pairs in ``O(n² d)`` (no ``(n, n, d)`` tensor).

    Args:
        theta: Log hyperparameters ``[log ℓ_1..log ℓ_d, log σ², log σ_n²]``, shape ``(d + 2,)``
            (``fidelity``: and ``log σ_f²``, shape ``(d + 3,)``).
        X: Inputs, shape ``(n, d)``.
        y: Standardized outputs, shape ``(n,)``.
        fidelity: The last input is a resource level, with its own noise (module docstring).

    Returns:
        The log marginal likelihood and its gradient with respect to ``theta``.

    Raises:
        numpy.linalg.LinAlgError: the kernel matrix cannot be factorized.
    """
    return _lml(theta, X, y, fidelity)[:2]


def _lml(
    theta: np.ndarray, X: np.ndarray, y: np.ndarray, fidelity: bool = False
) -> tuple[float, np.ndarray, np.ndarray]:
    """:func:`log_marginal_likelihood`, and the ``K⁻¹`` it computed on the way."""
    lengthscales, signal, noise, low = _unpack(theta, fidelity)
    scale = _SQRT5 / lengthscales
    M, G = _matern(_augment(X, scale, False), _augment(X, scale, True))
    K = signal * M
    _add_noise(K, X, noise, low, fidelity)
    K_inv, logdet = _factorize(K)
    alpha = K_inv @ y
    value = -0.5 * (y @ alpha) - 0.5 * logdet - 0.5 * len(y) * math.log(2 * math.pi)
    W = np.outer(alpha, alpha)
    W -= K_inv
    grad_signal = 0.5 * signal * np.einsum("ij,ij->", W, M)
    # A = σ² W∘G is symmetric: Σ_ab A_ab (z_aj - z_bj)² = 2 Σ_a z_aj² rowsum(A)_a - 2 z_jᵀ A z_j.
    A = G
    A *= W
    A *= signal
    Z = X / lengthscales
    grad_lengthscales = A.sum(axis=1) @ Z**2 - np.einsum("ij,ij->j", Z, A @ Z)
    diag_W = np.diagonal(W)
    grads = [grad_lengthscales, [grad_signal, 0.5 * noise * diag_W.sum()]]
    if fidelity:  # ∂K/∂log σ_f² = σ_f² diag((1 - s)²)
        grads.append([0.5 * low * (diag_W @ _low_weights(X))])
    return float(value), np.concatenate(grads), K_inv


def _prior(d: int, fidelity: bool = False) -> tuple[np.ndarray, np.ndarray]:
    means = [_PRIOR_MEAN[0]] * d + list(_PRIOR_MEAN[1:])
    sds = [_PRIOR_SD[0]] * d + list(_PRIOR_SD[1:])
    if fidelity:
        means.append(_LOW_NOISE_PRIOR[0])
        sds.append(_LOW_NOISE_PRIOR[1])
    return np.array(means), np.array(sds)


def _log_prior(theta: np.ndarray, fidelity: bool = False) -> tuple[float, np.ndarray]:
    means, sds = _prior(len(theta) - 2 - fidelity, fidelity)
    u = (theta - means) / sds
    return float(-0.5 * np.sum(u**2)), -u / sds


def default_theta(d: int, fidelity: bool = False) -> np.ndarray:
    """Where a fit without a warm start begins: the prior means, shape ``(d + 2,)``
    (``(d + 3,)`` with ``fidelity``)."""
    return _prior(d, fidelity)[0]


class GaussianProcess:
    """A GP posterior with fixed hyperparameters, in the original units of ``y``.

    Build it with :func:`fit_gaussian_process`; :meth:`with_data` conditions on extra
    (e.g. fantasized) observations without refitting. Not modified after construction.

    Args:
        X: Training inputs, shape ``(n, d)``.
        y: Training outputs in original units, shape ``(n,)``.
        theta: Log hyperparameters, shape ``(d + 2,)`` (see :func:`log_marginal_likelihood`).
        y_mean: Mean used to standardize ``y``.
        y_std: Standard deviation used to standardize ``y``.
        K_inv: ``(K + σ_n² I)⁻¹`` at ``theta`` if already known, shape ``(n, n)``.
        fidelity: The last input is a resource level, with its own noise (module docstring).

    Raises:
        numpy.linalg.LinAlgError: the kernel matrix cannot be factorized.
    """

    def __init__(
        self,
        X: np.ndarray,
        y: np.ndarray,
        theta: np.ndarray,
        y_mean: float,
        y_std: float,
        K_inv: np.ndarray | None = None,
        fidelity: bool = False,
    ) -> None:
        self.X, self.y, self.theta, self.fidelity = X, y, theta, fidelity
        self.y_mean, self.y_std = y_mean, y_std
        self.lengthscales, signal, noise, low = _unpack(theta, fidelity)
        self._scale = _SQRT5 / self.lengthscales
        self._right = _augment(X, self._scale, True)
        if K_inv is None:  # R&W Alg. 2.1 lines 2-3, with K⁻¹ kept for batched variances
            K = _matern(_augment(X, self._scale, False), self._right, with_g=False)[0]
            K *= signal
            _add_noise(K, X, noise, low, fidelity)
            K_inv = _factorize(K)[0]
        # predict() works with the correlation M = k / σ², in standardized units.
        self._prior_var = signal
        self._mean_weights = signal * (K_inv @ ((y - y_mean) / y_std))
        self._mean_weights_X = self._mean_weights[:, None] * X
        self._var_weights = (signal * signal) * K_inv

    def with_data(self, X_extra: np.ndarray, y_extra: np.ndarray) -> GaussianProcess:
        """The posterior given extra observations, with the same hyperparameters and scaling."""
        X, y = np.vstack([self.X, X_extra]), np.concatenate([self.y, y_extra])
        return GaussianProcess(X, y, self.theta, self.y_mean, self.y_std, fidelity=self.fidelity)

    def predict(self, x: np.ndarray, return_grad: bool = False, standardized: bool = False):
        """The posterior mean and variance of the latent function (R&W Alg. 2.1 lines 4-6).

        Args:
            x: Query points, shape ``(q, d)``.
            return_grad: Also return the gradients of mean and variance with respect to x.
            standardized: In the units of ``(y - y_mean) / y_std`` instead of ``y``'s.

        Returns:
            ``(mean, var)``, each of shape ``(q,)``; with ``return_grad``, also
            ``(d_mean, d_var)`` of shape ``(q, d)``. The variance is floored at a tiny
            positive value (where the floor binds, ``d_var`` is 0).
        """
        mean, var, *grads = self._predict(x, return_grad)
        if standardized:
            return (mean, var, *grads)
        scale = np.array([self.y_std, self.y_std**2])  # float64: inf, not OverflowError
        mean, var = self.y_mean + scale[0] * mean, scale[1] * var
        return (mean, var) if not grads else (mean, var, scale[0] * grads[0], scale[1] * grads[1])

    def _predict(self, x: np.ndarray, return_grad: bool):
        M, G = _matern(_augment(x, self._scale, False), self._right, return_grad)
        mean = M @ self._mean_weights
        MB = M @ self._var_weights
        raw_var = self._prior_var - np.einsum("ij,ij->i", M, MB)
        floor = 1e-12 * self._prior_var
        var = np.maximum(raw_var, floor)
        if not return_grad:
            return mean, var
        # ∂k_i/∂x_j = -σ² G_i (x_j - X_ij) / ℓ_j²; the sums over training points i are
        # matrix products.
        inv_l2 = 1.0 / self.lengthscales**2
        d_mean = -inv_l2 * ((G @ self._mean_weights)[:, None] * x - G @ self._mean_weights_X)
        C = G
        C *= MB
        d_var = (2.0 * inv_l2) * (C.sum(axis=1)[:, None] * x - C @ self.X)
        d_var[raw_var < floor] = 0.0
        return mean, var, d_mean, d_var


def _standardization(y: np.ndarray) -> tuple[float, float]:
    """The mean and standard deviation ``y`` is standardized with (1 when ``y`` is constant).

    Raises:
        FloatingPointError: a value is not finite.
    """
    if not np.all(np.isfinite(y)):
        raise FloatingPointError(f"The GP needs finite values; got {y[~np.isfinite(y)][:3]}.")
    magnitude = float(np.max(np.abs(y), initial=0.0)) or 1.0  # no overflow in y² near 1e308
    y_mean, y_std = magnitude * float(np.mean(y / magnitude)), float(np.std(y / magnitude))
    return y_mean, magnitude * y_std if y_std > 0 else 1.0


def condition_gaussian_process(
    X: np.ndarray, y: np.ndarray, theta: np.ndarray, fidelity: bool = False
) -> GaussianProcess:
    """The posterior on ``(X, y)`` at given hyperparameters, without fitting them.

    Searchers refit the hyperparameters now and then and condition on new data in
    between (one factorization instead of an optimization).

    Args:
        X: Inputs in the unit cube, shape ``(n, d)``.
        y: Finite outputs, shape ``(n,)``; standardized internally.
        theta: Log hyperparameters, shape ``(d + 2,)`` (``(d + 3,)`` with ``fidelity``).
        fidelity: The last input is a resource level, with its own noise (module docstring).

    Raises:
        numpy.linalg.LinAlgError: the kernel matrix cannot be factorized.
        FloatingPointError: a value is not finite.
    """
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    y_mean, y_std = _standardization(y)
    theta = np.asarray(theta, dtype=float)
    return GaussianProcess(X, y, theta, y_mean, y_std, fidelity=fidelity)


class _Tying:
    """Maps the fitted vector ``φ`` (one log lengthscale per group, then the rest) to
    ``θ`` (one per input) and back; the identity when nothing is tied."""

    def __init__(self, d: int, tied: np.ndarray | None) -> None:
        self.d = d
        self.index = np.arange(d) if tied is None else np.asarray(tied, dtype=int)
        self.groups = int(self.index.max()) + 1 if d else 0
        self.sizes = np.bincount(self.index, minlength=self.groups)

    def expand(self, phi: np.ndarray) -> np.ndarray:
        return np.concatenate([phi[: self.groups][self.index], phi[self.groups :]])

    def reduce(self, theta: np.ndarray) -> np.ndarray:
        """A group's value: the mean of its inputs' (a warm start fitted untied)."""
        sums = np.bincount(self.index, weights=theta[: self.d], minlength=self.groups)
        return np.concatenate([sums / np.maximum(self.sizes, 1), theta[self.d :]])

    def gradient(self, grad: np.ndarray) -> np.ndarray:
        """``∂/∂φ`` from ``∂/∂θ``: a group's lengthscale moves all of its inputs'."""
        tied = np.bincount(self.index, weights=grad[: self.d], minlength=self.groups)
        return np.concatenate([tied, grad[self.d :]])


def fit_gaussian_process(
    X: np.ndarray,
    y: np.ndarray,
    theta0: np.ndarray | None = None,
    maxiter: int = 100,
    fidelity: bool = False,
    tied: np.ndarray | None = None,
) -> GaussianProcess:
    """Fits the hyperparameters by maximizing log marginal likelihood + log prior.

    Args:
        X: Inputs in the unit cube, shape ``(n, d)``.
        y: Finite outputs, shape ``(n,)``; standardized internally.
        theta0: Warm start (e.g. the previous fit's ``theta``), shape ``(d + 2,)``;
            :func:`default_theta` when None.
        maxiter: Cap on L-BFGS-B iterations.
        fidelity: The last input is a resource level, with its own noise (module docstring).
        tied: For each input, which lengthscale it uses, shape ``(d,)`` of ints ``0..g-1``
            (inputs that share one, such as the one-hot block of a choice, get the same
            number); None: one lengthscale per input.

    Returns:
        The fitted posterior (its ``theta`` has one lengthscale per input, tied ones equal).

    Raises:
        numpy.linalg.LinAlgError: the kernel matrix cannot be factorized.
        FloatingPointError: a value is not finite, or the likelihood is not finite at the
            optimum.
    """
    X, y = np.asarray(X, dtype=float), np.asarray(y, dtype=float)
    y_mean, y_std = _standardization(y)
    z = (y - y_mean) / y_std
    d = X.shape[1]
    tying = _Tying(d, tied)
    bounds = [_LOG_LENGTHSCALE_BOUNDS] * tying.groups + [_LOG_SIGNAL_BOUNDS, _LOG_NOISE_BOUNDS]
    if fidelity:
        bounds.append(_LOG_LOW_NOISE_BOUNDS)
    start = default_theta(d, fidelity) if theta0 is None else np.asarray(theta0, dtype=float)
    start = np.clip(tying.reduce(start), *np.array(bounds).T)
    last: dict[str, np.ndarray] = {}  # the latest factorization, reused for the posterior

    def objective(phi: np.ndarray) -> tuple[float, np.ndarray]:
        theta = tying.expand(phi)
        try:
            lml, grad, K_inv = _lml(theta, X, z, fidelity)
        except np.linalg.LinAlgError:
            return 1e10, np.zeros_like(phi)  # makes the line search step back
        if not (math.isfinite(lml) and np.all(np.isfinite(grad))):
            return 1e10, np.zeros_like(phi)
        last["theta"], last["K_inv"] = theta.copy(), K_inv
        lp, lp_grad = _log_prior(phi, fidelity)
        return -(lml + lp), -(tying.gradient(grad) + lp_grad)

    result = scipy.optimize.minimize(
        objective,
        start,
        jac=True,
        method="L-BFGS-B",
        bounds=bounds,
        options={"maxiter": maxiter, "ftol": 1e-9},
    )
    if not math.isfinite(float(result.fun)) or result.fun >= 1e10:
        raise FloatingPointError(
            f"The GP log marginal likelihood is not finite at the fitted hyperparameters "
            f"(objective {result.fun!r})."
        )
    theta = tying.expand(result.x)
    K_inv = last["K_inv"] if np.array_equal(last.get("theta"), theta) else None
    return GaussianProcess(X, y, theta, y_mean, y_std, K_inv=K_inv, fidelity=fidelity)
