"""What BrowserGym-shaped observations are compared by: the same dict (`assert_identical`), or the
same page observed by two browsers (`same_page_in_two_browsers`)."""

from __future__ import annotations

from typing import Any

import numpy as np

#: Chromium's own ids, numbered by each browser in its own order (and a frame's id random): the
#: same page in two browsers differs in them, and nothing BrowserGym's readers print shows them.
CHROMIUM_IDS = ("nodeId", "parentId", "childIds", "backendDOMNodeId", "frameId")


def same_page_in_two_browsers(served: dict[str, Any], local: dict[str, Any]) -> None:
    """``served`` and ``local`` are BrowserGym's dicts of the same page state, observed by two
    browsers: equal but for Chromium's ids and the timing (chat timestamps, elapsed time, and
    MiniWoB++'s countdown, which is page text in the DOM snapshot)."""
    assert list(served) == list(local)
    for name in (
        "goal", "goal_object", "open_pages_urls", "open_pages_titles", "url",
        "extra_element_properties", "focused_element_bid", "last_action", "last_action_error",
    ):  # fmt: skip
        assert served[name] == local[name], name
    for name in ("active_page_index", "screenshot", "elapsed_time"):
        assert (served[name].dtype, served[name].shape) == (local[name].dtype, local[name].shape), name
    assert np.array_equal(served["active_page_index"], local["active_page_index"])
    untimed = [
        [{k: v for k, v in m.items() if k != "timestamp"} for m in obs["chat_messages"]]
        for obs in (served, local)
    ]
    assert untimed[0] == untimed[1] and isinstance(served["chat_messages"], tuple)

    def ax_nodes(obs: dict[str, Any]) -> list[dict[str, Any]]:
        return [{k: v for k, v in n.items() if k not in CHROMIUM_IDS} for n in obs["axtree_object"]["nodes"]]

    assert ax_nodes(served) == ax_nodes(local)
    documents = [obs["dom_object"]["documents"][0]["nodes"] for obs in (served, local)]
    for field in ("parentIndex", "nodeType", "nodeName", "attributes"):
        assert documents[0][field] == documents[1][field], field


def assert_identical(got: dict[str, Any], made: dict[str, Any]) -> None:
    """Every key of the same value and type (arrays: dtype, shape and elements)."""
    assert list(got) == list(made)
    for name, value in made.items():
        assert type(got[name]) is type(value), name
        if isinstance(value, np.ndarray):
            assert (got[name].dtype, got[name].shape) == (value.dtype, value.shape), name
            assert np.array_equal(got[name], value), name
        else:
            assert got[name] == value, name
