"""Example 4 of the seed notebook: Bayesian optimization (a Gaussian process with Expected
Improvement) of the RBF-kernel SVM's C and gamma, then of the linear SVM's alpha and
l1_ratio; 15 trials x 10 epochs each, the first 5 random.

    rung tune --model svm --searcher bo --n-init 5 --scheduler fifo --trials 15 \\
        --max-epochs 10 --space examples/spaces/svm_c_gamma.toml
    rung tune --model sgd --searcher bo --n-init 5 --scheduler fifo --trials 15 \\
        --max-epochs 10 --space examples/spaces/sgd_alpha_l1.toml

Usage: python examples/example4_bo_svm_sgd.py [--quick] [--out DIR] [rung tune flags]
"""

import sys

from notebook import run

if __name__ == "__main__":
    sys.exit(run("example4"))
