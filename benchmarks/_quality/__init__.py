"""The parts of ``benchmarks/quality.py``: tasks, problems, methods, the peers' simulated
clock, and the scoring (any-time regret, mean ranks)."""
