"""Palaestra: train, evaluate and debug LLM agents on real computer tasks.

Importing the package registers every task suite with Gymnasium, so that
``gym.make("palaestra/miniwob.click-test")`` works after ``import palaestra``.
"""

from palaestra.tasks.registry import register_gymnasium_envs

__version__ = "0.1.0"

register_gymnasium_envs()
