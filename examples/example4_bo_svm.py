"""Example 4: Bayesian optimization (GP + Expected Improvement) of the RBF-kernel SVM."""

from _common import arguments, objective, report
from rung.workloads.models import get_model

import rung

if __name__ == "__main__":
    args = arguments(__doc__)
    epochs = 1 if args.quick else 5
    result = rung.tune(
        objective("svm", args),
        get_model("svm").default_space,
        searcher="bo",
        scheduler="fifo",
        max_resource=epochs,
        n_init=2 if args.quick else 5,
        max_trials=3 if args.quick else 20,
        seed=args.seed,
    )
    report("svm", result, epochs, args)
