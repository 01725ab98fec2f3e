"""Seed data of the shop (django-oscar): catalogue, stock, reviews, customers, orders, offers.

Runs inside the build subprocess (Django set up with the shop's settings, migrations applied).
Everything comes from ``random.Random(SEED)`` in a fixed order, so the same recipe gives the same
shop, and tasks generated from it stay true.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from pathlib import Path
from typing import Any

from palaestra.sites.data import shop_activity as activity
from palaestra.sites.data.catalogue_words import (
    COLORS,
    DEPARTMENTS,
    NEGATIVE_ASPECTS,
    REVIEW_OPENERS,
    REVIEW_TITLES,
)
from palaestra.sites.data.common import (
    PASSWORD,
    explicit_dates,
    random_date,
    sessions_for,
    weighted,
)
from palaestra.sites.data.images import product_image
from palaestra.sites.data.people import Person, make_people

SEED = 17
PRODUCTS_PER_CATEGORY = 58
CUSTOMERS = 240
#: The accounts tasks log in as (as WebArena's shop has Emma Lopez and an admin).
DEFAULT_CUSTOMER = "emma.lopez"


def build(out: Path) -> dict[str, Any]:
    from django.contrib.auth.hashers import make_password

    rng = random.Random(SEED)
    password = make_password(PASSWORD)
    catalogue = _catalogue(rng, out)
    users = _customers(rng, password)
    _reviews(rng, catalogue["products"], users)
    orders = activity.orders(rng, catalogue["products"], users)
    activity.wishlists(rng, catalogue["products"], users)
    activity.offers()
    activity.pages()
    admin = activity.admin()
    sessions = sessions_for([admin, *users])
    return {
        "products": len(catalogue["products"]),
        "categories": catalogue["categories"],
        "customers": len(users),
        "orders": orders,
        "accounts": {"shop": DEFAULT_CUSTOMER, "shop-admin": activity.ADMIN[0]},
        "sessions": sessions,
    }


def _catalogue(rng: random.Random, out: Path) -> dict[str, Any]:
    from oscar.apps.catalogue.models import (
        Category,
        Product,
        ProductAttribute,
        ProductAttributeValue,
        ProductCategory,
        ProductClass,
        ProductImage,
    )
    from oscar.apps.partner.models import Partner, StockRecord

    partner = Partner.objects.create(code="lumen-larder", name="Lumen & Larder Warehouse")
    products: list[Any] = []
    links, values, stock, images = [], [], [], []
    leaves = 0
    for dept_name, dept in DEPARTMENTS.items():
        root = Category.add_root(name=dept_name, description=f"Everything in {dept_name.lower()}.")
        pclass = ProductClass.objects.create(
            name=dept["product_class"], requires_shipping=True, track_stock=True
        )
        for code, name in (
            ("brand", "Brand"),
            ("material", "Material"),
            ("color", "Color"),
            ("size", "Size"),
        ):
            ProductAttribute.objects.create(product_class=pclass, name=name, code=code, type="text")
        for leaf_name, leaf in dept["leaves"].items():
            leaves += 1
            category = root.add_child(
                name=leaf_name, description=_category_blurb(leaf_name, leaf["features"])
            )
            titles: set[str] = set()
            while len(titles) < PRODUCTS_PER_CATEGORY:
                brand, variant, noun = (
                    rng.choice(dept["brands"]),
                    rng.choice(leaf["variants"]),
                    rng.choice(leaf["nouns"]),
                )
                size = rng.choice(leaf["sizes"]) if leaf["sizes"] else ""
                title = f"{brand} {variant} {noun}" + (f", {size}" if size else "")
                if title in titles:
                    continue
                titles.add(title)
                color = rng.choice(COLORS)
                low, high = leaf["price"]
                price = _price(rng, low, high)
                product = Product(
                    title=title,
                    slug=_slug(title),
                    upc=f"LL{len(products) + 100001}",
                    description=_description(rng, noun, variant, brand, leaf["features"], color),
                    product_class=pclass,
                    structure="standalone",
                    is_public=True,
                    date_created=random_date(rng, dt.datetime(2023, 1, 1, tzinfo=dt.UTC)),
                )
                product.date_updated = product.date_created
                products.append(product)
                product.meta = {
                    "category": category,
                    "attrs": {"brand": brand, "material": variant, "color": color, "size": size},
                    "price": price,
                    "stock": 0 if rng.random() < 0.06 else rng.randint(1, 180),
                    "dept": dept_name,
                    "noun": noun,
                }
    with explicit_dates(Product, ProductImage, StockRecord):
        Product.objects.bulk_create(products, batch_size=500)
        for product in products:
            meta = product.meta
            links.append(ProductCategory(product=product, category=meta["category"]))
            stock.append(
                StockRecord(
                    product=product,
                    partner=partner,
                    partner_sku=f"SKU-{product.pk:05d}",
                    price_currency="USD",
                    price=meta["price"],
                    num_in_stock=meta["stock"],
                    num_allocated=0,
                    low_stock_threshold=5,
                    date_created=product.date_created,
                    date_updated=product.date_created,
                )
            )
            name = f"images/products/{product.pk}.jpg"
            product_image(
                out / "media" / name, product.title, meta["attrs"]["color"], meta["dept"], meta["noun"]
            )
            images.append(
                ProductImage(
                    product=product,
                    original=name,
                    caption="",
                    display_order=0,
                    date_created=product.date_created,
                )
            )
        attr_by_class = {
            pc.pk: {a.code: a for a in ProductAttribute.objects.filter(product_class=pc)}
            for pc in ProductClass.objects.all()
        }
        for product in products:
            meta = product.meta
            for code, value in meta["attrs"].items():
                if value:
                    values.append(
                        ProductAttributeValue(
                            attribute=attr_by_class[product.product_class_id][code],
                            product=product,
                            value_text=value,
                        )
                    )
        ProductCategory.objects.bulk_create(links, batch_size=1000)
        ProductAttributeValue.objects.bulk_create(values, batch_size=1000)
        StockRecord.objects.bulk_create(stock, batch_size=1000)
        ProductImage.objects.bulk_create(images, batch_size=1000)
    return {"products": products, "categories": leaves}


def _category_blurb(name: str, features: list[str]) -> str:
    return f"Our {name.lower()} range: pieces that {features[0]} and {features[1]}."


def _price(rng: random.Random, low: float, high: float) -> Decimal:
    raw = low + (high - low) * rng.random() ** 1.8  # most products sit at the cheaper end
    return Decimal(f"{int(raw)}.{rng.choice(['99', '95', '49', '00', '50'])}")


def _slug(title: str) -> str:
    from django.utils.text import slugify

    return slugify(title)[:128]


def _description(
    rng: random.Random, noun: str, variant: str, brand: str, features: list[str], color: str
) -> str:
    picked = rng.sample(features, k=min(3, len(features)))
    sentences = [
        f"The {brand} {noun.lower()} is made in {variant.lower()} and finished in {color.lower()}.",
        f"It {picked[0]}, and it {picked[1]}.",
        f"Customers choose it because it {picked[2]}." if len(picked) > 2 else "",
        rng.choice(
            [
                f"Backed by {brand}'s two-year warranty.",
                "Ships in recyclable packaging.",
                "Designed and tested in our own workshop.",
                "A favourite with our customers for everyday use.",
            ]
        ),
    ]
    return "<p>" + " ".join(s for s in sentences if s) + "</p>"


def _customers(rng: random.Random, password: str) -> list[Any]:
    from django.contrib.auth.models import User
    from oscar.apps.address.models import Country, UserAddress

    us = Country.objects.create(
        iso_3166_1_a2="US",
        iso_3166_1_a3="USA",
        iso_3166_1_numeric="840",
        printable_name="United States",
        name="United States of America",
        display_order=1,
        is_shipping_country=True,
    )
    people = [_emma(), *make_people(rng, CUSTOMERS - 1)]
    users = [
        User(
            username=p.email.split("@")[0],
            email=p.email,
            first_name=p.first,
            last_name=p.last,
            password=password,
            date_joined=random_date(
                rng, dt.datetime(2022, 1, 1, tzinfo=dt.UTC), dt.datetime(2024, 6, 1, tzinfo=dt.UTC)
            ),
        )
        for p in people
    ]
    User.objects.bulk_create(users)
    addresses = []
    with explicit_dates(UserAddress):
        for user, person in zip(users, people, strict=True):
            user.person = person
            addresses.append(
                activity.address(
                    UserAddress,
                    person,
                    us,
                    user=user,
                    date_created=user.date_joined,
                    is_default_for_shipping=True,
                    is_default_for_billing=True,
                )
            )
        UserAddress.objects.bulk_create(addresses)
    return users


def _emma() -> Person:
    return Person(
        "Emma",
        "Lopez",
        "emma.lopez@example.com",
        "101 S San Mateo Drive",
        "San Mateo",
        "CA",
        "94010",
        "+16505550123",
    )


def _reviews(rng: random.Random, products: list[Any], users: list[Any]) -> None:
    from oscar.apps.catalogue.reviews.models import ProductReview

    reviews = []
    for product in products:
        meta = product.meta
        count = weighted(rng, {0: 0.12, 1: 0.15, 2: 0.2, 3: 0.2, 4: 0.13, 5: 0.1, 7: 0.06, 10: 0.04})
        authors = rng.sample(users, k=count)
        quality = rng.random()  # some products are simply better liked than others
        for user in authors:
            score = max(1, min(5, round(2.2 + 3 * quality + rng.gauss(0, 1))))
            reviews.append(
                ProductReview(
                    product=product,
                    score=score,
                    title=rng.choice(REVIEW_TITLES[score]),
                    body=_review_body(rng, score, meta),
                    user=user,
                    status=1,
                    date_created=random_date(rng, product.date_created),
                )
            )
    with explicit_dates(ProductReview):
        ProductReview.objects.bulk_create(reviews, batch_size=1000)
    from django.db.models import Avg
    from oscar.apps.catalogue.models import Product

    ratings = dict(
        ProductReview.objects.values_list("product").annotate(avg=Avg("score")).values_list("product", "avg")
    )
    for product in products:
        product.rating = ratings.get(product.pk)
    Product.objects.bulk_update(products, ["rating"], batch_size=500)


def _review_body(rng: random.Random, score: int, meta: dict[str, Any]) -> str:
    noun = meta["noun"].lower()
    dept = DEPARTMENTS[meta["dept"]]
    good = rng.choice(dept["aspects"])
    bad = rng.choice(NEGATIVE_ASPECTS)
    opener = rng.choice(REVIEW_OPENERS[score])
    if score >= 4:
        middle = f"The {noun} {good}, and the {meta['attrs']['color'].lower()} looks just like the photos."
    elif score == 3:
        middle = f"The {noun} {good}, but it {bad}."
    else:
        middle = f"Sadly the {noun} {bad}."
    closer = rng.choice(["", " I use it every week.", " Bought it as a gift.", " Delivery was quick."])
    return f"{opener} {middle}{closer}"
