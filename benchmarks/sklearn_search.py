"""RungSearchCV beside HalvingRandomSearchCV and RandomizedSearchCV, on the same budget.

Each data set ships with scikit-learn (digits, breast cancer, wine; diabetes for
regression). For every seed it is split 75/25 into a training set, searched with 3-fold
cross-validation, and a test set on which the refit best estimator is scored (accuracy,
or R^2). The estimator is a scaled RBF SVC (SVR for diabetes) over C and gamma (and
epsilon), log-uniform.

Budget: what ``RandomizedSearchCV(n_iter=10)`` spends, 10 candidates on all the
training samples. The successive-halving searches start ``n`` candidates at ``r0``
samples (scikit-learn's 'smallest': 2 x folds x classes) with eta 3, so each of their
``L`` rungs costs about ``n * r0``: ``n = 10 * N / (r0 * L)`` candidates give them the
same budget. The table reports the budget each method actually used (samples fit,
summed over the rows of ``cv_results_``, in units of the training set) and its wall
time; all methods run one after another within each seed, so they share the machine's
load.

Usage: python benchmarks/sklearn_search.py [--seeds 5] [--datasets digits,wine,...]
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
from scipy.stats import loguniform
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits, load_wine
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.model_selection import HalvingRandomSearchCV, RandomizedSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC, SVR

from rung.schedulers.rungs import rung_levels
from rung.sklearn import RungSearchCV

DATASETS: dict[str, tuple[Callable[..., Any], bool]] = {
    "digits": (load_digits, True),
    "breast_cancer": (load_breast_cancer, True),
    "wine": (load_wine, True),
    "diabetes": (load_diabetes, False),
}
CV, ETA, N_ITER = 3, 3, 10


def _space(classifier: bool) -> dict[str, Any]:
    space = {"svc__C": loguniform(1e-2, 1e3), "svc__gamma": loguniform(1e-4, 1e0)}
    if classifier:
        return space
    return {
        "svr__C": loguniform(1e-1, 1e3),
        "svr__gamma": loguniform(1e-4, 1e0),
        "svr__epsilon": loguniform(1e-2, 1e1),
    }


def _methods(classifier: bool, n_train: int, n_classes: int, seed: int) -> dict[str, Any]:
    estimator = make_pipeline(StandardScaler(), SVC() if classifier else SVR())
    space = _space(classifier)
    r0 = 2 * CV * (n_classes if classifier else 1)
    levels = rung_levels(r0, n_train, ETA)
    n = max(1, round(N_ITER * n_train / (r0 * len(levels))))
    halving = {"min_resources": r0, "max_resources": n_train}
    return {
        "RandomizedSearchCV": RandomizedSearchCV(
            estimator, space, n_iter=N_ITER, cv=CV, random_state=seed
        ),
        "HalvingRandomSearchCV": HalvingRandomSearchCV(
            estimator, space, n_candidates=n, factor=ETA, cv=CV, random_state=seed, **halving
        ),
        "RungSearchCV asha": RungSearchCV(
            estimator, space, max_trials=n, eta=ETA, cv=CV, random_state=seed, **halving
        ),
        "RungSearchCV asha+bo": RungSearchCV(
            estimator,
            space,
            searcher="bo",
            max_trials=n,
            eta=ETA,
            cv=CV,
            random_state=seed,
            **halving,
        ),
    }


def _budget(search: Any, n_train: int) -> float:
    """Samples fit over all evaluations (one fold's worth each), in training sets."""
    results = search.cv_results_
    resources = results.get("n_resources", np.full(len(results["params"]), n_train))
    return float(np.sum(resources)) / n_train


def run(datasets: list[str], seeds: int) -> dict[tuple[str, str], list[tuple[float, float, float]]]:
    rows: dict[tuple[str, str], list[tuple[float, float, float]]] = {}
    for name in datasets:
        load, classifier = DATASETS[name]
        X, y = load(return_X_y=True)
        for seed in range(seeds):
            split = train_test_split(
                X, y, test_size=0.25, random_state=seed, stratify=y if classifier else None
            )
            X_train, X_test, y_train, y_test = split
            n_classes = len(np.unique(y_train)) if classifier else 1
            for method, search in _methods(classifier, len(X_train), n_classes, seed).items():
                start = time.perf_counter()
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    search.fit(X_train, y_train)
                seconds = time.perf_counter() - start
                score = search.score(X_test, y_test)
                rows.setdefault((name, method), []).append(
                    (score, seconds, _budget(search, len(X_train)))
                )
                print(
                    f"{name:>13} seed {seed} {method:<22} test {score:.4f} "
                    f"{seconds:6.2f} s budget {_budget(search, len(X_train)):.1f}",
                    flush=True,
                )
    return rows


def table(rows: dict[tuple[str, str], list[tuple[float, float, float]]]) -> str:
    lines = [
        "| data set | method | test score (mean ± sd) | wall time, s (median) "
        "| budget (training sets) |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    for (name, method), values in rows.items():
        scores, seconds, budgets = zip(*values, strict=True)
        sd = statistics.stdev(scores) if len(scores) > 1 else 0.0
        lines.append(
            f"| {name} | {method} | {statistics.mean(scores):.4f} ± {sd:.4f} | "
            f"{statistics.median(seconds):.2f} | {statistics.mean(budgets):.1f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--datasets", default=",".join(DATASETS))
    args = parser.parse_args()
    rows = run(args.datasets.split(","), args.seeds)
    print()
    print(table(rows))


if __name__ == "__main__":
    main()
