"""The shop dashboard's templates (WebArena "shopping_admin"), as the seeded store admin."""

from __future__ import annotations

import random
import re
from decimal import Decimal
from typing import Any

from palaestra.tasks.webarena.templates.base import (
    Instance,
    Obs,
    Plan,
    Seed,
    Step,
    Template,
    answer_eval,
    choose,
    click,
    db_eval,
    elements,
    fill,
    page_value,
    read,
    register,
    say,
    tree,
    unachievable_eval,
    url_eval,
)
from palaestra.tasks.webarena.templates.shop import IN_STOCK, money

ORDERS = """SELECT o.number, o.status, u.first_name || ' ' || u.last_name, u.email,
(SELECT SUM(quantity) FROM order_line l WHERE l.order_id = o.id) FROM order_order o
JOIN auth_user u ON u.id = o.user_id ORDER BY o.id"""
NEXT_STATUS = {"Pending": "Processing", "Processing": "Shipped", "Shipped": "Complete"}


def menu(obs: Obs, section: str, page: str) -> Step:
    obs = yield click(obs, "button", section)
    obs = yield click(obs, "link", page)
    return obs


def select(obs: Obs, field: str, option: str, last: bool = False) -> str:
    """Choose ``option`` in the <select name=field> (the first, or the ``last`` of the page's); the
    dashboard dresses its selects up with select2, which keeps the real one in the form."""
    named = [el for el in obs["elements"] if el["tag"] == "select" and el["attributes"].get("name") == field]
    chosen = named[-1] if last else named[0]
    return f"select_option({chosen['id']!r}, {option!r})"


def open_order(obs: Obs, number: str) -> Step:
    """The order's dashboard page (a search for one order number opens it directly)."""
    obs = yield from menu(obs, "Fulfilment", "Orders")
    obs = yield fill(obs, "Order number:", number, enter=True)
    if elements(obs, "link", number):
        obs = yield click(obs, "link", number)
    return obs


def table_cells(obs: Obs, caption: str) -> list[str]:
    """The value cells of a dashboard table with this caption (an order's information tables)."""
    lines = tree(obs).splitlines()
    start = next(i for i, line in enumerate(lines) if f"table '{caption}'" in line)
    indent = len(lines[start]) - len(lines[start].lstrip())
    cells = []
    for line in lines[start + 1 :]:
        if len(line) - len(line.lstrip()) <= indent:
            break
        if " cell '" in line:
            cells.append(line.split(" cell '", 1)[1].rstrip("'"))
    return cells


def row_cells(obs: Obs, first: str) -> list[str]:
    """The cells of the table row whose first text cell is ``first`` (a dashboard list)."""
    lines = tree(obs).splitlines()
    for i, line in enumerate(lines):
        if line.strip().endswith(f"cell '{first}'"):
            indent = len(line) - len(line.lstrip())
            cells = []
            for other in lines[i:]:
                if len(other) - len(other.lstrip()) < indent:
                    break
                if len(other) - len(other.lstrip()) == indent and " cell '" in other:
                    cells.append(other.split(" cell '", 1)[1].rstrip("'"))
            return cells
    raise RuntimeError(f"No row starting with {first!r} on {obs['url']}")


def _orders(seed: Seed, rng: random.Random, k: int, status: str | None = None) -> list[tuple[Any, ...]]:
    rows = [r for r in seed.rows(ORDERS) if status is None or r[1] in status]
    return choose(rng, rows, k)


def order_status_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    return [Instance({"number": n}, answer_eval(exact_match=s)) for n, s, *_ in _orders(seed, rng, 4)]


def order_status_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    obs = yield from open_order(obs, values["number"])
    yield say(table_cells(obs, "Order information")[3])


def order_customer_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    return [
        Instance({"number": n}, answer_eval(must_include=[name])) for n, _, name, *_ in _orders(seed, rng, 3)
    ]


def order_customer_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    obs = yield from open_order(obs, values["number"])
    yield say(table_cells(obs, "Customer Information")[0])


def order_items_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    return [
        Instance({"number": n}, answer_eval(must_include=[str(q)])) for n, _, _, _, q in _orders(seed, rng, 3)
    ]


def order_items_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    obs = yield from open_order(obs, values["number"])
    # An item's row: its number, the link to it (the line ends with the link's url), its quantity.
    item = r"cell '#\d+'\n\s*\[\w+\] link '#\d+'[^\n]*\n\s*\[\w+\] cell '(\d+)'"
    quantities = re.findall(item, tree(obs))
    yield say(sum(int(q) for q in quantities))


def missing_order_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    top = int(seed.value("SELECT MAX(CAST(number AS INTEGER)) FROM order_order"))
    numbers = [str(top + rng.randint(500, 5000)) for _ in range(2)]
    return [Instance({"number": n}, unachievable_eval("No order has this number.")) for n in numbers]


def missing_order_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    obs = yield from open_order(obs, values["number"])
    if elements(obs, "link", values["number"]):
        raise RuntimeError("the order should not exist")
    yield f"report_infeasible({'There is no order ' + values['number'] + '.'!r})"


def customer_email_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    rows = seed.rows(
        "SELECT first_name || ' ' || last_name, email FROM auth_user WHERE is_staff = 0"
        " GROUP BY first_name, last_name HAVING COUNT(*) = 1 ORDER BY id"
    )
    return [Instance({"name": n}, answer_eval(must_include=[e])) for n, e in choose(rng, rows, 3)]


def customer_email_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    obs = yield from menu(obs, "Customers", "Customers")
    obs = yield fill(obs, "Name:", values["name"], enter=True)
    yield say(read(obs, r"cell '([^' ]+@[^' ]+)'")[1])


def voucher_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    return [
        Instance({"voucher": n}, answer_eval(exact_match=c))
        for n, c in seed.rows("SELECT name, code FROM voucher_voucher")
    ]


def voucher_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    obs = yield from menu(obs, "Offers", "Coupons")
    yield say(row_cells(obs, values["voucher"])[1])


def _reviews(seed: Seed) -> list[tuple[Any, ...]]:
    """Reviews of customers with one page of reviews at most, one review per product each."""
    return seed.rows(
        "SELECT r.id, r.score, p.title, u.first_name || ' ' || u.last_name FROM reviews_productreview r"
        " JOIN catalogue_product p ON p.id = r.product_id JOIN auth_user u ON u.id = r.user_id"
        " WHERE (SELECT COUNT(*) FROM reviews_productreview o WHERE o.user_id = r.user_id) <= 20"
        " AND (SELECT COUNT(*) FROM auth_user v"
        "      WHERE v.first_name = u.first_name AND v.last_name = u.last_name) = 1"
        " ORDER BY r.id"
    )


def review_score_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    return [
        Instance({"customer": who, "product": p}, answer_eval(must_include=[str(score)]))
        for _, score, p, who in choose(rng, _reviews(seed), 3)
    ]


def find_review(obs: Obs, values: dict[str, Any]) -> Step:
    obs = yield from menu(obs, "Content", "Reviews")
    obs = yield fill(obs, "Customer name:", values["customer"], enter=True)
    return obs


def review_row(obs: Obs, product: str) -> list[str]:
    """The cells of the review row of ``product`` (its title is the row's first cell)."""
    lines = tree(obs).splitlines()
    at = next(i for i, line in enumerate(lines) if line.strip().endswith(f"cell '{product}'"))
    title = next(line for line in reversed(lines[:at]) if " cell '" in line)
    return row_cells(obs, title.split(" cell '", 1)[1].rstrip("'"))


def review_score_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    obs = yield from find_review(obs, values)
    cells = review_row(obs, values["product"])
    yield say(cells[3].split("/")[0].strip().removesuffix(".0"))


def reject_review_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    return [
        Instance(
            {"customer": who, "product": p},
            db_eval("shop", (f"SELECT status FROM reviews_productreview WHERE id = {rid}", 2)),
        )
        for rid, _, p, who in choose(rng, _reviews(seed), 3)
    ]


def reject_review_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    obs = yield from find_review(obs, values)
    lines = tree(obs).splitlines()
    row = next(i for i, line in enumerate(lines) if line.strip().endswith(f"cell '{values['product']}'"))
    box = next(line for line in reversed(lines[:row]) if "] checkbox" in line)
    obs = yield f"check({box.strip().split(']')[0].lstrip('[')!r})"
    obs = yield select(obs, "status", "Rejected", last=True)
    obs = yield click(obs, "button", "Update")
    yield say("Done.")


def product_upc_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    rows = seed.rows("SELECT title, upc FROM catalogue_product ORDER BY id")
    return [Instance({"product": t}, answer_eval(exact_match=u)) for t, u in choose(rng, rows, 3)]


def open_product(obs: Obs, title: str) -> Step:
    obs = yield from menu(obs, "Catalog", "Products")
    obs = yield fill(obs, "Product title:", title, enter=True)
    return obs


def product_upc_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    obs = yield from open_product(obs, values["product"])
    yield say(row_cells(obs, values["product"])[1])


def change_status_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    out = []
    for number, status, *_ in _orders(seed, rng, 3, status="Pending Processing Shipped"):
        query = f"SELECT status FROM order_order WHERE number = '{number}'"
        out.append(
            Instance(
                {"number": number, "status": NEXT_STATUS[status]},
                db_eval("shop", (query, NEXT_STATUS[status])),
            )
        )
    return out


def change_status_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    obs = yield from open_order(obs, values["number"])
    obs = yield select(obs, "new_status", values["status"])
    obs = yield click(obs, "button", "Change status")
    yield say("Done.")


def _stock_fields(seed: Seed, rng: random.Random, field: str) -> list[Instance]:
    out = []
    for pid, title, price, stock, _ in choose(rng, seed.rows(IN_STOCK), 3):
        if field == "price":
            new: Any = (
                Decimal(str(price)) + Decimal(rng.choice(["5.00", "10.00", "-1.00", "2.50"]))
            ).quantize(Decimal("0.01"))
            values = {"product": title, "price": money(new)}
            query = f"SELECT price FROM partner_stockrecord WHERE product_id = {pid}"
            locator = "document.querySelector('input[name$=\"-price\"]').value"
            shown = page_value(f"__SHOP_ADMIN__/catalogue/products/{pid}/", locator, f"{new}")
            out.append(Instance(values, db_eval("shop", (query, float(new)), html=[shown])))
        else:
            new = stock + rng.choice([10, 25, 50])
            query = f"SELECT num_in_stock FROM partner_stockrecord WHERE product_id = {pid}"
            out.append(Instance({"product": title, "stock": new}, db_eval("shop", (query, new))))
    return out


def edit_stock_record(values: dict[str, Any], obs: Obs, label: str, value: str) -> Step:
    obs = yield from open_product(obs, values["product"])
    obs = yield click(obs, "link", values["product"])
    obs = yield click(obs, "link", "Stock and pricing")
    field = next(
        el
        for el in obs["elements"]
        if el["tag"] == "input" and el["attributes"].get("name", "").endswith(label)
    )
    obs = yield f"fill({field['id']!r}, {value!r})"
    obs = yield click(obs, "button", "Save")
    return obs


def set_price_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    yield from edit_stock_record(values, obs, "-price", values["price"].lstrip("$").replace(",", ""))
    yield say("Done.")


def set_stock_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    yield from edit_stock_record(values, obs, "-num_in_stock", str(values["stock"]))
    yield say("Done.")


def nav_order_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    return [
        Instance({"number": n}, url_eval(f"__SHOP_ADMIN__/orders/{n}/")) for n, *_ in _orders(seed, rng, 3)
    ]


def nav_order_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    obs = yield from open_order(obs, values["number"])
    yield say("Done.")


def deactivate_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    rows = seed.rows(
        "SELECT id, email FROM auth_user WHERE is_staff = 0 AND username != 'emma.lopez' ORDER BY id"
    )
    return [
        Instance({"email": e}, db_eval("shop", (f"SELECT is_active FROM auth_user WHERE id = {uid}", 0)))
        for uid, e in choose(rng, rows, 3)
    ]


def deactivate_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    obs = yield from menu(obs, "Customers", "Customers")
    obs = yield fill(obs, "Email:", values["email"], enter=True)
    box = next(
        el
        for el in obs["elements"]
        if el["role"] == "checkbox" and el["attributes"].get("name") == "selected_user"
    )
    obs = yield f"check({box['id']!r})"
    obs = yield click(obs, "radio", "Make inactive")
    obs = yield click(obs, "button", "Go!")
    yield say("Done.")


register(
    Template(
        "admin-order-status",
        "shop-admin",
        "What is the status of order {number}?",
        order_status_instances,
        order_status_oracle,
        start="/",
    ),
    Template(
        "admin-order-missing",
        "shop-admin",
        "What is the status of order {number}?",
        missing_order_instances,
        missing_order_oracle,
    ),
    Template(
        "admin-order-customer",
        "shop-admin",
        "Which customer placed order {number}?",
        order_customer_instances,
        order_customer_oracle,
    ),
    Template(
        "admin-order-items",
        "shop-admin",
        "How many items does order {number} contain?",
        order_items_instances,
        order_items_oracle,
    ),
    Template(
        "admin-customer-email",
        "shop-admin",
        "What is the e-mail address of the customer {name}?",
        customer_email_instances,
        customer_email_oracle,
    ),
    Template(
        "admin-voucher-code",
        "shop-admin",
        "What code does the {voucher} voucher use?",
        voucher_instances,
        voucher_oracle,
    ),
    Template(
        "admin-review-score",
        "shop-admin",
        "How many stars did {customer} give the {product}?",
        review_score_instances,
        review_score_oracle,
    ),
    Template(
        "admin-product-upc",
        "shop-admin",
        "What is the UPC of the {product}?",
        product_upc_instances,
        product_upc_oracle,
    ),
    Template(
        "admin-reject-review",
        "shop-admin",
        "Reject the review {customer} wrote of the {product}.",
        reject_review_instances,
        reject_review_oracle,
    ),
    Template(
        "admin-change-status",
        "shop-admin",
        "Move order {number} to the status {status}.",
        change_status_instances,
        change_status_oracle,
    ),
    Template(
        "admin-set-price",
        "shop-admin",
        "Change the price of the {product} to {price}.",
        lambda seed, rng: _stock_fields(seed, rng, "price"),
        set_price_oracle,
    ),
    Template(
        "admin-set-stock",
        "shop-admin",
        "We now have {stock} units of the {product} in stock; update it.",
        lambda seed, rng: _stock_fields(seed, rng, "stock"),
        set_stock_oracle,
    ),
    Template(
        "admin-nav-order",
        "shop-admin",
        "Open the dashboard page of order {number}.",
        nav_order_instances,
        nav_order_oracle,
    ),
    Template(
        "admin-deactivate-customer",
        "shop-admin",
        "Deactivate the account of the customer {email}.",
        deactivate_instances,
        deactivate_oracle,
    ),
)
