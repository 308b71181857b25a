"""Multi-objective test problems with a fidelity: ZDT1-4, ZDT6, DTLZ1, DTLZ2 and DTLZ7.

ZDT1, ZDT2 and ZDT3 (Zitzler, Deb & Thiele, *Comparison of Multiobjective Evolutionary
Algorithms: Empirical Results*, Evolutionary Computation 8(2), 2000, §4, T1-T3) have two
objectives ``f1 = x_1`` and ``f2 = g(x) h(f1, g)`` with the distance function
``g = 1 + 9 / (n - 1) Σ_{i >= 2} x_i``. ZDT6 (T6) is non-uniform: ``f1 = 1 - exp(-4 x_1)
sin^6(6π x_1)`` crowds towards one end of its front, ``g = 1 + 9 (Σ_{i >= 2} x_i / (n -
1))^0.25`` is flat near the front, and ``h = 1 - (f1 / g)^2``. ZDT4 (T4) is ZDT1's front
behind a multimodal distance function, ``g = 1 + 10 (n - 1) + Σ_{i >= 2} (y_i^2 - 10
cos(4π y_i))`` with ``y_i = 10 x_i - 5`` (its variables' range [-5, 5] mapped to [0, 1]):
``21^(n-1)`` local fronts. DTLZ1 (Deb, Thiele, Laumanns & Zitzler, *Scalable Test
Problems for Evolutionary Multiobjective Optimization*, 2005, §6.1) has ``M`` objectives
on the simplex ``Σ f_i = 0.5`` scaled by ``1 + g``, with Rastrigin's ``g = 100 (k +
Σ_{i >= M} ((x_i - 0.5)^2 - cos(20π (x_i - 0.5))))``: ``11^k - 1`` local fronts. DTLZ2
(§6.2) has ``M`` objectives on a sphere scaled by ``1 + g`` with ``g = Σ_{i >= M} (x_i -
0.5)^2``; DTLZ7 (§6.7) has ``f_i = x_i`` for ``i < M`` and ``f_M = (1 + g) (M - Σ_{i <
M} f_i / (1 + g) (1 + sin(3π f_i)))`` with ``g = 1 + 9 / k Σ_{i >= M} x_i``, a front in
``2^(M-1)`` disconnected pieces. On every one the Pareto front is where ``g`` is smallest
(``x_i = 0``, resp. ``0.5`` for ZDT4, DTLZ1 and DTLZ2, for the distance variables).

A fidelity makes them multi-fidelity problems, as an iterative evaluation truncated early
or a measurement that gets less noisy with the resource (``r`` of ``R``):

* ``"truncated"``: ``g`` is summed over the first ``ceil(k r / R)`` of its ``k`` terms and
  rescaled to all ``k`` (an estimate from fewer terms, exact at ``R``), as a learning curve
  that has seen part of the data;
* ``"noise"``: every objective gets deterministic Gaussian noise of standard deviation
  ``noise (1 - r / R)`` (the same config at the same resource always gets the same value),
  0 at ``R``.

Each problem is an iterative objective ``f(config, trial)`` reporting ``{"f1": ...,
"f2": ...}`` at every resource, and :meth:`MultiObjectiveProblem.evaluate` gives the
values directly. Costs are nothing: they suit benchmarks of the search itself.
"""

from __future__ import annotations

import hashlib
import math
import struct
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Any

import numpy as np

from rung._checks import Integer, OneOf, Real, check
from rung.errors import ConfigError
from rung.pareto import non_dominated
from rung.space import Space, uniform

__all__ = [
    "FIDELITIES",
    "PROBLEMS",
    "MultiObjectiveProblem",
    "dtlz1",
    "dtlz2",
    "dtlz7",
    "zdt1",
    "zdt2",
    "zdt3",
    "zdt4",
    "zdt6",
]

FIDELITIES = ("truncated", "noise")
_NORMAL = NormalDist()


def _zdt_g(x: np.ndarray, k_used: int) -> float:
    terms = x[1 : 1 + k_used]
    k = len(x) - 1
    return 1.0 + 9.0 * float(terms.sum()) * (k / k_used) / k


def _zdt4_g(x: np.ndarray, k_used: int) -> float:
    # Each term, y^2 + 10 (1 - cos(4π y)), is >= 0, so a share of them rescaled estimates
    # the whole sum.
    y = 10.0 * x[1 : 1 + k_used] - 5.0
    k = len(x) - 1
    terms = y**2 + 10.0 * (1.0 - np.cos(4.0 * math.pi * y))
    return 1.0 + float(terms.sum()) * k / k_used


def _zdt(kind: int, x: np.ndarray, k_used: int) -> tuple[float, ...]:
    if kind == 6:
        f1 = 1.0 - math.exp(-4.0 * float(x[0])) * math.sin(6.0 * math.pi * float(x[0])) ** 6
        g = 1.0 + 9.0 * ((_zdt_g(x, k_used) - 1.0) / 9.0) ** 0.25
        return f1, g * (1.0 - (f1 / g) ** 2)
    f1 = float(x[0])
    g = _zdt4_g(x, k_used) if kind == 4 else _zdt_g(x, k_used)
    ratio = f1 / g
    if kind in (1, 4):
        h = 1.0 - math.sqrt(ratio)
    elif kind == 2:
        h = 1.0 - ratio**2
    else:
        h = 1.0 - math.sqrt(ratio) - ratio * math.sin(10.0 * math.pi * f1)
    return f1, g * h


def _dtlz1(m: int, x: np.ndarray, k_used: int) -> tuple[float, ...]:
    distance = x[m - 1 :] - 0.5
    k = len(distance)
    used = distance[:k_used]
    g = 100.0 * float(np.sum(1.0 + used**2 - np.cos(20.0 * math.pi * used))) * k / k_used
    values = []
    for i in range(m):
        value = 0.5 * (1.0 + g) * float(np.prod(x[: m - 1 - i]))
        if i > 0:
            value *= 1.0 - float(x[m - 1 - i])
        values.append(value)
    return tuple(values)


def _dtlz2(m: int, x: np.ndarray, k_used: int) -> tuple[float, ...]:
    distance = x[m - 1 :]
    k = len(distance)
    g = float(np.sum((distance[:k_used] - 0.5) ** 2)) * k / k_used
    angles = x[: m - 1] * math.pi / 2
    values = []
    for i in range(m):
        value = 1.0 + g
        value *= float(np.prod(np.cos(angles[: m - 1 - i])))
        if i > 0:
            value *= math.sin(float(angles[m - 1 - i]))
        values.append(value)
    return tuple(values)


def _dtlz7(m: int, x: np.ndarray, k_used: int) -> tuple[float, ...]:
    distance = x[m - 1 :]
    g = 1.0 + 9.0 * float(np.mean(distance[:k_used]))
    head = x[: m - 1]
    h = m - float(np.sum(head / (1.0 + g) * (1.0 + np.sin(3.0 * math.pi * head))))
    return (*(float(v) for v in head), (1.0 + g) * h)


@dataclass(frozen=True)
class MultiObjectiveProblem:
    """One multi-objective test problem with a fidelity (module docstring).

    Attributes:
        name: ``"zdt1"``, ``"zdt2"``, ``"zdt3"``, ``"zdt4"``, ``"zdt6"``, ``"dtlz1"``,
            ``"dtlz2"`` or ``"dtlz7"``.
        n_variables: Its variables ``x0 .. x{n-1}``, each in [0, 1].
        n_objectives: Its objectives ``f1 .. f{m}``, all minimized; 2 for ZDT.
        reference: The hypervolume's reference point (beyond the objectives' range), one
            coordinate per objective.
        max_resource: The full resource ``R``.
        fidelity: ``"truncated"`` or ``"noise"``.
        noise: The noise's standard deviation at resource 0 (``"noise"`` only).
        seed: Seeds the noise.
    """

    name: str
    n_variables: int
    n_objectives: int
    reference: tuple[float, ...]
    max_resource: int = 27
    fidelity: str = "truncated"
    noise: float = 0.2
    seed: int = 0
    space: Space = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        rules = {
            "name": OneOf(tuple(PROBLEMS)),
            "n_variables": Integer(low=1),
            "n_objectives": Integer(low=1),
            "max_resource": Integer(low=1),
            "fidelity": OneOf(FIDELITIES),
            "noise": Real(low=0),
            "seed": Integer(),
        }
        for name, rule in rules.items():
            check("MultiObjectiveProblem", name, getattr(self, name), rule)
        if self.n_variables <= self.n_objectives:
            raise ConfigError(
                f"The problem needs more variables than objectives; got n_variables="
                f"{self.n_variables}, n_objectives={self.n_objectives}."
            )
        if self.name.startswith("zdt") and self.n_objectives != 2:
            raise ConfigError(
                f"The 'n_objectives' parameter of MultiObjectiveProblem must be 2 for "
                f"{self.name}; got {self.n_objectives}."
            )
        if len(self.reference) != self.n_objectives:
            raise ConfigError(
                f"The 'reference' parameter of MultiObjectiveProblem must have one "
                f"coordinate per objective ({self.n_objectives}); got {self.reference!r}."
            )
        space = Space({f"x{i}": uniform(0.0, 1.0) for i in range(self.n_variables)})
        object.__setattr__(self, "space", space)

    @property
    def objectives(self) -> dict[str, str]:
        """``{"f1": "min", ...}``, as ``rung.tune(objectives=...)`` takes it."""
        return {f"f{i + 1}": "min" for i in range(self.n_objectives)}

    def _vector(self, config: Mapping[str, Any]) -> np.ndarray:
        return np.array([float(config[f"x{i}"]) for i in range(self.n_variables)])

    def _distance_terms(self) -> int:
        return self.n_variables - (1 if self.name.startswith("zdt") else self.n_objectives - 1)

    def evaluate(self, config: Mapping[str, Any], resource: int | None = None) -> dict[str, float]:
        """The objectives at ``resource`` (default: the full resource), by name."""
        resource = self.max_resource if resource is None else int(resource)
        share = min(resource, self.max_resource) / self.max_resource
        x = self._vector(config)
        k = self._distance_terms()
        k_used = k if self.fidelity == "noise" else max(1, math.ceil(k * share))
        values = self._values(x, k_used)
        if self.fidelity == "noise" and share < 1:
            scale = self.noise * (1.0 - share)
            values = tuple(v + scale * self._normal(x, resource, i) for i, v in enumerate(values))
        return {f"f{i + 1}": float(v) for i, v in enumerate(values)}

    def _normal(self, x: np.ndarray, resource: int, i: int) -> float:
        digest = hashlib.blake2b(
            struct.pack(f"<3q{len(x)}d", self.seed, resource, i, *x), digest_size=8
        ).digest()
        u = (int.from_bytes(digest, "little") + 0.5) / 2.0**64
        return _NORMAL.inv_cdf(u)

    def __call__(self, config: Mapping[str, Any], trial: Any) -> None:
        """The iterative objective: reports the objectives at every resource of the job."""
        for resource in range(trial.resource_from + 1, trial.resource_to + 1):
            trial.report(resource, self.evaluate(config, resource))

    def _values(self, x: np.ndarray, k_used: int) -> tuple[float, ...]:
        """The objectives at ``x``, the distance function summed over ``k_used`` terms."""
        if self.name.startswith("zdt"):
            return _zdt(int(self.name[3:]), x, k_used)
        dtlz = {"dtlz1": _dtlz1, "dtlz2": _dtlz2, "dtlz7": _dtlz7}[self.name]
        return dtlz(self.n_objectives, x, k_used)

    def front(self, n: int = 200) -> np.ndarray:
        """Points of the true Pareto front, shape ``(≈n, n_objectives)`` (for plots and the
        hypervolume the front reaches)."""
        m = self.n_objectives
        n_head = 1 if self.name.startswith("zdt") else m - 1  # the variables along the front
        side = max(2, int(round(n ** (1 / n_head))))
        axes = np.meshgrid(*[np.linspace(0, 1, side)] * n_head)
        heads = np.column_stack([a.ravel() for a in axes])
        optimum = 0.5 if self.name in ("zdt4", "dtlz1", "dtlz2") else 0.0
        tail = np.full(self.n_variables - n_head, optimum)
        points = np.array([self._values(np.r_[h, tail], 1) for h in heads])
        # ZDT3's and DTLZ7's fronts are the non-dominated parts of these curves and
        # surfaces; on the others every point is non-dominated.
        return points[non_dominated(points)]


def zdt1(**kwargs: Any) -> MultiObjectiveProblem:
    """ZDT1 (convex front), 8 variables unless told otherwise."""
    return MultiObjectiveProblem(
        "zdt1", **{"n_variables": 8, "n_objectives": 2, "reference": (1.1, 11.0), **kwargs}
    )


def zdt2(**kwargs: Any) -> MultiObjectiveProblem:
    """ZDT2 (concave front), 8 variables unless told otherwise."""
    return MultiObjectiveProblem(
        "zdt2", **{"n_variables": 8, "n_objectives": 2, "reference": (1.1, 11.0), **kwargs}
    )


def zdt3(**kwargs: Any) -> MultiObjectiveProblem:
    """ZDT3 (a front in five pieces), 8 variables unless told otherwise."""
    return MultiObjectiveProblem(
        "zdt3", **{"n_variables": 8, "n_objectives": 2, "reference": (1.1, 11.0), **kwargs}
    )


def zdt4(**kwargs: Any) -> MultiObjectiveProblem:
    """ZDT4 (ZDT1's front, 21^7 local fronts), 8 variables unless told otherwise.

    The reference's second coordinate, 150, lies beyond ``g`` of most random
    configurations (median 129 with 8 variables), so that the hypervolume measures the
    way down to the front and not only its last stretch.
    """
    return MultiObjectiveProblem(
        "zdt4", **{"n_variables": 8, "n_objectives": 2, "reference": (1.1, 150.0), **kwargs}
    )


def zdt6(**kwargs: Any) -> MultiObjectiveProblem:
    """ZDT6 (a non-uniform, concave front), 8 variables unless told otherwise."""
    return MultiObjectiveProblem(
        "zdt6", **{"n_variables": 8, "n_objectives": 2, "reference": (1.1, 11.0), **kwargs}
    )


def _dtlz(
    name: str, reference: Callable[[int], tuple[float, ...]], kwargs: dict[str, Any]
) -> MultiObjectiveProblem:
    """A DTLZ problem, 3 objectives and 7 variables unless told otherwise, with the
    reference point ``reference(M)`` for its number of objectives ``M``."""
    m = kwargs.get("n_objectives", 3)
    usable = isinstance(m, int) and not isinstance(m, bool) and m >= 1  # else refused below
    defaults = {"n_variables": 7, "n_objectives": 3, "reference": reference(m if usable else 3)}
    return MultiObjectiveProblem(name, **{**defaults, **kwargs})


def dtlz1(**kwargs: Any) -> MultiObjectiveProblem:
    """DTLZ1 (a simplex behind 11^k - 1 local fronts), 3 objectives and 7 variables unless
    told otherwise.

    The reference point, 100 in each objective, lies beyond the best of a few hundred
    random configurations (``g`` of 100 puts ``Σ f_i`` at 50.5), so that the hypervolume
    measures the way down to the front; at BoTorch's 400 every run's hypervolume would
    be within a percent of the front's. It follows the number of objectives.
    """
    return _dtlz("dtlz1", lambda m: (100.0,) * m, kwargs)


def dtlz2(**kwargs: Any) -> MultiObjectiveProblem:
    """DTLZ2 (a sphere's orthant), 3 objectives and 7 variables unless told otherwise; the
    reference, 2.5 in each objective, follows the number of objectives."""
    return _dtlz("dtlz2", lambda m: (2.5,) * m, kwargs)


def dtlz7(**kwargs: Any) -> MultiObjectiveProblem:
    """DTLZ7 (a front in 2^(M-1) pieces), 3 objectives and 7 variables unless told
    otherwise; the reference, 1.1 in each ``x``-like objective and 5 M in the last (``f_M``
    reaches ``(1 + g) M`` with ``g`` up to 10), follows the number of objectives."""
    return _dtlz("dtlz7", lambda m: (1.1,) * (m - 1) + (5.0 * m,), kwargs)


PROBLEMS = {
    "zdt1": zdt1, "zdt2": zdt2, "zdt3": zdt3, "zdt4": zdt4, "zdt6": zdt6,
    "dtlz1": dtlz1, "dtlz2": dtlz2, "dtlz7": dtlz7,
}  # fmt: skip
