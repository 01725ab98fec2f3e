"""The sites Palaestra serves, and the seeded datasets behind them.

A *dataset* is one seeded database (with its search index and files); a *site* is one web process
over a dataset. The shop's storefront and its dashboard are two sites over one dataset, so an
order placed in the shop shows in the dashboard of the same episode.
"""

from __future__ import annotations

from dataclasses import dataclass

from palaestra.errors import UnknownNameError


@dataclass(frozen=True)
class Dataset:
    name: str
    settings: str
    #: The Python distributions the dataset's apps need (checked before a build or a start).
    requires: tuple[str, ...]
    #: The files (relative to palaestra/sites) whose contents shape the seed: its recipe.
    recipe: tuple[str, ...] = ()


@dataclass(frozen=True)
class SiteDef:
    name: str
    dataset: str
    #: Where a person lands (appended to the site's base URL).
    home: str
    #: The placeholder task files use for the site's base URL, as WebArena's ``__SHOPPING__``.
    placeholder: str
    #: The WebArena site this one stands in for.
    webarena: str
    #: The account tasks with ``require_login`` use unless they name another (a key of the
    #: dataset manifest's ``accounts``).
    account_key: str
    #: The base URL's path: the dashboard lives under /dashboard on the admin site.
    base_path: str = ""

    @property
    def session_cookie(self) -> str:
        return f"{self.name.replace('-', '_')}_session"


_COMMON = ("data/build.py", "data/common.py", "data/people.py", "apps/common.py")
DATASETS = {
    "shop": Dataset(
        "shop", "palaestra.sites.apps.shop_settings",
        ("django", "oscar", "haystack", "whoosh", "waitress", "whitenoise"),
        (*_COMMON, "data/shop.py", "data/shop_activity.py", "data/catalogue_words.py", "data/images.py",
         "apps/shop_settings.py"),
    ),
    "forum": Dataset(
        "forum", "palaestra.sites.apps.forum_settings",
        ("django", "spirit", "haystack", "whoosh", "waitress", "whitenoise"),
        (*_COMMON, "data/forum.py", "data/forum_words.py", "apps/forum_settings.py"),
    ),
}  # fmt: skip

SITES = {
    "shop": SiteDef("shop", "shop", "/", "__SHOP__", "shopping", "shop"),
    "shop-admin": SiteDef(
        "shop-admin", "shop", "/dashboard/", "__SHOP_ADMIN__", "shopping_admin", "shop-admin", "/dashboard"
    ),
    "forum": SiteDef("forum", "forum", "/", "__FORUM__", "reddit", "forum"),
}


def get_site(name: str) -> SiteDef:
    if name not in SITES:
        raise UnknownNameError("site", name, SITES, hint="`palaestra sites list` lists them.")
    return SITES[name]


def get_dataset(name: str) -> Dataset:
    if name not in DATASETS:
        raise UnknownNameError("dataset", name, DATASETS)
    return DATASETS[name]
