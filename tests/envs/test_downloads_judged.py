"""A task judges what its episode downloaded (`envs/episode_downloads.py`): real Chromium, a real
HTTP site whose invoice comes as an attachment, a `PageTask` that reads the saved file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from palaestra.envs import BrowserEnv
from palaestra.tasks.base import Download, EpisodeState, Evaluation
from palaestra.tasks.page import PageTask
from palaestra.testing.loopback import QuietHandler, serve

if TYPE_CHECKING:
    from playwright.async_api import Page

INVOICE = "order,total\n42,99.50\n"
PAGE = """<!doctype html><title>Orders</title>
<a id="invoice" href="/invoice?order=42">Invoice of order 42</a>
<a id="other" href="/invoice?order=7">Invoice of order 7</a>"""


class Site(QuietHandler):
    def do_GET(self) -> None:
        if self.path.startswith("/invoice"):
            order = self.path.rsplit("=", 1)[-1]
            body = INVOICE if order == "42" else "order,total\n7,10.00\n"
            disposition = f'attachment; filename="invoice-{order}.csv"'
            self.reply(200, body.encode(), "text/csv", {"Content-Disposition": disposition})
        else:
            self.reply(200, PAGE)


class DownloadTheInvoice(PageTask):
    """Succeeds when the invoice of order 42 was downloaded; keeps what it was given, to check."""

    seen: list[list[Download]]

    async def evaluate(self, page: Page, state: EpisodeState) -> Evaluation:
        self.seen.append(list(state.downloads))
        right = [d for d in state.downloads if d.path is not None and d.path.read_text() == INVOICE]
        return Evaluation(reward=1.0, done=True, success=True) if right else Evaluation()


def test_the_evaluator_reads_the_downloaded_file(make_env: Callable[..., BrowserEnv]) -> None:
    with serve(Site) as site:
        task = DownloadTheInvoice(site.url, "Download the invoice of order 42.")
        task.seen = []
        env = make_env(task, pages_ahead=0)
        obs, _ = env.reset(seed=0)
        by_text = {e["text"]: e["id"] for e in obs["elements"] if e["tag"] == "a"}
        obs, reward, terminated, *_ = env.step(f"click('{by_text['Invoice of order 7']}')")
        assert (reward, terminated) == (0.0, False)
        (wrong,) = task.seen[-1]
        assert wrong.suggested_name == "invoice-7.csv" and wrong.url == f"{site.url}/invoice?order=7"
        assert wrong.path is not None and wrong.path.name == "invoice-7.csv" and wrong.failure is None
        obs, reward, terminated, *_ = env.step(f"click('{by_text['Invoice of order 42']}')")
        assert (reward, terminated) == (1.0, True)
        assert obs["last_action_error"] == "The page downloaded a file: 'invoice-42.csv'."  # the agent's
        assert [d.suggested_name for d in task.seen[-1]] == ["invoice-7.csv", "invoice-42.csv"]
        saved = [d.path for d in task.seen[-1]]
        assert all(isinstance(p, Path) and p.is_file() for p in saved)
        env.reset(seed=1)  # the ended episode is retired: its downloads go with it
        assert not any(isinstance(p, Path) and p.exists() for p in saved)
        folder = saved[0].parent.parent if isinstance(saved[0], Path) else None
        assert folder is not None and not folder.exists()
