"""The foreign agents, recording each view they are handed, for the tests of views over the server.

Runs play episodes in spawned workers, where a test's patches do not reach: these subclasses are
named by import path (the tests put this folder on `sys.path`, which spawned workers inherit), and
append each view, as the wire encodes it, to the JSON-lines file ``$PALAESTRA_TEST_SEEN_VIEWS``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

from palaestra.agents.foreign.agentlab_agent import AgentLabAgent, AgentLabConfig
from palaestra.agents.foreign.osworld_agent import OSWorldPromptAgent, OSWorldPromptConfig
from palaestra.server.view_wire import views_json
from palaestra.server.wire import dumps

SEEN = "PALAESTRA_TEST_SEEN_VIEWS"


def _record(views: Mapping[str, Any]) -> None:
    with open(os.environ[SEEN], "a", encoding="utf-8") as out:
        out.write(dumps(views_json(views)) + "\n")


def seen_views(path: str) -> list[dict[str, Any]]:
    """What `_record` wrote, as JSON (decode each with `view_from_json`)."""
    with open(path, encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


class RecordingAgentLab(AgentLabAgent):
    config_cls = AgentLabConfig

    def see_views(self, views: Mapping[str, Any]) -> None:
        _record(views)
        super().see_views(views)


class RecordingOSWorldPrompt(OSWorldPromptAgent):
    config_cls = OSWorldPromptConfig

    def see_views(self, views: Mapping[str, Any]) -> None:
        _record(views)
        super().see_views(views)
