"""Scripted solutions ("oracles") for MiniWoB++ tasks, written against the public action API.

An oracle sees only what an agent sees: the observation (goal, elements, axtree, dom, screenshot).
It never reads the page's hidden state or the task's code. Each oracle is a generator: it yields an
action string and receives the next observation::

    @oracle("click-button")
    def click_button(obs):
        name = quoted(obs["goal"])[0]
        obs = yield f"click('{find(obs, tag='button', text=name).id}')"

They test the environment end to end and, later, are the source of demonstrations.
"""

from palaestra.tasks.miniwob.oracles.base import ORACLES, Oracle, oracle, run_oracle

# Importing the modules registers their oracles.
from palaestra.tasks.miniwob.oracles import basic as _basic  # noqa: F401  # isort: skip
from palaestra.tasks.miniwob.oracles import forms as _forms  # noqa: F401  # isort: skip
from palaestra.tasks.miniwob.oracles import clicking as _clicking  # noqa: F401  # isort: skip
from palaestra.tasks.miniwob.oracles import geometry as _geometry  # noqa: F401  # isort: skip

__all__ = ["ORACLES", "Oracle", "oracle", "run_oracle"]
