"""Steps of the benchmark dataset (``benchmarks/dataset.py``): one module per package, each with ``generate(ctx)``."""
