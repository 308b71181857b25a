"""Workloads to tune: synthetic test functions, and PyTorch models on Fashion-MNIST."""
