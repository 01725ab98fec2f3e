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
    #: The module a site process of this dataset runs (``python -m <server> --port N --parent-pid P``,
    #: printing ``LISTENING <port>``); the Django server unless the app is not a Django one.
    server: str = "palaestra.sites.apps.serve"
    #: The module that builds the seed (``python -m <builder> --dataset NAME --out DIR``).
    builder: str = "palaestra.sites.data.build"
    #: Distributions (besides the common ones) whose versions shape the seed.
    versions: tuple[str, ...] = ()
    #: Programs the dataset's apps run, with the Debian package that installs each.
    programs: tuple[tuple[str, str], ...] = ()


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
    #: Whether a person can log in (the map keeps an account for the runtime's log-in contract,
    #: but has no log-in page, so ``sites serve`` names no account for it).
    has_login_page: bool = True

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
    "wiki": Dataset(
        "wiki", "palaestra.sites.apps.wiki_settings",
        ("django", "wiki", "waitress", "whitenoise"),
        (*_COMMON, "data/wiki.py", "data/foldoc.py", "apps/wiki_settings.py"),
        versions=("wiki", "django-mptt", "markdown"),
    ),
    # OpenStreetMap's Helsinki extract, read by pyosmium; no third-party Django app.
    "map": Dataset(
        "map", "palaestra.sites.apps.map_settings", ("django", "osmium", "waitress", "whitenoise"),
        (*_COMMON, "data/map.py", "data/osm.py", "data/osm_relations.py", "apps/map_settings.py",
         "apps/map_routing.py"),
        versions=("osmium",),
    ),
    # Fossil (Debian's fossil) is no Django app: its own front process and builder.
    "code": Dataset(
        "code", "", (), ("data/common.py", "data/people.py", "data/code.py", "data/code_words.py"),
        server="palaestra.sites.apps.fossil", builder="palaestra.sites.data.code",
        programs=(("fossil", "fossil"),),
    ),
}  # fmt: skip

SITES = {
    "shop": SiteDef("shop", "shop", "/", "__SHOP__", "shopping", "shop"),
    "shop-admin": SiteDef(
        "shop-admin", "shop", "/dashboard/", "__SHOP_ADMIN__", "shopping_admin", "shop-admin", "/dashboard"
    ),
    "forum": SiteDef("forum", "forum", "/", "__FORUM__", "reddit", "forum"),
    "wiki": SiteDef("wiki", "wiki", "/", "__WIKI__", "wikipedia", "wiki"),
    "code": SiteDef("code", "code", "/", "__CODE__", "gitlab", "code"),
    "map": SiteDef("map", "map", "/", "__MAP__", "map", "map", has_login_page=False),
}


def get_site(name: str) -> SiteDef:
    if name not in SITES:
        raise UnknownNameError("site", name, SITES, hint="`palaestra sites list` lists them.")
    return SITES[name]


def site_named(name: str) -> str:
    """Our site's name for ``name``, which may be WebArena's name of the site (``reddit`` -> ``forum``)."""
    by_webarena = {site.webarena: site.name for site in SITES.values()}
    if name in by_webarena:
        return by_webarena[name]
    if name not in SITES:
        known = [*SITES, *by_webarena]
        raise UnknownNameError("site", name, known, hint="`palaestra sites list` lists them.")
    return name


def dataset_named(name: str) -> str:
    """The dataset behind ``name``: a dataset, one of our sites or a WebArena site (``shopping_admin``
    -> ``shop``, whose database the dashboard serves)."""
    if name in DATASETS:
        return name
    try:
        return SITES[site_named(name)].dataset
    except UnknownNameError:
        known = [*DATASETS, *SITES, *(site.webarena for site in SITES.values())]
        raise UnknownNameError("site", name, known, hint="`palaestra sites list` lists them.") from None


def get_dataset(name: str) -> Dataset:
    if name not in DATASETS:
        raise UnknownNameError("dataset", name, DATASETS)
    return DATASETS[name]
