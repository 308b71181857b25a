"""MF-Hartmann 3 and 6: mf-prior-bench's ``mfh3`` and ``mfh6`` benchmarks, with their costs.

mf-prior-bench (``mfpbench.synthetic.hartmann``, Mallik et al., "PriorBand", NeurIPS 2023)
makes the Hartmann functions multi-fidelity by flattening them and adding noise at low
fidelity, both fading with the log-scaled fidelity
``s(z) = (log z - log z_min) / (log z_max - log z_min)``, ``z_min = 1``, ``z_max = 100``::

    f(x, z) = -sum_i (alpha_i - bias * (1 - s(z))) * exp(-sum_j A_ij (x_j - P_ij)**2)
              + noise * (1 - s(z)) * |eps(x, z)|,        eps ~ N(0, 1)

At ``z = 100`` this is the Hartmann function itself (Surjanovic & Bingham's Virtual
Library of Simulation Experiments), minimum -3.86278 (3-D) and -3.32237 (6-D). ``mfh3`` and
``mfh6`` use ``bias=0.5``, ``noise=0.1``; the benchmark's fidelities are ``z = 3..100``
(below 3 the formula still holds and is allowed here). mf-prior-bench's variants with
worse-correlated low fidelities (``mfh6_good``, ``mfh6_bad``...) only change ``bias`` and
``noise`` (:class:`Correlation`). Evaluating at fidelity ``z`` costs
``λ(z) = 0.05 + 0.95 (z / 100)**2`` (Kandasamy et al., ICML 2017, p. 18; see
:class:`~rung.workloads.simulated.FidelityCost`), scaled here to simulated seconds.

One difference from mf-prior-bench: the noise has the same half-normal distribution but
not the same draws. mf-prior-bench seeds a new NumPy generator with
``seed * z * hash(x)`` for every evaluation (about 40 microseconds); here ``|eps|`` is the
half-normal quantile of a 64-bit BLAKE2 hash of ``(seed, x, z)`` (about 2 microseconds),
equally deterministic: the same config at the same fidelity always gets the same value.
"""

from __future__ import annotations

import enum
import functools
import hashlib
import math
import struct
from collections.abc import Mapping
from statistics import NormalDist
from typing import Any

import numpy as np

from rung._checks import AnyOf, InstanceOf, Integer, OneOf, Real, check, check_all
from rung.space import Space, uniform
from rung.workloads.simulated import FidelityCost, SimulatedBenchmark

__all__ = ["Correlation", "MFHartmann", "mfh3", "mfh6"]

_ALPHA = np.array([1.0, 1.2, 3.0, 3.2])
_A = {
    3: np.array([[3.0, 10, 30], [0.1, 10, 35], [3.0, 10, 30], [0.1, 10, 35]]),
    6: np.array(
        [
            [10, 3, 17, 3.5, 1.7, 8],
            [0.05, 10, 17, 0.1, 8, 14],
            [3, 3.5, 1.7, 10, 17, 8],
            [17, 8, 0.05, 10, 0.1, 14],
        ]
    ),
}
_P = {
    3: 1e-4
    * np.array([[3689, 1170, 2673], [4699, 4387, 7470], [1091, 8732, 5547], [381, 5743, 8828]]),
    6: 1e-4
    * np.array(
        [
            [1312, 1696, 5569, 124, 8283, 5886],
            [2329, 4135, 8307, 3736, 1004, 9991],
            [2348, 1451, 3522, 2883, 3047, 6650],
            [4047, 8828, 8732, 5743, 1091, 381],
        ]
    ),
}
_OPTIMUM = {
    3: (-3.86278214782076, (0.114614, 0.555649, 0.852547)),
    6: (-3.32236801141551, (0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573)),
}
_MAX_FIDELITY = 100
_STANDARD_NORMAL = NormalDist()


@functools.lru_cache(maxsize=4096)
def _terms(dims: int, x: tuple[float, ...]) -> tuple[float, float]:
    """``(sum_i alpha_i e_i, sum_i e_i)`` with ``e_i = exp(-sum_j A_ij (x_j - P_ij)**2)``.

    The fidelity only scales the alphas, so a trial's epochs share these two sums.
    """
    e = np.exp(-np.sum(_A[dims] * (np.asarray(x) - _P[dims]) ** 2, axis=1))
    return float(_ALPHA @ e), float(e.sum())


_RULES = {
    "dims": OneOf((3, 6)),
    "bias": Real(low=0),
    "noise": Real(low=0),
    "seed": Integer(),
}


class MFHartmann:
    """The multi-fidelity Hartmann function of mf-prior-bench, ``f(x, z)`` (module docstring).

    Args:
        dims: 3 or 6.
        bias: How much low fidelities flatten the function (mf-prior-bench: 0.5).
        noise: Scale of the half-normal noise at the lowest fidelity (mf-prior-bench: 0.1).
        seed: Seed of the noise; mf-prior-bench's default is 1337.

    Attributes:
        names: The parameter names, ``X_0, ..., X_{dims-1}`` as in mf-prior-bench.
        optimum: The minimum at full fidelity.
        minimizer: Where it is reached.

    Raises:
        ConfigTypeError: bias or noise is not a number, or seed not an int.
        ConfigError: dims is not 3 or 6, or bias or noise is below 0.
    """

    max_fidelity = _MAX_FIDELITY

    def __init__(self, dims: int, bias: float = 0.5, noise: float = 0.1, seed: int = 1337) -> None:
        check_all("MFHartmann", _RULES, locals())
        self.dims, self.bias, self.noise, self.seed = dims, float(bias), float(noise), int(seed)
        self.names = tuple(f"X_{i}" for i in range(dims))
        self.optimum, minimizer = _OPTIMUM[dims]
        self.minimizer = dict(zip(self.names, minimizer, strict=True))

    def __repr__(self) -> str:
        return (
            f"MFHartmann(dims={self.dims}, bias={self.bias}, noise={self.noise}, seed={self.seed})"
        )

    def __call__(self, config: Mapping[str, Any], fidelity: int) -> float:
        """``f(x, z)`` at ``fidelity`` z in 1..100.

        Raises:
            ValueError: the fidelity is outside 1..100.
        """
        if not 1 <= fidelity <= _MAX_FIDELITY:
            raise ValueError(
                f"The MF-Hartmann fidelity must be in [1, {_MAX_FIDELITY}]; got {fidelity!r}."
            )
        x = tuple([float(config[name]) for name in self.names])
        weighted, total = _terms(self.dims, x)
        gap = 1.0 - math.log(fidelity) / math.log(_MAX_FIDELITY)  # 1 - s(z)
        value = -(weighted - self.bias * gap * total)
        if gap > 0.0 and self.noise > 0.0:
            value += self.noise * gap * self._half_normal(x, fidelity)
        return value

    def _half_normal(self, x: tuple[float, ...], fidelity: int) -> float:
        """``|eps|``, eps ~ N(0, 1), a deterministic function of (seed, x, fidelity)."""
        data = struct.pack(f"<qq{self.dims}d", self.seed, fidelity, *x)
        bits = int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "little")
        u = (bits + 0.5) / 2.0**64  # in (0, 1)
        return _STANDARD_NORMAL.inv_cdf(0.5 + 0.5 * u)


class Correlation(enum.Enum):
    """mf-prior-bench's presets of ``(bias, noise)``: how well low fidelities rank configurations.

    The plain benchmarks ``mfh3``/``mfh6`` (:attr:`DEFAULT`, bias 0.5, noise 0.1) have the
    best-correlated low fidelities; ``mfh3_good`` ... ``mfh3_terrible`` flatten and blur
    them more and more (``mfpbench/synthetic/hartmann/benchmark.py``: ``mfh_bias_noise``
    of ``MFHartmann3BenchmarkGood`` etc.).
    """

    DEFAULT = ""
    GOOD = "good"
    MODERATE = "moderate"
    BAD = "bad"
    TERRIBLE = "terrible"

    @property
    def bias_noise(self) -> tuple[float, float]:
        """The preset's ``(bias, noise)``."""
        return _BIAS_NOISE[self]

    def benchmark_name(self, dims: int) -> str:
        """mf-prior-bench's name of the benchmark: ``mfh6``, ``mfh6_bad``..."""
        return f"mfh{dims}" if self is Correlation.DEFAULT else f"mfh{dims}_{self.value}"

    @classmethod
    def parse(cls, value: Correlation | str) -> Correlation:
        """A preset from itself or its name (``""`` or ``"default"``, ``"good"``, ...).

        Raises:
            ConfigTypeError: neither a Correlation nor a string.
            ConfigError: an unknown name.
        """
        names = ("default", *(c.value for c in cls))  # "" is the default's value
        rule = AnyOf((OneOf(names), InstanceOf((cls,), "a Correlation")))
        check(None, "correlation", value, rule)
        if isinstance(value, Correlation):
            return value
        return Correlation.DEFAULT if value == "default" else cls(value)


_BIAS_NOISE = {
    Correlation.DEFAULT: (0.5, 0.1),
    Correlation.GOOD: (2.5, 2.0),
    Correlation.MODERATE: (3.0, 3.0),
    Correlation.BAD: (3.5, 4.0),
    Correlation.TERRIBLE: (4.0, 5.0),
}


def _benchmark(
    dims: int, full_seconds: float, seed: int, correlation: Correlation | str
) -> SimulatedBenchmark:
    preset = Correlation.parse(correlation)
    bias, noise = preset.bias_noise
    function = MFHartmann(dims, bias=bias, noise=noise, seed=seed)
    return SimulatedBenchmark(
        name=preset.benchmark_name(dims),
        space=Space({name: uniform(0.0, 1.0) for name in function.names}),
        min_resource=3,
        max_resource=_MAX_FIDELITY,
        optimum=function.optimum,
        value=function,
        cost=FidelityCost(full_seconds, floor=0.05, power=2.0),
    )


def mfh3(
    full_seconds: float = 100.0, seed: int = 1337, correlation: Correlation | str = ""
) -> SimulatedBenchmark:
    """mf-prior-bench's ``mfh3``: MF-Hartmann 3 with bias 0.5 and noise 0.1, or a variant.

    Args:
        full_seconds: Simulated seconds to evaluate one configuration at fidelity 100
            from scratch (mf-prior-bench's cost 1.0); fidelity ``z`` costs
            ``full_seconds * (0.05 + 0.95 (z / 100)**2)``.
        seed: Seed of the noise.
        correlation: A :class:`Correlation` preset or its name: ``"good"`` gives
            mf-prior-bench's ``mfh3_good`` (bias 2.5, noise 2.0), ``"bad"`` its
            ``mfh3_bad`` (bias 3.5, noise 4.0)...

    Raises:
        ConfigError: an unknown correlation preset.

    Example:
        >>> bench = mfh3()
        >>> value, seconds = bench({"X_0": 0.114614, "X_1": 0.555649, "X_2": 0.852547}, 100)
        >>> round(value, 4), round(bench.optimum, 4)
        (-3.8628, -3.8628)
        >>> mfh3(correlation="bad").name
        'mfh3_bad'
    """
    return _benchmark(3, full_seconds, seed, correlation)


def mfh6(
    full_seconds: float = 100.0, seed: int = 1337, correlation: Correlation | str = ""
) -> SimulatedBenchmark:
    """mf-prior-bench's ``mfh6``: MF-Hartmann 6 with bias 0.5 and noise 0.1, or a variant.

    Args:
        full_seconds: Simulated seconds to evaluate one configuration at fidelity 100
            from scratch; fidelity ``z`` costs ``full_seconds * (0.05 + 0.95 (z / 100)**2)``.
        seed: Seed of the noise.
        correlation: A :class:`Correlation` preset or its name (see :func:`mfh3`).

    Raises:
        ConfigError: an unknown correlation preset.

    Example:
        >>> bench = mfh6()
        >>> round(bench.optimum, 5), bench.min_resource, bench.max_resource
        (-3.32237, 3, 100)
        >>> round(bench.seconds_to(3), 3), round(bench.seconds_to(100), 3)
        (5.086, 100.0)
    """
    return _benchmark(6, full_seconds, seed, correlation)
