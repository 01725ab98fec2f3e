"""Agents: `python -m bench.agents.memory_agent` (success on unseen seeds), `bench.agents.abstraction`."""
