"""Example 2 of the seed notebook: synchronous successive halving on LeNet, eta 2, rungs at
5, 10 and 20 epochs, 10 trials. LeNet's default space (rung.workloads.spaces) is where it
leaves chance level within the first rung; the notebook's own is
examples/spaces/lenet_notebook.toml.

    rung tune --model lenet --searcher random --scheduler sh --eta 2 \\
        --min-epochs 5 --max-epochs 20 --trials 10

Usage: python examples/example2_sh_lenet.py [--quick] [--out DIR] [rung tune flags]
"""

import sys

from notebook import run

if __name__ == "__main__":
    sys.exit(run("example2"))
