"""The benchmarks of ``quality.py``, by name.

* ``mfh3``, ``mfh6`` (well-correlated low fidelities: Spearman's rho between fidelity 3
  and 100 is 0.99 and 0.89 over random configurations), ``mfh3_bad``, ``mfh6_bad``
  (badly: -0.04 at fidelity 3, 0.22 and 0.15 at 11), and ``mfh3_good``, ``mfh6_good``
  (in between, despite the name: 0.19 and 0.07 at 3): mf-prior-bench's MF-Hartmann
  presets (:mod:`rung.workloads.mf_hartmann`), fidelities 3..100, with its cost model
  (one full evaluation: 100 simulated seconds, fidelity 3: 5.1 s).
* ``branin``, ``hartmann6``: the single-fidelity functions, which multi-fidelity methods
  run through :class:`rung.workloads.synthetic.MultiFidelity` (biased, noisy values below
  27 epochs, the function itself at 27; one simulated second per epoch after a start-up
  of 5 %).
* ``categorical``: eight ``choice`` parameters of four values each (65,536
  configurations), additive effects plus weaker pairwise ones (a stand-in for
  architecture and optimizer choices), through the same ``MultiFidelity`` wrapper; not
  in the default grid (``--problems categorical``).
* ``mixed``: three reals, a ``choice`` of four kinds and an integer depth; each kind has
  its own narrow bump of its own height at its own place, and its own best depth (a
  stand-in for "which model, then its settings"); through the same wrapper, not in the
  default grid (``--problems mixed``).
* ``ackley5``, ``levy4``, ``rosenbrock4``, ``styblinski_tang4``, ``michalewicz5``,
  ``rastrigin3``, ``griewank4``: the continuous functions of ``benchmarks/classic.py``
  through the same wrapper; none of rung's defaults was chosen on them, so they are the
  held-out set (``--problems``, not in the default grid). The wrapper's bias and noise
  are of a fixed size, so how well low fidelities rank configurations differs from one
  to the next with the function's own range.
* ``fmnist-softmax``, ``fmnist-sgd``, ``fmnist-svm``, ``fmnist-lenet``: learning curves
  of rung's own Fashion-MNIST models, recorded by ``benchmarks/record_curves.py`` into
  ``benchmarks/data/`` and replayed with their measured seconds
  (:mod:`rung.workloads.tabular`).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

import numpy as np

from _quality.tasks import Problem
from rung.space import Space, choice, randint, uniform
from rung.workloads.registry import benchmark_by_name
from rung.workloads.simulated import with_cost
from rung.workloads.synthetic import BRANIN, HARTMANN6, MultiFidelity, SyntheticFunction
from rung.workloads.tabular import TabularBenchmark, read_table

DATA = Path(__file__).resolve().parent.parent / "data"
SYNTHETIC_EPOCHS = 27


def _mf_hartmann(name: str) -> Problem:
    bench = benchmark_by_name(name)
    return Problem(
        name, bench, bench.space, bench.min_resource, bench.max_resource, bench.optimum,
        bench.seconds_to(bench.max_resource),
    )  # fmt: skip


def categorical(n: int = 8, k: int = 4, interaction: float = 0.3, seed: int = 3):
    """``n`` choices of ``k`` values: standard normal effects of each value, plus
    ``interaction`` times standard normal effects of each pair of values."""
    rng = np.random.default_rng(seed)
    main, pair = rng.normal(size=(n, k)), interaction * rng.normal(size=(n, n, k, k))
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]

    def fn(*x: int) -> float:
        return float(
            sum(main[i, x[i]] for i in range(n)) + sum(pair[i, j, x[i], x[j]] for i, j in pairs)
        )

    every = np.array(list(itertools.product(range(k), repeat=n)))
    values = main[np.arange(n), every].sum(axis=1)
    for i, j in pairs:
        values += pair[i, j, every[:, i], every[:, j]]
    space = Space({f"op{i}": choice(list(range(k))) for i in range(n)})
    return SyntheticFunction("categorical", space, float(values.min()), fn)


def mixed(seed: int = 11) -> SyntheticFunction:
    """Kind ``k`` of four: ``-h_k exp(-8 |x - c_k|²) + 0.05 (depth - 3 - k)²`` over three
    reals ``x`` in [0, 1], heights ``h = (0.5, 1, 1.5, 2.5)`` and random centres ``c_k``;
    the best is kind 3 at its centre with depth 6 (-2.5)."""
    centres = np.random.default_rng(seed).random((4, 3))
    heights = (0.5, 1.0, 1.5, 2.5)

    def fn(x0: float, x1: float, x2: float, kind: int, depth: int) -> float:
        distance = float(np.sum((np.array([x0, x1, x2]) - centres[kind]) ** 2))
        return -heights[kind] * float(np.exp(-8 * distance)) + 0.05 * (depth - 3 - kind) ** 2

    space = Space(
        {
            "x0": uniform(0, 1), "x1": uniform(0, 1), "x2": uniform(0, 1),
            "kind": choice([0, 1, 2, 3]), "depth": randint(1, 9),
        }
    )  # fmt: skip
    return SyntheticFunction("mixed", space, -2.5, fn)


def classic(name: str) -> SyntheticFunction:
    """The continuous function ``name`` of ``benchmarks/classic.py``."""
    import classic as functions  # benchmarks/, beside quality.py

    box = functions.PROBLEMS[name]
    space = Space({f"x{i}": uniform(box.low, box.high) for i in range(box.d)})
    return SyntheticFunction(name, space, box.minimum, lambda *x: box.at(np.array(x)))


#: The held-out functions (the module docstring).
HELD_OUT = (
    "ackley5", "levy4", "rosenbrock4", "styblinski_tang4", "michalewicz5", "rastrigin3",
    "griewank4",
)  # fmt: skip


def _synthetic(name: str) -> Problem:
    functions = {"branin": BRANIN, "hartmann6": HARTMANN6}
    built = {"categorical": categorical, "mixed": mixed}
    function = functions.get(name) or (classic(name) if name in HELD_OUT else built[name]())
    bench = with_cost(MultiFidelity(function, max_resource=SYNTHETIC_EPOCHS))
    return Problem(
        name, bench, bench.space, 1, bench.max_resource, bench.optimum,
        bench.seconds_to(bench.max_resource),
    )  # fmt: skip


def tabular(name: str, data: Path = DATA) -> Problem:
    """A recorded table ``data/<name>.csv.gz`` as a problem."""
    bench = TabularBenchmark(read_table(data / f"{name}.csv.gz"))
    return Problem(
        name, bench, bench.space, 1, bench.max_resource, bench.optimum, bench.mean_full_seconds
    )


PROBLEMS: dict[str, Callable[[], Problem]] = {
    **{
        name: (lambda name=name: _mf_hartmann(name))
        for name in ("mfh3", "mfh6", "mfh3_good", "mfh3_bad", "mfh6_good", "mfh6_bad")
    },
    "branin": lambda: _synthetic("branin"),
    "hartmann6": lambda: _synthetic("hartmann6"),
    "categorical": lambda: _synthetic("categorical"),
    "mixed": lambda: _synthetic("mixed"),
    **{name: (lambda name=name: _synthetic(name)) for name in HELD_OUT},
    **{
        f"fmnist-{model}": (lambda model=model: tabular(f"fmnist-{model}"))
        for model in ("softmax", "sgd", "svm", "lenet")
    },
}


def problem(name: str) -> Problem:
    """The problem called ``name``.

    Raises:
        KeyError: an unknown name (the message lists the known ones).
    """
    if name not in PROBLEMS:
        raise KeyError(f"Unknown benchmark {name!r}; choose from {sorted(PROBLEMS)}.")
    return PROBLEMS[name]()
