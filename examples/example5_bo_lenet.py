"""Example 5 of the seed notebook: Bayesian optimization of LeNet, 15 trials x 10 epochs,
the first 5 random.

    rung tune --model lenet --searcher bo --n-init 5 --scheduler fifo --trials 15 \\
        --max-epochs 10

Usage: python examples/example5_bo_lenet.py [--quick] [--out DIR] [rung tune flags]
"""

import sys

from notebook import run

if __name__ == "__main__":
    sys.exit(run("example5"))
