"""The storefront's templates (WebArena "shopping"), as the seeded customer Emma Lopez."""

from __future__ import annotations

import random
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
    cell_after,
    choose,
    click,
    elements,
    fill,
    find,
    read,
    register,
    say,
    unachievable_eval,
    url_eval,
)

EMMA = "emma.lopez"
IN_STOCK = """SELECT p.id, p.title, s.price, s.num_in_stock, s.partner_sku FROM catalogue_product p
JOIN partner_stockrecord s ON s.product_id = p.id WHERE s.num_in_stock > 0 ORDER BY p.id"""


def money(value: Any) -> str:
    return f"${Decimal(str(value)):,.2f}"


def _products(seed: Seed, rng: random.Random, k: int) -> list[tuple[Any, ...]]:
    return choose(rng, seed.rows(IN_STOCK), k)


def open_product(obs: Obs, title: str) -> Step:
    """Search the shop for ``title`` and open its page (returns the product page's observation)."""
    obs = yield fill(obs, "Search", title, enter=True)
    obs = yield click(obs, "link", title)
    return obs


def _category_path(seed: Seed, category_id: int) -> str:
    path, slug = seed.rows("SELECT path, slug FROM catalogue_category WHERE id = ?", category_id)[0]
    parts = [
        seed.value("SELECT slug FROM catalogue_category WHERE path = ?", path[: 4 * i])
        for i in range(1, len(path) // 4)
    ]
    return "/".join([*parts, slug]) + f"_{category_id}"


def _leaf_categories(seed: Seed) -> list[tuple[Any, ...]]:
    return seed.rows(
        "SELECT c.id, c.name, (SELECT name FROM catalogue_category r WHERE r.path = substr(c.path, 1, 4)),"
        " COUNT(pc.id) FROM catalogue_category c JOIN catalogue_productcategory pc ON pc.category_id = c.id"
        " WHERE c.depth = 2 GROUP BY c.id ORDER BY c.id"
    )


def open_category(obs: Obs, category: str) -> Step:
    """From any shop page: the catalogue's sidebar lists every category."""
    if not any(el["visible"] for el in elements(obs, "link", category)):
        obs = yield click(obs, "button", "Browse store")
        obs = yield click(obs, "link", "All products")
    obs = yield click(obs, "link", category)
    return obs


# -- information seeking -----------------------------------------------------------------------------


def price_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    return [
        Instance({"product": t}, answer_eval(must_include=[money(p)]))
        for _, t, p, _, _ in _products(seed, rng, 4)
    ]


def price_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    obs = yield from open_product(obs, values["product"])
    yield say(cell_after(obs, "Price (incl. tax)"))


def stock_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    return [
        Instance({"product": t}, answer_eval(must_include=[str(n)]))
        for _, t, _, n, _ in _products(seed, rng, 3)
    ]


def stock_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    obs = yield from open_product(obs, values["product"])
    yield say(read(obs, r"\((\d+) available\)")[1])


def reviews_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    out = []
    for pid, title, *_ in _products(seed, rng, 3):
        count = seed.value(
            "SELECT COUNT(*) FROM reviews_productreview WHERE product_id = ? AND status = 1", pid
        )
        out.append(Instance({"product": title}, answer_eval(must_include=[str(count)])))
    return out


def reviews_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    obs = yield from open_product(obs, values["product"])
    yield say(cell_after(obs, "Number of reviews"))


def category_count_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    return [
        Instance({"category": name}, answer_eval(must_include=[str(n)]))
        for _, name, _, n in choose(rng, _leaf_categories(seed), 3)
    ]


def category_count_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    obs = yield from open_category(obs, values["category"])
    yield say(read(obs, r"StaticText '(\d+)'\s*\n\s*StaticText 'results")[1])


def cheapest_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    out: list[Instance] = []
    for cid, name, _, _ in choose(rng, _leaf_categories(seed), 4):
        rows = seed.rows(
            "SELECT p.title, s.price FROM catalogue_product p"
            " JOIN partner_stockrecord s ON s.product_id = p.id"
            " JOIN catalogue_productcategory pc ON pc.product_id = p.id"
            " WHERE pc.category_id = ? ORDER BY s.price",
            cid,
        )
        if rows[0][1] != rows[1][1]:  # a single cheapest product, or the question has two answers
            out.append(Instance({"category": name}, answer_eval(must_include=[rows[0][0]])))
    return out[:3]


def cheapest_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    obs = yield from open_category(obs, values["category"])
    obs = yield f"select_option({find(obs, 'combobox', 'Sort by')['id']!r}, 'Price low to high')"
    first = next(el for el in obs["elements"] if el["role"] == "image" and el["name"] and el["visible"])
    yield say(first["name"])


def compare_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    out: list[Instance] = []
    rows = seed.rows(IN_STOCK)
    while len(out) < 3:
        a, b = rng.sample(rows, 2)
        if a[2] != b[2]:
            cheaper = a if a[2] < b[2] else b
            out.append(Instance({"a": a[1], "b": b[1]}, answer_eval(must_include=[cheaper[1]])))
    return out


def compare_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    prices = {}
    for key in ("a", "b"):
        obs = yield from open_product(obs, values[key])
        prices[key] = Decimal(cell_after(obs, "Price (incl. tax)").lstrip("$").replace(",", ""))
    yield say(values["a"] if prices["a"] < prices["b"] else values["b"])


def attribute_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    out = []
    for pid, title, *_ in _products(seed, rng, 3):
        color = seed.value(
            "SELECT v.value_text FROM catalogue_productattributevalue v JOIN catalogue_productattribute a"
            " ON a.id = v.attribute_id WHERE v.product_id = ? AND a.code = 'color'",
            pid,
        )
        out.append(Instance({"product": title}, answer_eval(must_include=[color])))
    return out


def attribute_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    obs = yield from open_product(obs, values["product"])
    yield say(cell_after(obs, "Color"))


def _emma_orders(seed: Seed) -> list[tuple[Any, ...]]:
    return seed.rows(
        "SELECT o.number, o.total_incl_tax, o.status, o.date_placed FROM order_order o JOIN auth_user u"
        " ON u.id = o.user_id WHERE u.username = ? ORDER BY o.date_placed DESC",
        EMMA,
    )


def order_total_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    return [
        Instance({"number": n}, answer_eval(must_include=[money(t)]))
        for n, t, _, _ in choose(rng, _emma_orders(seed), 3)
    ]


def open_my_order(obs: Obs, number: str) -> Step:
    obs = yield click(obs, "link", "Account")
    obs = yield click(obs, "link", "Order History")
    obs = yield click(obs, "link", number)
    return obs


def order_total_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    obs = yield from open_my_order(obs, values["number"])
    yield say(read(obs, r"Order total'?\s*\n\s*(?:\[\w+\] )?\w+ '(\$[\d,.]+)'")[1])


def order_status_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    return [
        Instance({"number": n}, answer_eval(exact_match=s))
        for n, _, s, _ in choose(rng, _emma_orders(seed), 3)
    ]


def order_status_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    obs = yield from open_my_order(obs, values["number"])
    # The label is a heading (its line ends with its level) or a table cell.
    status = r"Status:?'?(?: level=\d)?\s*\n?\s*(?:\[\w+\] )?(?:StaticText|cell) '(?::\s*)?(\w+)'"
    yield say(read(obs, status)[1])


def order_items_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    out = []
    for number, *_ in choose(rng, _emma_orders(seed), 3):
        titles = [
            t
            for (t,) in seed.rows(
                "SELECT l.title FROM order_line l JOIN order_order o ON o.id = l.order_id"
                " WHERE o.number = ? ORDER BY l.id",
                number,
            )
        ]
        out.append(Instance({"number": number}, answer_eval(must_include=titles)))
    return out


def order_items_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    obs = yield from open_my_order(obs, values["number"])
    titles = [
        el["name"]
        for el in obs["elements"]
        if el["role"] == "link"
        and "/catalogue/" in el["attributes"].get("href", "")
        and el["name"]
        and not el["name"].endswith("…")
    ]
    yield say("; ".join(dict.fromkeys(titles)))


def not_my_order_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    rows = seed.rows(
        "SELECT o.number FROM order_order o JOIN auth_user u ON u.id = o.user_id WHERE u.username != ?", EMMA
    )
    note = "The order belongs to another customer: the shop shows it to no one else."
    return [Instance({"number": n}, unachievable_eval(note)) for (n,) in choose(rng, rows, 2)]


def not_my_order_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    obs = yield click(obs, "link", "Account")
    obs = yield click(obs, "link", "Order History")
    obs = yield fill(obs, "Order number", values["number"], enter=True)
    if any(el["role"] == "link" and el["name"] == values["number"] for el in obs["elements"]):
        raise RuntimeError("the order should not be listed")
    yield f"report_infeasible({'Order ' + values['number'] + ' is not among my orders.'!r})"


def missing_product_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    brands = [
        b
        for (b,) in seed.rows(
            "SELECT DISTINCT value_text FROM catalogue_productattributevalue v"
            " JOIN catalogue_productattribute a ON a.id = v.attribute_id WHERE a.code = 'brand'"
        )
    ]
    out = []
    for brand in choose(rng, sorted(brands), 2):
        title = f"{brand} Titanium Espresso Machine"
        assert seed.value("SELECT COUNT(*) FROM catalogue_product WHERE title LIKE ?", f"%{title}%") == 0
        out.append(Instance({"product": title}, unachievable_eval("The shop sells no such product.")))
    return out


def missing_product_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    obs = yield fill(obs, "Search", values["product"], enter=True)
    yield say("N/A: the shop does not sell this product.")


# -- navigation ----------------------------------------------------------------------------------------


def nav_category_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    return [
        Instance({"category": name}, url_eval(f"__SHOP__/catalogue/category/{_category_path(seed, cid)}/"))
        for cid, name, _, _ in choose(rng, _leaf_categories(seed), 3)
    ]


def nav_category_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    obs = yield from open_category(obs, values["category"])
    yield say("Done.")


def nav_search_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    nouns = [
        "skillet",
        "yoga mat",
        "headlamp",
        "jigsaw puzzle",
        "desk lamp",
        "dog bed",
        "teapot",
        "bike lock",
    ]
    return [
        Instance({"query": q}, url_eval(f"__SHOP__/search/?q={q.replace(' ', '+')}"))
        for q in choose(rng, nouns, 3)
    ]


def nav_search_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    obs = yield fill(obs, "Search", values["query"], enter=True)
    yield say("Done.")


def nav_product_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    out = []
    for pid, title, *_ in _products(seed, rng, 3):
        slug = seed.value("SELECT slug FROM catalogue_product WHERE id = ?", pid)
        out.append(Instance({"product": title}, url_eval(f"__SHOP__/catalogue/{slug}_{pid}/")))
    return out


def nav_product_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    yield from open_product(obs, values["product"])
    yield say("Done.")


register(
    Template("product-price", "shop", "What is the price of the {product}?", price_instances, price_oracle),
    Template(
        "product-stock",
        "shop",
        "How many units of the {product} are available?",
        stock_instances,
        stock_oracle,
    ),
    Template(
        "product-review-count",
        "shop",
        "How many customer reviews does the {product} have?",
        reviews_instances,
        reviews_oracle,
    ),
    Template("product-color", "shop", "What colour is the {product}?", attribute_instances, attribute_oracle),
    Template(
        "category-count",
        "shop",
        "How many products does the shop list under {category}?",
        category_count_instances,
        category_count_oracle,
    ),
    Template(
        "category-cheapest",
        "shop",
        "What is the cheapest product in the {category} category?",
        cheapest_instances,
        cheapest_oracle,
    ),
    Template(
        "compare-price", "shop", "Which is cheaper: the {a} or the {b}?", compare_instances, compare_oracle
    ),
    Template(
        "order-total",
        "shop",
        "What was the total of my order {number}?",
        order_total_instances,
        order_total_oracle,
    ),
    Template(
        "order-status",
        "shop",
        "What is the status of my order {number}?",
        order_status_instances,
        order_status_oracle,
    ),
    Template(
        "order-items",
        "shop",
        "Which products did I buy in order {number}?",
        order_items_instances,
        order_items_oracle,
    ),
    Template(
        "order-not-mine",
        "shop",
        "What was the total of my order {number}?",
        not_my_order_instances,
        not_my_order_oracle,
    ),
    Template(
        "missing-product",
        "shop",
        "How much does the {product} cost?",
        missing_product_instances,
        missing_product_oracle,
    ),
    Template(
        "nav-category",
        "shop",
        "Show me the {category} products.",
        nav_category_instances,
        nav_category_oracle,
    ),
    Template("nav-search", "shop", "Search the shop for {query}.", nav_search_instances, nav_search_oracle),
    Template(
        "nav-product", "shop", "Open the page of the {product}.", nav_product_instances, nav_product_oracle
    ),
)
