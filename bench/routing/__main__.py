"""`python -m bench.routing`: see `bench/routing/benchmark.py`."""

from bench.routing.benchmark import main

raise SystemExit(main())
