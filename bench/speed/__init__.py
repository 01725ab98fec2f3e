"""Speed and memory: `python -m bench.speed.env_speed`, `.desktop`, `.runner`, `.memory_speed` and
`.llm_throughput`."""
