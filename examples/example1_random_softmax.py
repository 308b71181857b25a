"""Example 1 of the seed notebook: random search on softmax regression, 10 trials x 10
epochs, starting from learning_rate=0.1, batch_size=128.

    rung tune --model softmax --searcher random --scheduler fifo --trials 10 \\
        --max-epochs 10 --initial-config learning_rate=0.1,batch_size=128

Usage: python examples/example1_random_softmax.py [--quick] [--out DIR] [rung tune flags]
"""

import sys

from notebook import run

if __name__ == "__main__":
    sys.exit(run("example1"))
