"""Example 5: Bayesian optimization of the linear SVM ("sgd") and of LeNet."""

from _common import arguments, objective, report
from rung.workloads.models import get_model

import rung

if __name__ == "__main__":
    args = arguments(__doc__)
    for model, epochs, trials in (("sgd", 5, 20), ("lenet", 9, 12)):
        if args.quick:
            epochs, trials = 1, 3
        result = rung.tune(
            objective(model, args),
            get_model(model).default_space,
            searcher="bo",
            scheduler="fifo",
            max_resource=epochs,
            n_init=2 if args.quick else 5,
            max_trials=trials,
            seed=args.seed,
        )
        report(model, result, epochs, args)
