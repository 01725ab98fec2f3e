"""WebArena's Magento helpers (``shopping_get_latest_order_url``, ``shopping_get_sku_latest_review_*``)
in our paper column against WebArena's own, on a user-hosted "shop" that answers their REST calls.

Palaestra's stand-in shop has no Magento REST API (there our helpers refuse: the other differential
test lists that), and WebArena's Magento image cannot run here. So, as ``test_official`` does for
GitLab's sign-in, the user's instance is a small loopback server with the parts of Magento the
helpers read: the admin token call (WebArena's ``admin``/``admin1234``), the orders search sorted
by ``created_at``, a product's reviews with their rating votes, and the customer's order page
(``/sales/order/view/order_id/<entity_id>/``, its items in ``.order-details-items.ordered``). The
official checks of tasks 436 and 585 then run on both sides over real HTTP and real Chromium, one
server per shop state.
"""

from __future__ import annotations

import asyncio
import json
import threading
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest
from playwright.async_api import Browser

from palaestra.tasks.webarena.official import benchmark_configs

from .program_html_against import Case, Difference, Visit, assert_same_scores

SKU, ORDERED_SKU = "B00J8RZL7I", "B07DFJ5XKH"  # the products tasks 585 and 436 check
TOKEN = "magento-admin-token"


def order(entity: int, increment: str, created: str, skus: list[str]) -> dict[str, Any]:
    return {"entity_id": entity, "increment_id": increment, "created_at": created,
            "items": [{"sku": sku, "name": f"Product {sku}"} for sku in skus]}  # fmt: skip


def review(nickname: str, percent: int, vote: str = "Rating") -> dict[str, Any]:
    return {
        "nickname": nickname,
        "ratings": [{"rating_name": vote, "percent": percent, "value": percent // 20}],
    }


#: Each state of the user's shop: its orders and the reviews of task 585's product.
STATES: dict[str, dict[str, Any]] = {
    "bought and reviewed": {
        "orders": [order(189, "000000189", "2023-04-30 09:00:00", ["B0001"]),
                   order(190, "000000190", "2023-05-01 10:00:00", [ORDERED_SKU, "B0002"])],
        "reviews": [review("Ada", 60), review("Emma Lopez", 100)],
    },
    "other order and review": {
        "orders": [order(190, "000000190", "2023-05-01 10:00:00", [ORDERED_SKU]),
                   order(191, "000000191", "2023-05-02 10:00:00", ["B0003"])],
        "reviews": [review("Emma Lopez", 100), review("Ada", 80)],
    },
    # An order numbered apart from its row (another store's numbering): the order page's route
    # takes the row id; WebArena puts the number in the URL.
    "renumbered order, first vote not Rating": {
        "orders": [order(7, "000000190", "2023-05-01 10:00:00", [ORDERED_SKU])],
        "reviews": [review("Ada", 40, vote="Quality"), review("Emma Lopez", 100)],
    },
    "no orders, no reviews": {"orders": [], "reviews": []},
}  # fmt: skip


class MagentoRest(BaseHTTPRequestHandler):
    """The REST calls and the order page of one shop state (``state``, set per server)."""

    state: ClassVar[dict[str, Any]] = {}

    def _send(self, status: int, body: Any, kind: str = "application/json") -> None:
        data = (json.dumps(body) if kind == "application/json" else str(body)).encode()
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])) or b"{}")
        if self.path != "/rest/default/V1/integration/admin/token":
            self._send(404, {"message": "Request does not match any route."})
        elif (body.get("username"), body.get("password")) == ("admin", "admin1234"):
            self._send(200, TOKEN)
        else:
            self._send(401, {"message": "The account sign-in was incorrect."})

    def do_GET(self) -> None:
        parts = urllib.parse.urlsplit(self.path)
        path, query = parts.path, dict(urllib.parse.parse_qsl(parts.query))
        if path.startswith("/rest/") and self.headers.get("Authorization") != f"Bearer {TOKEN}":
            self._send(401, {"message": "The consumer isn't authorized to access %resources."})
        elif path == "/rest/V1/orders":
            field = query.get("searchCriteria[sortOrders][0][field]", "entity_id")
            newest = query.get("searchCriteria[sortOrders][0][direction]") == "DESC"
            orders = sorted(self.state["orders"], key=lambda o: o[field], reverse=newest)
            size = int(query.get("searchCriteria[pageSize]", len(orders) or 1))
            self._send(200, {"items": orders[:size], "total_count": len(orders)})
        elif path == f"/rest/V1/products/{SKU}/reviews":
            self._send(200, self.state["reviews"])
        elif path.startswith("/sales/order/view/order_id/"):
            entity = int(path.rstrip("/").rsplit("/", 1)[1])
            found = [o for o in self.state["orders"] if o["entity_id"] == entity]
            if not found:
                self._send(404, "<h1>Whoops, our bad...</h1>", "text/html")
                return
            rows = "".join(
                f"<tr><td>{i['name']}</td><td>SKU: {i['sku']}</td></tr>" for i in found[0]["items"]
            )
            title = f"<h1>Order # {found[0]['increment_id']}</h1>"
            self._send(200, f"{title}<table class='order-details-items ordered'>{rows}</table>", "text/html")
        else:
            self._send(200, "<h1>One Stop Market</h1>", "text/html")

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def shops() -> Iterator[dict[str, str]]:
    """One loopback shop per state: state -> its base URL."""
    servers = {}
    for name, state in STATES.items():
        handler = type("Shop", (MagentoRest,), {"state": state})
        servers[name] = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=servers[name].serve_forever, daemon=True).start()
    yield {name: f"http://127.0.0.1:{server.server_address[1]}" for name, server in servers.items()}
    for server in servers.values():
        server.shutdown()


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
