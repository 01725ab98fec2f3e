"""Sample documents the document tools are tested on: three short help texts of three sites."""

from __future__ import annotations

import pytest

from palaestra.routing.tools import DocumentIndex

SHOP_MANUAL = """Shopping Admin Manual

Products. To add a product, open Catalog > Products and click Add Product. Fill in the SKU, the \
price and the quantity, then save.

Refunds. To refund an order, open Sales > Orders, select the order and create a Credit Memo. \
The refund goes back to the original payment method within five business days.

Customers. Customer groups control tier prices. Assign a customer to a group on the Account \
Information tab of the customer's page."""

GITLAB_GUIDE = """GitLab Guide

Merge requests. Push a branch, then open Merge Requests > New merge request, pick the source \
and target branches and assign a reviewer.

SSH keys. To clone over SSH, generate a key pair with ssh-keygen and paste the public key in \
Preferences > SSH Keys."""

MAP_HELP = """Map Help

Directions. Click Directions, enter a start and a destination, and choose walking, cycling or \
driving. The route shows the distance and the travel time."""

DOCUMENTS = {"Shopping admin manual": SHOP_MANUAL, "GitLab guide": GITLAB_GUIDE, "Map help": MAP_HELP}


@pytest.fixture(scope="session")
def documents() -> dict[str, str]:
    return dict(DOCUMENTS)


@pytest.fixture(scope="module")
def index(documents: dict[str, str]) -> DocumentIndex:
    return DocumentIndex(documents)
