"""WebArena's ``program_html`` helpers, the ``func:name(args)`` of a check's ``url`` or ``locator``.

Each is ours, written to behave as WebArena's ``evaluation_harness/helper_functions.py`` does, and
is called as ``helper(ctx, page, args)``: ``page`` is the page being checked (what WebArena's
``__page__`` names), ``args`` the call's string arguments with ``__last_url__`` already the agent's
last URL and ``__SHOPPING__``-style placeholders filled.

- ``reddit_get_post_url(url)``: a forum URL ``/f/{forum}/{id}/...`` -> the post's own URL
  ``/f/{forum}/{id}/``; any other URL unchanged. (``corrected``: ``/f/{forum}/`` with no post id
  is unchanged too; WebArena makes it ``/f/{forum}//``.)
- ``gitlab_get_project_memeber_role(__page__, name)`` (sic): the role shown for ``@name`` in a
  GitLab members table, "" when absent. WebArena pairs the n-th account with the n-th ``span`` of
  any role cell, which misreads when a role cell holds more or fewer spans than one (a badge, a
  dropdown); ``corrected`` reads the role cell of the account's own row.
- ``shopping_get_latest_order_url()``: the newest order's page, from Magento's REST API with
  WebArena's admin account. WebArena puts the order's ``increment_id`` in the URL, whose route
  takes the ``entity_id``; ``corrected`` uses the ``entity_id`` (the two agree on WebArena's image
  as long as no order was ever deleted or numbered by another store).
- ``shopping_get_sku_latest_review_author(sku)`` / ``..._rating(sku)``: the nickname, or the
  "Rating" vote's percent, of the product's last review (REST), "" without reviews.

The shopping helpers need WebArena's Magento: on Palaestra's stand-in shop (django-oscar, no
Magento REST API) they raise ``HelperError`` saying how to point Palaestra at a real instance, and
the columns of that episode are None with that error. Network failures and unexpected responses
are ``HelperError`` too, never a crash of the episode.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from palaestra.errors import PalaestraError

if TYPE_CHECKING:  # Playwright and httpx load when an episode is judged, not when tasks are listed
    from playwright.async_api import Page

    from palaestra.tasks.webarena.evaluators import EvalContext

#: WebArena's ``shopping_site_admin`` account, which its helpers log in to Magento's REST API with.
SHOP_ADMIN = {"username": "admin", "password": "admin1234"}
#: Seconds per REST request.
TIMEOUT = 30.0

Helper = Callable[["EvalContext", "Page", list[str]], Awaitable[str]]


class HelperError(PalaestraError, ValueError):
    """A ``func:`` helper could not compute its value; the message says why and what to do."""


async def reddit_get_post_url(ctx: EvalContext, page: Page, args: list[str]) -> str:
    (url,) = args
    parts = urllib.parse.urlsplit(url)
    path = parts.path.split("/")
    if len(path) < 4 or path[1] != "f" or (ctx.mode != "paper" and not path[3]):
        return url
    return f"{parts.scheme}://{parts.netloc}/f/{path[2]}/{path[3]}/"


#: WebArena's reading: the index of ``@name`` among the account handles, then that index among the
#: spans of all role cells.
_ROLE_BY_INDEX = """(name) => {
  const handles = [...document.querySelectorAll("td[data-label='Account'] span.gl-avatar-labeled-sublabel")];
  const index = handles.findIndex((handle) => handle.outerText === '@' + name);
  try { return document.querySelectorAll('td.col-max-role span')[index].outerText; } catch (e) { return ''; }
}"""
#: The row's reading: the role cell of the row whose account handle is ``@name``.
_ROLE_BY_ROW = """(name) => {
  const handles = document.querySelectorAll("td[data-label='Account'] span.gl-avatar-labeled-sublabel");
  for (const handle of handles) {
    if (handle.innerText.trim() !== '@' + name) continue;
    const cell = handle.closest('tr') && handle.closest('tr').querySelector('td.col-max-role');
    if (!cell) return '';
    return (cell.querySelector('span') || cell).innerText.trim();
  }
  return '';
}"""


async def gitlab_get_project_memeber_role(ctx: EvalContext, page: Page, args: list[str]) -> str:
    from playwright.async_api import Error as PlaywrightError

    (name,) = args
    try:
        role = await page.evaluate(_ROLE_BY_INDEX if ctx.mode == "paper" else _ROLE_BY_ROW, name)
    except PlaywrightError:
        return ""
    return str(role or "")


def _shop(ctx: EvalContext, helper: str) -> str:
    if "shopping" in ctx.stand_ins:
        raise HelperError(
            f"func:{helper} asks WebArena's shopping site (Magento) through its REST API; Palaestra's "
            "stand-in shop (django-oscar) has no such API, so this check cannot run here. Point Palaestra "
            "at a real instance: palaestra eval --site shopping=http://HOST:7770 ..."
        )
    base = ctx.urls.get("__SHOPPING__")
    if not base:
        raise HelperError(f"func:{helper} needs the task's shopping site, which this task does not have")
    return base.rstrip("/")


async def _magento(ctx: EvalContext, helper: str, path: str, params: dict[str, str] | None = None) -> Any:
    """GET ``path`` of the shop's REST API as WebArena's admin (a fresh token, as WebArena's helpers)."""
    import httpx

    base = _shop(ctx, helper)
    try:
        async with httpx.AsyncClient(base_url=base, timeout=TIMEOUT) as client:
            login = await client.post("/rest/default/V1/integration/admin/token", json=SHOP_ADMIN)
            token = login.json() if login.status_code == 200 else None
            if not isinstance(token, str):
                raise HelperError(
                    f"func:{helper}: {base} refused WebArena's admin log-in to its REST API "
                    f"(HTTP {login.status_code}); is it WebArena's shopping image?"
                )
            response = await client.get(path, params=params, headers={"Authorization": f"Bearer {token}"})
            if response.status_code != 200:
                raise HelperError(f"func:{helper}: GET {base}{path} answered HTTP {response.status_code}")
            return response.json()
    except httpx.HTTPError as exc:
        raise HelperError(f"func:{helper}: {base} did not answer ({type(exc).__name__}: {exc})") from exc
    except json.JSONDecodeError as exc:
        raise HelperError(f"func:{helper}: {base} answered something other than JSON ({exc})") from exc


async def shopping_get_latest_order_url(ctx: EvalContext, page: Page, args: list[str]) -> str:
    helper = "shopping_get_latest_order_url"
    newest = {
        "searchCriteria[sortOrders][0][field]": "created_at",
        "searchCriteria[sortOrders][0][direction]": "DESC",
        "searchCriteria[pageSize]": "1",
    }
    orders = (await _magento(ctx, helper, "/rest/V1/orders", newest)).get("items") or []
    if not orders:
        raise HelperError(f"func:{helper}: the shop has no orders")
    order_id = int(orders[0]["increment_id"]) if ctx.mode == "paper" else int(orders[0]["entity_id"])
    return f"{_shop(ctx, helper)}/sales/order/view/order_id/{order_id}/"


async def _reviews(ctx: EvalContext, helper: str, args: list[str]) -> list[dict[str, Any]]:
    (sku,) = args
    reviews = await _magento(ctx, helper, f"/rest/V1/products/{urllib.parse.quote(sku, safe='')}/reviews")
    if not isinstance(reviews, list):
        raise HelperError(f"func:{helper}: the shop's reviews of {sku!r} are not a list")
    return reviews


async def shopping_get_sku_latest_review_author(ctx: EvalContext, page: Page, args: list[str]) -> str:
    reviews = await _reviews(ctx, "shopping_get_sku_latest_review_author", args)
    return str(reviews[-1]["nickname"]) if reviews else ""


async def shopping_get_sku_latest_review_rating(ctx: EvalContext, page: Page, args: list[str]) -> str:
    helper = "shopping_get_sku_latest_review_rating"
    reviews = await _reviews(ctx, helper, args)
    if not reviews:
        return ""
    votes = reviews[-1].get("ratings") or []
    if ctx.mode == "paper":  # WebArena checks the first review's first vote, then reads the last's
        first = (reviews[0].get("ratings") or [{}])[0]
        if first.get("rating_name") != "Rating" or not votes:
            raise HelperError(f"func:{helper}: the reviews' first vote is not WebArena's 'Rating'")
        return str(votes[0]["percent"])
    return next((str(v["percent"]) for v in votes if v.get("rating_name") == "Rating"), "")


HELPERS: dict[str, Helper] = {
    helper.__name__: helper
    for helper in (
        reddit_get_post_url,
        gitlab_get_project_memeber_role,
        shopping_get_latest_order_url,
        shopping_get_sku_latest_review_author,
        shopping_get_sku_latest_review_rating,
    )
}
