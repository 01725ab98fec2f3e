"""A user-hosted WebArena shop at the wire level: the parts of Magento its ``func:`` helpers read.

WebArena's Magento image cannot run here. WebArena's helpers (and ours) log in to the REST API as
WebArena's admin, list orders sorted by ``created_at``, read a product's reviews with their rating
votes, and open the customer's order page; this handler answers exactly those, from a ``state``
each test sets (``{"orders": [...], "reviews": {sku: [...]}}``). Shared by the replay of the helpers
(`tests/tasks/test_webarena_helpers.py`) and the differential test against WebArena's own
(`test_shopping_helpers_against_webarena.py`), so both judge against the same shop.
"""

from __future__ import annotations

import json
import urllib.parse
from typing import Any, ClassVar

from palaestra.testing.loopback import QuietHandler

TOKEN_PATH = "/rest/default/V1/integration/admin/token"
ADMIN = {"username": "admin", "password": "admin1234"}  # WebArena's admin account
TOKEN = "q8e1recordedtoken"  # what the token call answers: a JSON string
NO_ROUTE = {"message": "Request does not match any route."}


class MagentoShop(QuietHandler):
    """Magento's admin token call, orders search, product reviews and order page over ``state``."""

    state: ClassVar[dict[str, Any]] = {"orders": [], "reviews": {}}

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])) or b"{}")
        if self.path != TOKEN_PATH:
            self.reply(404, NO_ROUTE)
        elif body == ADMIN:
            self.reply(200, json.dumps(TOKEN), "application/json")
        else:
            self.reply(401, {"message": "The account sign-in was incorrect or your account is disabled."})

    def do_GET(self) -> None:
        url = urllib.parse.urlsplit(self.path)
        path, query = url.path, dict(urllib.parse.parse_qsl(url.query))
        if path.startswith("/rest/"):
            self._rest(path, query)
        elif path.startswith("/sales/order/view/order_id/"):
            self._order_page(int(path.rstrip("/").rsplit("/", 1)[1]))
        else:
            self.reply(200, "<h1>One Stop Market</h1>", "text/html")

    def _rest(self, path: str, query: dict[str, str]) -> None:
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            return self.reply(401, {"message": "The consumer isn't authorized to access %resources."})
        if path == "/rest/V1/orders":
            field = query.get("searchCriteria[sortOrders][0][field]", "entity_id")
            newest = query.get("searchCriteria[sortOrders][0][direction]") == "DESC"
            orders = sorted(self.state["orders"], key=lambda o: o[field], reverse=newest)
            size = int(query.get("searchCriteria[pageSize]", len(orders)))
            return self.reply(200, {"items": orders[:size], "total_count": len(orders)})
        if path.startswith("/rest/V1/products/") and path.endswith("/reviews"):
            sku = urllib.parse.unquote(path.removeprefix("/rest/V1/products/").removesuffix("/reviews"))
            return self.reply(200, self.state["reviews"].get(sku, []))
        self.reply(404, NO_ROUTE)

    def _order_page(self, entity_id: int) -> None:
        """The customer's order page by its row id, its items in ``.order-details-items.ordered``."""
        found = [o for o in self.state["orders"] if o["entity_id"] == entity_id]
        if not found:
            return self.reply(404, "<h1>Whoops, our bad...</h1>", "text/html")
        rows = "".join(
            f'<tr><td class="col name">{i["name"]}</td><td class="col sku">{i["sku"]}</td></tr>'
            for i in found[0]["items"]
        )
        self.reply(
            200,
            f'<h1 class="page-title">Order # {found[0]["increment_id"]}</h1>'
            '<div class="order-details-items ordered"><table class="data table table-order-items">'
            f"<tbody>{rows}</tbody></table></div>",
            "text/html",
        )


def shop(state: dict[str, Any]) -> type[MagentoShop]:
    """The handler of a shop in ``state`` (the dict itself: later changes to it are served)."""
    return type("Shop", (MagentoShop,), {"state": state})
