"""Benchmarks: `python -m bench {ingest,latency,cold,scale,all}` (or `regqa bench ...`); each prints a table
and writes JSON under bench/results/."""
