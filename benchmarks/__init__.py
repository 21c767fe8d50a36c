"""Benchmark scripts (not tests): dataset generator, load and throughput, query counts. See RESULTS.md."""
