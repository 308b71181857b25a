"""Example 1: random search on softmax regression (every trial trains to the full budget)."""

from _common import arguments, objective, report
from rung.workloads.models import get_model

import rung

if __name__ == "__main__":
    args = arguments(__doc__)
    epochs = 1 if args.quick else 10
    result = rung.tune(
        objective("softmax", args),
        get_model("softmax").default_space,
        searcher="random",
        scheduler="fifo",
        max_resource=epochs,
        max_trials=2 if args.quick else 20,
        seed=args.seed,
        initial_config={"learning_rate": 0.1, "batch_size": 128},
    )
    report("softmax", result, epochs, args)
