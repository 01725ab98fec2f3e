"""Speed and memory: `python -m bench.speed.env_speed`, `bench.speed.runner`, `bench.speed.memory_speed`."""
