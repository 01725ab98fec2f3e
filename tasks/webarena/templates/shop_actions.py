"""The storefront's templates that change state (judged on the episode's own database)."""

from __future__ import annotations

import random
from typing import Any

from palaestra.sites.data.people import CITIES, STREET_KINDS, STREET_NAMES
from palaestra.tasks.webarena.templates.base import (
    Instance,
    Obs,
    Plan,
    Seed,
    Template,
    click,
    db_eval,
    fill,
    find,
    page_text,
    register,
    say,
)
from palaestra.tasks.webarena.templates.shop import EMMA, IN_STOCK, open_product

EMMA_ID = f"(SELECT id FROM auth_user WHERE username = '{EMMA}')"
#: Seeded rows are dated before the seed's today (2025-06-30); an episode's new rows come after it.
AFTER_SEED = "'2025-07-01'"


def _fresh_products(seed: Seed, rng: random.Random, k: int, exclude_sql: str) -> list[tuple[Any, ...]]:
    rows = [r for r in seed.rows(IN_STOCK) if not seed.value(exclude_sql, r[0])]
    return rng.sample(rows, k)


def wishlist_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    held = (
        "SELECT COUNT(*) FROM wishlists_line l JOIN wishlists_wishlist w ON w.id = l.wishlist_id"
        f" WHERE w.owner_id = {EMMA_ID} AND l.product_id = ?"
    )
    return [
        Instance({"product": title}, db_eval("shop", (held.replace("?", str(pid)), 1)))
        for pid, title, *_ in _fresh_products(seed, rng, 3, held)
    ]


def wishlist_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    obs = yield from open_product(obs, values["product"])
    obs = yield click(obs, "link", "Add to wish list")
    obs = yield click(obs, "link", "Add to 'Default' wish list")
    yield say("Done.")


def basket_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    out = []
    for pid, title, _, stock, _ in rng.sample(seed.rows(IN_STOCK + ""), 6):
        if stock < 5:
            continue
        quantity = rng.randint(2, 4)
        query = (
            "SELECT SUM(l.quantity) FROM basket_line l JOIN basket_basket b ON b.id = l.basket_id"
            f" WHERE b.owner_id = {EMMA_ID} AND b.status = 'Open' AND l.product_id = {pid}"
        )
        out.append(Instance({"product": title, "quantity": quantity}, db_eval("shop", (query, quantity))))
    return out[:3]


def basket_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    obs = yield from open_product(obs, values["product"])
    obs = yield click(obs, "button", "Add to cart")
    obs = yield click(obs, "button", "View cart")
    quantity = next(el for el in obs["elements"] if el["role"] == "spinbutton" and el["visible"])
    obs = yield f"fill({quantity['id']!r}, {str(values['quantity'])!r})"
    obs = yield click(obs, "button", "Update")
    yield say("Done.")


def order_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    out = []
    for pid, title, *_ in rng.sample(seed.rows(IN_STOCK), 3):
        query = (
            "SELECT COUNT(*) FROM order_order o JOIN order_line l ON l.order_id = o.id"
            f" WHERE o.user_id = {EMMA_ID} AND l.product_id = {pid} AND o.date_placed > {AFTER_SEED}"
        )
        out.append(Instance({"product": title}, db_eval("shop", (query, 1))))
    return out


def order_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    obs = yield from open_product(obs, values["product"])
    obs = yield click(obs, "button", "Add to cart")
    obs = yield click(obs, "button", "View cart")
    obs = yield click(obs, "link", "Proceed to checkout")
    obs = yield click(obs, "button", "Ship to your default shipping address")
    for label in ("Continue", "Place order"):
        obs = yield click(obs, None, label)
    yield say("Done.")


REVIEW_TEXTS = [
    ("Sturdy and handsome", "It feels well made and looks great in my kitchen."),
    ("Not for me", "It works, but it is smaller than I expected."),
    ("Great gift", "Bought it for my sister and she uses it every day."),
]


def review_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    mine = f"SELECT COUNT(*) FROM reviews_productreview WHERE user_id = {EMMA_ID} AND product_id = ?"
    out = []
    for (pid, title, *_), (headline, body) in zip(
        _fresh_products(seed, rng, 3, mine), REVIEW_TEXTS, strict=True
    ):
        score = rng.randint(2, 5)
        query = (
            f"SELECT score FROM reviews_productreview WHERE user_id = {EMMA_ID} AND product_id = {pid}"
            f" AND title = '{headline}' AND body = '{body}'"
        )
        out.append(
            Instance(
                {"product": title, "score": score, "title": headline, "body": body},
                db_eval("shop", (query, score)),
            )
        )
    return out


def review_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    obs = yield from open_product(obs, values["product"])
    obs = yield click(obs, "link", "Write a review")
    obs = yield fill(obs, "Title", values["title"])
    label = next(
        i for i, el in enumerate(obs["elements"]) if el["role"] == "LabelText" and el["text"] == "Score"
    )
    stars = [el for el in obs["elements"][label:] if "fa-star" in el["attributes"].get("class", "")]
    obs = yield f"click({stars[values['score'] - 1]['id']!r})"
    obs = yield fill(obs, "Body", values["body"])
    obs = yield click(obs, "button", "Save review")
    yield say("Done.")


def address_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    out = []
    for _ in range(3):
        city, state, zip3, _area = rng.choice(CITIES)
        street = f"{rng.randint(10, 999)} {rng.choice(STREET_NAMES)} {rng.choice(STREET_KINDS)}"
        postcode = f"{zip3}{rng.randint(0, 99):02d}"
        query = (
            f"SELECT COUNT(*) FROM address_useraddress WHERE user_id = {EMMA_ID} AND line1 = '{street}'"
            f" AND line4 = '{city}' AND state = '{state}' AND postcode = '{postcode}'"
        )
        out.append(
            Instance(
                {"street": street, "city": city, "state": state, "postcode": postcode},
                db_eval("shop", (query, 1)),
            )
        )
    return out


def address_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    obs = yield click(obs, "link", "Account")
    obs = yield click(obs, "link", "Address Book")
    obs = yield click(obs, "link", "Add a new address")
    obs = yield fill(obs, "First name", "Emma")
    obs = yield fill(obs, "Last name", "Lopez")
    for label, key in (("First line of address", "street"), ("City", "city"), ("State/County", "state"),
                       ("Post/Zip-code", "postcode")):  # fmt: skip
        obs = yield fill(obs, label, values[key])
    obs = yield f"select_option({find(obs, 'combobox', 'Country')['id']!r}, 'United States')"
    obs = yield click(obs, "button", "Save")
    yield say("Done.")


def last_name_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    names = rng.sample(["Lopez-Garcia", "Rivera", "Okafor", "Lindqvist", "Marsh"], 3)
    query = f"SELECT last_name FROM auth_user WHERE username = '{EMMA}'"
    # The profile page must show the new name too (program_html on a fetched page, as WebArena's).
    profile = "__SHOP__/accounts/profile/"
    evals = {n: db_eval("shop", (query, n), html=[page_text(profile, n)]) for n in names}
    return [Instance({"last_name": n}, spec) for n, spec in evals.items()]


def last_name_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    obs = yield click(obs, "link", "Account")
    obs = yield click(obs, "link", "Edit profile")
    obs = yield fill(obs, "Last name", values["last_name"])
    obs = yield click(obs, "button", "Save")
    yield say("Done.")


register(
    Template(
        "add-to-wishlist", "shop", "Add the {product} to my wish list.", wishlist_instances, wishlist_oracle
    ),
    Template(
        "add-to-cart", "shop", "Put {quantity} of the {product} in my cart.", basket_instances, basket_oracle
    ),
    Template(
        "place-order",
        "shop",
        "Buy the {product} and ship it to my default address.",
        order_instances,
        order_oracle,
    ),
    Template(
        "write-review",
        "shop",
        'Review the {product}: {score} stars, titled "{title}", saying "{body}"',
        review_instances,
        review_oracle,
    ),
    Template(
        "add-address",
        "shop",
        "Add {street}, {city}, {state} {postcode} to my address book.",
        address_instances,
        address_oracle,
    ),
    Template(
        "change-last-name",
        "shop",
        "Change the last name on my account to {last_name}.",
        last_name_instances,
        last_name_oracle,
    ),
)
