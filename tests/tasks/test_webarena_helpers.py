"""WebArena's ``func:`` helpers of ``program_html``, replayed offline through both evaluator columns.

WebArena's own images cannot run here, so three loopback HTTP servers play them at the wire level with
recorded responses: Magento's REST API (admin token, orders, product reviews) and an order page for the
shop (``tests/sites/magento_shop``, shared with the differential test), a project's members page for
GitLab, post pages for the forum (Postmill). The agent's last page is loaded in a real Chromium from them,
the helpers reach them over real HTTP, and the verdicts are WebArena's published evaluators' (``paper``)
and the corrected ones. Cases where the two columns differ are built to show a helper's known misreading,
and say so.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import pytest
from playwright.async_api import Browser

from palaestra.tasks.webarena.config import fill_placeholders
from palaestra.tasks.webarena.evaluators import EvalContext, evaluate
from palaestra.tasks.webarena.helpers import HelperError
from palaestra.tasks.webarena.official import benchmark_configs
from palaestra.testing.loopback import QuietHandler, serve

from ..sites.gitlab_members import gitlab
from ..sites.magento_shop import shop


def order(entity_id: int, increment_id: str, created_at: str, *skus: str) -> dict[str, Any]:
    """An order as Magento's REST API lists it (the fields the helpers and the order page use)."""
    items = [{"sku": sku, "name": f"Item {sku}", "qty_ordered": 1} for sku in skus]
    return {"entity_id": entity_id, "increment_id": increment_id, "created_at": created_at,
            "state": "new", "status": "pending", "items": items}  # fmt: skip


def review(nickname: str, percent: int, created_at: str) -> dict[str, Any]:
    """A product review as the shop's ``/V1/products/{sku}/reviews`` answers it."""
    vote = {"rating_id": 4, "rating_name": "Rating", "percent": percent, "value": percent // 20}
    return {"title": "Lamp", "detail": "Bright.", "nickname": nickname, "ratings": [vote],
            "review_entity": "product", "review_status": 1, "created_at": created_at}  # fmt: skip


#: The recorded shop: orders (listed oldest first) and reviews per SKU; each case sets its own.
SHOP: dict[str, Any] = {"orders": [], "reviews": {}}
#: The recorded GitLab members rows: (handle, role cell HTML).
MEMBERS: list[tuple[str, str]] = []
#: The recorded forum posts: (forum, id) -> (title, body).
POSTS: dict[tuple[str, str], tuple[str, str]] = {}


def dropdown(role: str) -> str:
    """An editable role: a dropdown whose button's text is the role (its menu items are not spans)."""
    items = "".join(
        f'<li><button class="dropdown-item"><p>{r}</p></button></li>' for r in ("Guest", "Developer")
    )
    return (f'<div class="dropdown b-dropdown gl-new-dropdown"><button class="btn dropdown-toggle">'
            f'<span class="gl-new-dropdown-button-text">{role}</span></button>'
            f'<ul class="dropdown-menu">{items}</ul></div>')  # fmt: skip


def badge(role: str) -> str:
    """A read-only role shown as a badge of two nested spans."""
    return f'<span class="badge gl-badge"><span class="gl-badge-content">{role}</span></span>'


class Forum(QuietHandler):
    """Postmill's post pages over ``POSTS``; any other page shows a pinned post."""

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        parts = path.split("/")
        post = POSTS.get((parts[2], parts[3])) if len(parts) > 3 and parts[1] == "f" else None
        if post is None:
            return self.reply(
                200, f"<h1>{path}</h1><div class='submission__inner'>A pinned post</div>", "text/html"
            )
        title, text = post
        body = (f'<div class="submission__inner"><h1 class="submission__title">{title}</h1>'
                f'<div class="submission__body">{text}</div></div>')  # fmt: skip
        self.reply(200, body, "text/html")


@pytest.fixture(scope="module")
def urls() -> Iterator[dict[str, str]]:
    """WebArena's placeholders -> the loopback servers playing its sites."""
    handlers = {"shopping": shop(SHOP), "gitlab": gitlab(MEMBERS), "reddit": Forum}
    with ExitStack() as servers:
        yield {f"__{s.upper()}__": servers.enter_context(serve(h)).url for s, h in handlers.items()}


def replay(
    browser: Browser, loop: asyncio.AbstractEventLoop, urls: dict[str, str], task_id: int, last_url: str,
    stand_ins: tuple[str, ...] = (),
) -> dict[str, float]:  # fmt: skip
    """Both columns of an official task whose agent ended on ``last_url``."""
    config = benchmark_configs("webarena")[str(task_id)]

    async def run() -> dict[str, float]:
        context = await browser.new_context()
        page = await context.new_page()
        await page.goto(fill_placeholders(last_url, urls))
        out = {}
        try:
            for mode in ("paper", "corrected"):
                ctx = EvalContext(page, context, "Done", None, urls, {}, intent=config.intent, mode=mode,
                                  stand_ins=stand_ins)  # fmt: skip
                out[mode] = await evaluate(config.eval, ctx)
        finally:
            await context.close()
        return out

    return loop.run_until_complete(run())


SKU_436 = "B07DFJ5XKH"  # task 436: reorder the cancelled mattress foundation
OLD = order(189, "000000189", "2023-03-02 10:00:00", SKU_436)


@pytest.mark.parametrize(
    ("orders", "expected"),
    [
        ([OLD, order(190, "000000190", "2023-06-12 09:30:00", SKU_436)], {"paper": 1, "corrected": 1}),
        ([OLD, order(190, "000000190", "2023-06-12 09:30:00", "B0041MSF2S")], {"paper": 0, "corrected": 0}),
        # the newest order is not the last listed: the helper must ask for it (sorted by created_at)
        ([order(190, "000000190", "2023-06-12 09:30:00", SKU_436), OLD], {"paper": 1, "corrected": 1}),
        # increment_ids one behind the entity_ids (a number was skipped): WebArena's URL, built from
        # the increment_id, opens the order before the newest
        (
            [
                order(190, "000000189", "2023-05-02 10:00:00", "B0041MSF2S"),
                order(191, "000000190", "2023-06-12 09:30:00", SKU_436),
            ],
            {"paper": 0, "corrected": 1},
        ),
    ],
)
def test_latest_order_url(
    orders: list[dict[str, Any]],
    expected: dict[str, float],
    browser: Browser,
    loop: asyncio.AbstractEventLoop,
    urls: dict[str, str],
) -> None:
    SHOP["orders"] = orders
    assert replay(browser, loop, urls, 436, "__SHOPPING__/checkout/onepage/success/") == expected


@pytest.mark.parametrize(
    ("reviews", "expected"),
    [
        (
            [review("Jo", 60, "2022-01-05"), review("Emma Lopez", 100, "2023-06-12")],
            {"paper": 1, "corrected": 1},
        ),
        (
            [review("Emma Lopez", 100, "2022-01-05"), review("Jo", 100, "2023-06-12")],
            {"paper": 0, "corrected": 0},
        ),
        (
            [review("Jo", 60, "2022-01-05"), review("Emma Lopez", 80, "2023-06-12")],
            {"paper": 0, "corrected": 0},
        ),
        ([], {"paper": 0, "corrected": 0}),
    ],
)
def test_latest_review_author_and_rating(
    reviews: list[dict[str, Any]],
    expected: dict[str, float],
    browser: Browser,
    loop: asyncio.AbstractEventLoop,
    urls: dict[str, str],
) -> None:
    SHOP["reviews"] = {"B00J8RZL7I": reviews}  # task 585: rate the floor lamp 5 stars as Emma Lopez
    assert replay(browser, loop, urls, 585, "__SHOPPING__/review/product/list/id/1/") == expected


@pytest.mark.parametrize(
    ("members", "expected"),
    [
        (
            [("byteblaze", dropdown("Owner")), ("abisubramanya27", dropdown("Guest"))],
            {"paper": 1, "corrected": 1},
        ),
        (
            [("byteblaze", dropdown("Owner")), ("abisubramanya27", dropdown("Developer"))],
            {"paper": 0, "corrected": 0},
        ),
        ([("byteblaze", dropdown("Owner"))], {"paper": 0, "corrected": 0}),
        # a role cell of two spans before the row: WebArena's index reads the badge's inner span
        (
            [("byteblaze", badge("Owner")), ("abisubramanya27", dropdown("Guest"))],
            {"paper": 0, "corrected": 1},
        ),
    ],
)
def test_project_member_role(
    members: list[tuple[str, str]],
    expected: dict[str, float],
    browser: Browser,
    loop: asyncio.AbstractEventLoop,
    urls: dict[str, str],
) -> None:
    MEMBERS[:] = members  # task 481: invite abisubramanya27 to byteblaze/dotfiles as a guest
    assert replay(browser, loop, urls, 481, "__GITLAB__/") == expected


QUESTION = "what is the recommended console to buy these days"  # task 600: post it in /f/consoles


@pytest.mark.parametrize(
    ("posts", "last_url", "expected"),
    [
        (
            {("consoles", "112"): ("Console?", QUESTION)},
            "__REDDIT__/f/consoles/112/console",
            {"paper": 1, "corrected": 1},
        ),
        # a comment's permalink still names the post
        (
            {("consoles", "112"): ("Console?", QUESTION)},
            "__REDDIT__/f/consoles/112/console/comment/9",
            {"paper": 1, "corrected": 1},
        ),
        (
            {("consoles", "112"): ("Console?", "which console")},
            "__REDDIT__/f/consoles/112/console",
            {"paper": 0, "corrected": 0},
        ),
        (
            {("gaming", "113"): ("Console?", QUESTION)},
            "__REDDIT__/f/gaming/113/console",
            {"paper": 0, "corrected": 0},
        ),
    ],
)
def test_forum_post_url(
    posts: dict[tuple[str, str], tuple[str, str]],
    last_url: str,
    expected: dict[str, float],
    browser: Browser,
    loop: asyncio.AbstractEventLoop,
    urls: dict[str, str],
) -> None:
    POSTS.clear()
    POSTS.update(posts)
    assert replay(browser, loop, urls, 600, last_url) == expected


def test_shopping_helpers_say_what_they_need(
    browser: Browser, loop: asyncio.AbstractEventLoop, urls: dict[str, str]
) -> None:
    """On Palaestra's stand-in shop, and on a shop that does not answer, the helpers' errors say why."""
    with pytest.raises(
        HelperError, match=r"stand-in shop \(django-oscar\).*--site shopping=http://HOST:7770"
    ):
        replay(browser, loop, urls, 585, "__SHOPPING__/", stand_ins=("shopping",))
    not_magento = {**urls, "__SHOPPING__": urls["__GITLAB__"]}
    with pytest.raises(HelperError, match=r"refused WebArena's admin log-in .*HTTP 404"):
        replay(browser, loop, not_magento, 436, "__SHOPPING__/")
    SHOP["orders"] = []
    with pytest.raises(HelperError, match="the shop has no orders"):
        replay(browser, loop, urls, 436, "__SHOPPING__/")
    closed = {**urls, "__SHOPPING__": "http://127.0.0.1:9"}  # nothing listens there
    with pytest.raises(HelperError, match=r"http://127.0.0.1:9 did not answer \(ConnectError"):
        replay(browser, loop, closed, 585, "__REDDIT__/")
