"""BrowserGym's ``value`` attributes in our ``dom_object``: written where and as BrowserGym's own
marking script writes them, compared with browsergym-core's own capture of the same page."""

from __future__ import annotations

import re
from pathlib import Path

from palaestra.envs import BrowserEnv
from palaestra.envs.browsergym_compat import BrowserGymObservation
from palaestra.tasks.page import PageTask
from tests.envs.browsergym_reading import (
    ids_by_dom_id,
    read_with_browsergym,
    read_with_browsergyms_own_capture,
    start_tags,
)

VALUES = (Path(__file__).parent / "pages" / "values.html").as_uri()


def test_values_are_written_where_and_as_browsergym_writes_them() -> None:
    """BrowserGym writes each element's ``value`` property as an attribute before its snapshot:
    buttons, list items, options, selects, progress bars, meters, outputs too. Ours, worked out
    from our snapshot, print as BrowserGym's own capture of the same page prints them."""
    task = PageTask(VALUES, "Read the values.")
    env = BrowserGymObservation(BrowserEnv(task))
    try:
        obs, _ = env.reset()
        ours = read_with_browsergym(obs, task.viewport)
        theirs = read_with_browsergyms_own_capture(VALUES)
        assert start_tags(ours["bare_dom_txt"]) == start_tags(theirs["dom_txt"])
        unbid = re.compile(r' bid="\w+"')
        assert unbid.sub("", ours["bare_dom_txt"]) == unbid.sub("", theirs["dom_txt"])
        assert unbid.sub("", ours["bare_pruned_html"]) == unbid.sub("", theirs["pruned_html"])
        # The AXTree too, but for what BrowserGym's writes do to the live page, which ours leave
        # alone: value="0" renumbers an ordered list's items that had none, and makes an
        # indeterminate progress bar a determinate one at 0. (Chromium's InlineTextBox nodes we drop.)
        unmarked = re.compile(r"\[\w+\] ")
        mine, its = (
            [unmarked.sub("", line) for line in text.splitlines() if "InlineTextBox" not in line]
            for text in (ours["bare_axtree_txt"], theirs["axtree_txt"])
        )
        assert len(mine) == len(its)
        assert [(a.strip(), b.strip()) for a, b in zip(mine, its, strict=True) if a != b] == [
            ("ListMarker '1.'", "ListMarker '0.'"), ("ListMarker '4.'", "ListMarker '0.'"),
            ("ListMarker '5.'", "ListMarker '0.'"),
            ("progressbar '', valuemin=0, valuemax=1, valuetext=''",
             "progressbar '' value=0, valuemin=0, valuemax=1, valuetext=''"),
        ]  # fmt: skip
        tags = start_tags(ours["bare_dom_txt"])
        layouts = [document["layout"] for document in obs["dom_object"]["documents"]]
        assert all(styles == [] for layout in layouts for styles in layout["styles"])  # BrowserGym asks none
        assert tags["plain"] == '<button id="plain" value="">' and tags["li-lenient"].endswith('value="3">')
        assert tags["opt-text"] == '<option id="opt-text" value="Two words here">'
        assert tags["pick"] == '<select id="pick" value="v2">' and tags["out"].endswith('value="res ult">')
        assert tags["pr-small"].endswith('value="1e-7">') and tags["me-low"].endswith('value="5">')
        # Its script walks open shadow roots only: nothing is written in a closed one.
        assert (
            tags["open-button"].endswith('value="">')
            and tags["closed-button"] == '<button id="closed-button">'
        )
        ids = ids_by_dom_id(env)  # what the agent chooses shows at the next step
        obs, *_ = env.step(f"select_option('{ids['pick']}', 'Fourth')")
        tags = start_tags(read_with_browsergym(obs, task.viewport)["bare_dom_txt"])
        assert tags["pick"] == '<select id="pick" value="Fourth">'
    finally:
        env.close()
