"""Agents: the interface, the registry, and the built-in agents."""

from palaestra.agents.base import Agent, AgentStep, TaskInfo
from palaestra.agents.registry import AgentSpec, list_agents, make_agent, register_agent

__all__ = ["Agent", "AgentSpec", "AgentStep", "TaskInfo", "list_agents", "make_agent", "register_agent"]
