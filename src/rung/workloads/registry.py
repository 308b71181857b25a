"""The simulated benchmarks by name, for ``rung simulate`` and :mod:`rung.simulation`.

Kept apart from the benchmarks' own modules, which it imports (and which import
:mod:`rung.workloads.simulated`), so that imports run one way.
"""

from __future__ import annotations

from rung.errors import ConfigError
from rung.workloads.mf_hartmann import Correlation, mfh3, mfh6
from rung.workloads.simulated import SimulatedBenchmark, with_cost
from rung.workloads.synthetic import MultiFidelity, by_name

__all__ = ["BENCHMARKS", "benchmark_by_name"]

_MF_HARTMANN = {
    preset.benchmark_name(dims): (dims, preset) for dims in (3, 6) for preset in Correlation
}
#: Every name :func:`benchmark_by_name` knows.
BENCHMARKS = (*_MF_HARTMANN, "mf-toy", "mf-branin", "mf-hartmann6")


def benchmark_by_name(name: str, max_resource: int | None = None) -> SimulatedBenchmark:
    """A simulated benchmark by name.

    ``mfh3`` and ``mfh6`` are mf-prior-bench's MF-Hartmann (:mod:`rung.workloads.mf_hartmann`,
    fidelities up to 100), and ``mfh3_good``, ``mfh6_bad``... its variants with
    worse-correlated low fidelities (:class:`~rung.workloads.mf_hartmann.Correlation`);
    ``mf-toy``, ``mf-branin`` and ``mf-hartmann6`` are the
    :class:`~rung.workloads.synthetic.MultiFidelity` functions with
    :func:`~rung.workloads.simulated.with_cost`'s cost model (one simulated second per
    epoch after a start-up; 81 epochs by default).

    Args:
        name: One of :data:`BENCHMARKS`.
        max_resource: The full resource of an ``mf-*`` benchmark (default 81); MF-Hartmann
            is defined up to fidelity 100 only.

    Raises:
        ConfigError: unknown name, or a max_resource the benchmark cannot have.

    Example:
        >>> benchmark_by_name("mfh6_bad").name, benchmark_by_name("mf-branin", 27).max_resource
        ('mfh6_bad', 27)
    """
    if name in _MF_HARTMANN:
        if max_resource not in (None, 100):
            raise ConfigError(
                f"The {name!r} benchmark's full resource is fidelity 100; got "
                f"max_resource={max_resource!r}."
            )
        dims, preset = _MF_HARTMANN[name]
        return (mfh3 if dims == 3 else mfh6)(correlation=preset)
    if name.startswith("mf-") and name in BENCHMARKS:
        top = 81 if max_resource is None else max_resource
        return with_cost(MultiFidelity(by_name(name[3:]), max_resource=top))
    raise ConfigError(f"The 'benchmark' must be one of {list(BENCHMARKS)}; got {name!r}.")
