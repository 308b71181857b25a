"""Example 3 of the seed notebook: ASHA on LeNet, eta 2, rungs at 5, 10 and 20 epochs, 20
trials; promotions resume from checkpoints and no worker waits for a rung.

    rung tune --model lenet --searcher random --scheduler asha --eta 2 \\
        --min-epochs 5 --max-epochs 20 --trials 20

Usage: python examples/example3_asha_lenet.py [--quick] [--out DIR] [rung tune flags]
"""

import sys

from notebook import run

if __name__ == "__main__":
    sys.exit(run("example3"))
