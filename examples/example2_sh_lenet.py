"""Example 2: synchronous successive halving on LeNet."""

from _common import arguments, objective, report
from rung.workloads.models import get_model

import rung

if __name__ == "__main__":
    args = arguments(__doc__)
    min_epochs, max_epochs = (1, 2) if args.quick else (2, 10)
    result = rung.tune(
        objective("lenet", args),
        get_model("lenet").default_space,
        searcher="random",
        scheduler="sh",
        min_resource=min_epochs,
        max_resource=max_epochs,
        eta=2,
        max_trials=2 if args.quick else 16,
        seed=args.seed,
    )
    report("lenet", result, max_epochs, args)
