"""LibreOffice Impress on the real desktop: the first observation waits for the slide pane (Impress
fills it a moment after showing the slide), the tree shows the slide's text frames and their
paragraphs where their text is drawn (a centred title's box is its text's, not its frame's left),
element ids of Impress's own drawing land (a thumbnail's click shows its slide, a paragraph's click
edits its text), and Impress started without a file shows a new presentation, not its template
dialog. Two episodes: a LibreOffice start costs seconds."""

from __future__ import annotations

import random

from palaestra.envs.desktop import DesktopEnv
from palaestra.tasks.base import Evaluation
from palaestra.tasks.desktop.base import DesktopOutcome, DesktopSetup, DesktopTask, verdict
from palaestra.tasks.desktop.osworld import BUNDLED, load_folder

from .test_desktop_office import element, inside


class NewPresentation(DesktopTask):
    """Impress started without a file (as OSWorld's settings tasks start it); nothing to achieve."""

    name = "impress-probe"

    def setup(self, rng: random.Random) -> DesktopSetup:
        return DesktopSetup(goal="Look.", apps=(("soffice", "--impress"),))

    def evaluate(self, outcome: DesktopOutcome) -> Evaluation:
        return verdict(False)


def centre(box: tuple[int, ...]) -> tuple[float, float]:
    return box[0] + box[2] / 2, box[1] + box[3] / 2


def test_impress_shows_its_slides_and_clicks_on_them_land() -> None:
    [task] = [t for t in load_folder(BUNDLED) if t.spec.id == "impress-retitle"]
    env = DesktopEnv(task)
    try:
        obs, _ = env.reset(seed=0)
        assert obs["focused_window"] == "club.pptx - LibreOffice Impress"
        assert "dialog" not in obs["axtree"], obs["axtree"]
        # The slide pane, filled, in the first observation; the slide's frames and paragraphs.
        pane = element(obs, "document frame", "Slides View")
        thumbnails = [element(obs, "panel", title) for title in ("Garden Club", "Quarterly Plan")]
        assert all(inside(t["bbox"], pane["bbox"]) for t in thumbnails)
        slide = element(obs, "panel", "PageShape: Garden Club")
        frame = element(obs, "panel", "PlaceHolder 1")
        title = element(obs, "paragraph", value="Garden Club")
        assert inside(frame["bbox"], slide["bbox"]) and inside(title["bbox"], frame["bbox"])
        # The centred title's box is its text's: about the frame's middle, and narrower than it.
        assert (
            abs(centre(title["bbox"])[0] - centre(frame["bbox"])[0]) < 10
            and title["bbox"][2] < frame["bbox"][2]
        )
        assert len(obs["elements"]) < 400

        # A thumbnail's id shows its slide; a paragraph's id puts the cursor in its text.
        obs, *_ = env.step(f"click('{thumbnails[1]['id']}')")
        assert element(obs, "panel", "Quarterly Plan")["selected"]
        assert [e["value"] for e in obs["elements"] if e["role"] == "paragraph"] == [
            "Quarterly Plan",
            "Plant tomatoes",
            "Build a shed",
        ]
        obs, *_ = env.step(f"click('{element(obs, 'paragraph', value='Quarterly Plan')['id']}')")
        obs, *_ = env.step("hotkey('ctrl', 'a')")
        obs, *_ = env.step("write('Yearly Plan')")
        assert obs["last_action_error"] == ""
        assert element(obs, "paragraph", value="Yearly Plan")["focused"], obs["axtree"]

        # Without a file, Impress would first show its template dialog: the seeded profile keeps it
        # away, so a new presentation is up, its slide pane filled, when the episode starts.
        env.task = NewPresentation()
        obs, _ = env.reset(seed=0)
        assert obs["focused_window"] == "Untitled 1 - LibreOffice Impress", obs["axtree"]
        assert element(obs, "document frame", "Slides View") and "dialog" not in obs["axtree"]
    finally:
        env.close()
