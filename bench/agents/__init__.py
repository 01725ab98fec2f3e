"""Agents: `python -m bench.agents.memory_agent`, `.synapse_llm`, `.abstraction`, `.fuzzy_match`."""
