"""WebArena's Magento helpers (``shopping_get_latest_order_url``, ``shopping_get_sku_latest_review_*``) in
our paper column against WebArena's own, on a user-hosted "shop" that answers their REST calls.

Palaestra's stand-in shop has no Magento REST API (there our helpers refuse: the other differential test
lists that), and WebArena's Magento image cannot run here. So, as ``test_official`` does for GitLab's
sign-in, the user's instance is a small loopback server (``magento_shop``, shared with the helpers'
replay) with the parts of Magento the helpers read: the admin token call (WebArena's
``admin``/``admin1234``), the orders search sorted by ``created_at``, a product's reviews with their
rating votes, and the customer's order page (``/sales/order/view/order_id/<entity_id>/``, its items in
``.order-details-items.ordered``). The official checks of tasks 436 and 585 then run on both sides over
real HTTP and real Chromium, one server per shop state.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import pytest
from playwright.async_api import Browser

from palaestra.tasks.webarena.official import benchmark_configs
from palaestra.testing.loopback import serve

from .magento_shop import shop
from .program_html_against import Case, Difference, Visit, assert_same_scores

SKU, ORDERED_SKU = "B00J8RZL7I", "B07DFJ5XKH"  # the products tasks 585 and 436 check


def order(entity: int, increment: str, created: str, skus: list[str]) -> dict[str, Any]:
    return {"entity_id": entity, "increment_id": increment, "created_at": created,
            "items": [{"sku": sku, "name": f"Product {sku}"} for sku in skus]}  # fmt: skip


def review(nickname: str, percent: int, vote: str = "Rating") -> dict[str, Any]:
    return {
        "nickname": nickname,
        "ratings": [{"rating_name": vote, "percent": percent, "value": percent // 20}],
    }


#: Each state of the user's shop: its orders and the reviews of task 585's product (by SKU).
STATES: dict[str, dict[str, Any]] = {
    "bought and reviewed": {
        "orders": [order(189, "000000189", "2023-04-30 09:00:00", ["B0001"]),
                   order(190, "000000190", "2023-05-01 10:00:00", [ORDERED_SKU, "B0002"])],
        "reviews": {SKU: [review("Ada", 60), review("Emma Lopez", 100)]},
    },
    "other order and review": {
        "orders": [order(190, "000000190", "2023-05-01 10:00:00", [ORDERED_SKU]),
                   order(191, "000000191", "2023-05-02 10:00:00", ["B0003"])],
        "reviews": {SKU: [review("Emma Lopez", 100), review("Ada", 80)]},
    },
    # An order numbered apart from its row (another store's numbering): the order page's route
    # takes the row id; WebArena puts the number in the URL.
    "renumbered order, first vote not Rating": {
        "orders": [order(7, "000000190", "2023-05-01 10:00:00", [ORDERED_SKU])],
        "reviews": {SKU: [review("Ada", 40, vote="Quality"), review("Emma Lopez", 100)]},
    },
    "no orders, no reviews": {"orders": [], "reviews": {}},
}  # fmt: skip


@pytest.fixture(scope="module")
def shops() -> Iterator[dict[str, str]]:
    """One loopback shop per state: state -> its base URL."""
    with ExitStack() as servers:
        yield {name: servers.enter_context(serve(shop(state))).url for name, state in STATES.items()}


def official(task_id: int, state: str) -> Case:
    config = benchmark_configs("webarena")[str(task_id)]
    return Case(config.eval.program_html, "__SHOPPING__/", state, ("shopping",), hosted=("shopping",))


#: The cases of each shop state: name -> official task.
CASES = {
    "bought and reviewed": {"436": 436, "585": 585},
    "other order and review": {"436 other": 436, "585 other": 585},
    "renumbered order, first vote not Rating": {"436 renumbered": 436, "585 first vote not Rating": 585},
    "no orders, no reviews": {"436 no orders": 436, "585 no reviews": 585},
}

#: Where our paper column differs from WebArena on purpose: where WebArena's helper crashes, ours
#: raises a HelperError saying what the shop answered (the column's error names it).
DIFFERENCES = {
    "585 first vote not Rating": Difference(
        "ValueError",
        "AssertionError",
        "WebArena asserts that the first review's first vote is 'Rating'; ours raises a HelperError "
        "saying so",
    ),
    "436 no orders": Difference(
        "ValueError", "IndexError", "WebArena indexes the first of no orders; ours says the shop has none"
    ),
}


def test_magento_helpers_score_as_webarenas_on_a_user_hosted_shop(
    loop: asyncio.AbstractEventLoop, browser: Browser, shops: dict[str, str]
) -> None:
    cases = {
        name: official(task_id, state) for state, names in CASES.items() for name, task_id in names.items()
    }
    visits = {state: Visit({"shopping": url}) for state, url in shops.items()}
    theirs, corrected = assert_same_scores(loop, browser, cases, visits, DIFFERENCES, coverage=False)
    assert theirs == {
        "436": 1.0, "585": 1.0, "436 other": 0.0, "585 other": 0.0,
        "436 renumbered": 0.0, "585 first vote not Rating": "AssertionError",
        "436 no orders": "IndexError", "585 no reviews": 0.0,
    }  # fmt: skip
    # The corrected column opens the renumbered order by its row id, and reads the "Rating" vote
    # wherever it is.
    assert corrected == {
        "436": 1.0, "585": 1.0, "436 other": 0.0, "585 other": 0.0,
        "436 renumbered": 1.0, "585 first vote not Rating": 1.0,
        "436 no orders": "ValueError", "585 no reviews": 0.0,
    }  # fmt: skip
