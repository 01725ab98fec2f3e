"""Benchmarks of Palaestra against reference environments (run them as ``python -m bench.<name>``)."""
