"""Agents written for other platforms, run unchanged in their own virtual environments.

AgentLab's ``GenericAgent`` (`agentlab_agent`) and OSWorld's ``PromptAgent`` (`osworld_agent`) pin packages
Palaestra cannot share (Playwright 1.44; OSWorld's own SDK set), so each runs in a side venv that
``scripts/setup`` makes, in one process per agent instance (`process.SideProcess`), asked for one
action per step over JSON lines. The drivers (``*_driver.py``) run in those venvs and import
nothing of Palaestra's.
"""
