"""The shop's activity: past orders, wish lists, offers and vouchers, information pages, the admin.

Part of the shop's builder (``shop.py``), which calls these in a fixed order after the catalogue
and the customers, with the same random generator.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from palaestra.sites.data.common import SEED_NOW, explicit_dates, random_date, weighted
from palaestra.sites.data.people import Person

ORDERS = 520
STATUSES = {"Complete": 0.55, "Shipped": 0.15, "Processing": 0.12, "Pending": 0.1, "Cancelled": 0.08}
SHIPPING = ("Standard shipping", "standard", Decimal("5.00"))
ADMIN = ("admin", "admin@lumenlarder.example.com", "admin1234")


def orders(rng: random.Random, products: list[Any], users: list[Any]) -> int:
    from django.contrib.sites.models import Site
    from oscar.apps.address.models import Country
    from oscar.apps.basket.models import Basket
    from oscar.apps.order.models import BillingAddress, Line, Order, ShippingAddress
    from oscar.apps.partner.models import StockRecord

    site = Site.objects.get(pk=1)
    site.domain, site.name = "127.0.0.1", "Lumen & Larder"
    site.save()
    us = Country.objects.get(pk="US")
    stock = {s.product_id: s for s in StockRecord.objects.all()}
    # Emma has a long history; everyone else a few orders, some none.
    owners = [users[0]] * 18 + [rng.choice(users[1:]) for _ in range(ORDERS - 18)]
    dates = sorted(random_date(rng, dt.datetime(2024, 7, 1, tzinfo=dt.UTC)) for _ in owners)
    rng.shuffle(owners)
    with explicit_dates(Order, Line, Basket):
        baskets = [
            Basket(owner=u, status="Submitted", date_created=d, date_submitted=d)
            for u, d in zip(owners, dates, strict=True)
        ]
        Basket.objects.bulk_create(baskets)
        shipping = [address(ShippingAddress, u.person, us) for u in owners]
        ShippingAddress.objects.bulk_create(shipping)
        billing = [address(BillingAddress, u.person, us) for u in owners]
        BillingAddress.objects.bulk_create(billing)
        orders, lines = [], []
        for i, (user, when, basket) in enumerate(zip(owners, dates, baskets, strict=True)):
            status = (
                weighted(rng, STATUSES)
                if when < SEED_NOW - dt.timedelta(days=20)
                else rng.choice(["Pending", "Processing", "Shipped"])
            )
            picked = rng.sample(products, k=weighted(rng, {1: 0.45, 2: 0.3, 3: 0.15, 4: 0.1}))
            order_lines = []
            for product in picked:
                quantity = weighted(rng, {1: 0.75, 2: 0.18, 3: 0.07})
                record = stock[product.pk]
                total = record.price * quantity
                order_lines.append(
                    Line(
                        partner=record.partner,
                        partner_name="Lumen & Larder Warehouse",
                        partner_sku=record.partner_sku,
                        stockrecord=record,
                        product=product,
                        title=product.title,
                        upc=product.upc,
                        quantity=quantity,
                        line_price_incl_tax=total,
                        line_price_excl_tax=total,
                        line_price_before_discounts_incl_tax=total,
                        line_price_before_discounts_excl_tax=total,
                        unit_price_incl_tax=record.price,
                        unit_price_excl_tax=record.price,
                        status=status,
                        num_allocated=0,
                    )
                )
            goods = sum((ln.line_price_incl_tax for ln in order_lines), Decimal("0"))
            ship = Decimal("0.00") if goods >= 50 else SHIPPING[2]
            order = Order(
                number=str(100000 + basket.pk),
                site=site,
                basket=basket,
                user=user,
                currency="USD",
                billing_address=billing[i],
                shipping_address=shipping[i],
                total_incl_tax=goods + ship,
                total_excl_tax=goods + ship,
                shipping_incl_tax=ship,
                shipping_excl_tax=ship,
                shipping_method="Free shipping" if not ship else SHIPPING[0],
                shipping_code="free-shipping" if not ship else SHIPPING[1],
                status=status,
                date_placed=when,
            )
            orders.append(order)
            lines.append(order_lines)
        Order.objects.bulk_create(orders)
        flat = []
        for order, order_lines in zip(orders, lines, strict=True):
            for line in order_lines:
                line.order = order
                flat.append(line)
        Line.objects.bulk_create(flat, batch_size=1000)
    return len(orders)


def wishlists(rng: random.Random, products: list[Any], users: list[Any]) -> None:
    from oscar.apps.wishlists.models import Line, WishList

    with explicit_dates(WishList):
        for user in [users[0], *rng.sample(users[1:], k=40)]:
            wishlist = WishList.objects.create(
                owner=user,
                name="Default",
                visibility="Private",
                date_created=random_date(rng, dt.datetime(2024, 1, 1, tzinfo=dt.UTC)),
            )
            Line.objects.bulk_create(
                [
                    Line(wishlist=wishlist, product=p, quantity=1, title=p.title)
                    for p in rng.sample(products, k=rng.randint(1, 6))
                ]
            )


def offers() -> None:
    from oscar.apps.offer.models import Benefit, Condition, ConditionalOffer, Range
    from oscar.apps.voucher.models import Voucher

    everything = Range.objects.create(
        name="Everything", slug="everything", includes_all_products=True, is_public=False
    )
    start, end = dt.datetime(2025, 1, 1, tzinfo=dt.UTC), dt.datetime(2030, 12, 31, tzinfo=dt.UTC)
    for name, code, kind, value, minimum in (
        ("Spring savings", "SPRING10", "Percentage", 10, 1),
        ("Welcome discount", "WELCOME5", "Absolute", 5, 1),
        ("Big basket", "BIGBASKET", "Percentage", 15, 5),
    ):
        condition = Condition.objects.create(range=everything, type="Count", value=minimum)
        benefit = Benefit.objects.create(range=everything, type=kind, value=value)
        offer = ConditionalOffer.objects.create(
            name=f"{name} ({code})",
            slug=code.lower(),
            offer_type="Voucher",
            condition=condition,
            benefit=benefit,
            start_datetime=start,
            end_datetime=end,
        )
        voucher = Voucher.objects.create(
            name=name, code=code, usage="Multi-use", start_datetime=start, end_datetime=end
        )
        voucher.offers.add(offer)


PAGES = {
    "/about/": (
        "About us",
        "Lumen & Larder has sold home, kitchen and garden goods since 2016. Our warehouse in "
        "Portland, Oregon ships to all 50 states.",
    ),
    "/shipping/": (
        "Shipping policy",
        "Orders of $50.00 or more ship free. Smaller orders ship for a flat $5.00. "
        "Standard delivery takes 3 to 5 business days.",
    ),
    "/returns/": (
        "Returns",
        "Unused items may be returned within 30 days of delivery for a full refund. "
        "Opened personal care items cannot be returned.",
    ),
    "/contact/": (
        "Contact us",
        "Write to help@lumenlarder.example.com or call (503) 555-0199, Monday to Friday, "
        "9am to 5pm Pacific time.",
    ),
}


def pages() -> None:
    from django.contrib.flatpages.models import FlatPage
    from django.contrib.sites.models import Site

    site = Site.objects.get(pk=1)
    for url, (title, content) in PAGES.items():
        FlatPage.objects.create(url=url, title=title, content=f"<p>{content}</p>").sites.add(site)


def admin() -> Any:
    from django.contrib.auth.models import User

    name, email, password = ADMIN
    return User.objects.create_superuser(name, email, password, first_name="Store", last_name="Admin")


def address(model: Any, p: Person, country: Any, **extra: Any) -> Any:
    if any(f.name == "phone_number" for f in model._meta.fields):
        extra["phone_number"] = p.phone
    address = model(
        first_name=p.first,
        last_name=p.last,
        line1=p.street,
        line4=p.city,
        state=p.state,
        postcode=p.postcode,
        country=country,
        **extra,
    )
    address.search_text = " ".join([p.first, p.last, p.street, p.city, p.state, p.postcode])
    if hasattr(address, "generate_hash"):
        address.hash = address.generate_hash()
    return address
