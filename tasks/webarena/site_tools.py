"""The tools a site task offers through the routing layer, as WebArena's paper gives its agents:
a calculator (with unit converters), each site's manual, and a search over the wiki's articles when
the task involves the wiki. Agents call them with ``call_api``/``search_apis``; what the tools know
is public (the manuals describe the sites' pages; the wiki's articles are on the wiki itself).
"""

from __future__ import annotations

import functools
import sqlite3
from typing import Any

#: One short manual per site: where things are, in the words of the site's own pages.
MANUALS = {
    "shop": (
        "The shop's search box is at the top of every page; results list 12 products a page and sort by "
        "relevance or price. A product page shows its price, stock, attributes and reviews with stars. "
        "Your account (top right) holds the order history, address book and wish lists; the basket "
        "leads to checkout, where an address and a shipping method are chosen before the order is placed."
    ),
    "shop-admin": (
        "The dashboard's menu has Orders (filter by status, open an order to change its status or add a "
        "note), Catalogue (products, stock and prices, categories), Customers, Offers and Vouchers, "
        "Reviews (approve or reject) and Reports (order and product reports over a date range)."
    ),
    "forum": (
        "The forum lists its categories on the home page; a category lists its topics, newest first, and "
        "a topic its comments. Logged-in members reply at the bottom of a topic, like comments, start "
        "topics with 'New topic', and write private topics from their profile. Moderators close, pin and "
        "move topics from the topic's moderation menu. The search box searches topics and comments."
    ),
    "code": (
        "The code host's home page lists its projects. A project's menu has Timeline, Files, Branches, Tags, "
        "Tickets and Wiki. Tickets has reports ('All Tickets') and 'New Ticket'; a ticket's page shows its "
        "type, status, severity, subsystem and history, and 'Edit' changes them. Branches says which "
        "branches were merged into trunk."
    ),
    "wiki": (
        "The wiki's Main Page lists its sections; a section's page lists its articles. The search box at the "
        "top searches titles and texts. An article's menu has View, Edit, Changes (its revisions, newest "
        "first, with their authors and summaries), Attachments and Settings. The page menu next to the "
        "breadcrumb creates an article next to or below the current one."
    ),
    "map": (
        "The map's search box at the top finds places, streets and addresses; 'cafe near <place>' "
        "lists places of a kind by distance from a place, and 'LAT, LON' shows what is there. A "
        "place's page shows its tags (kind, address), its coordinates and nearby places. Directions "
        "takes From and To (names or coordinates) and a mode (car, bicycle, foot) and shows the "
        "distance, the time and the turns."
    ),
}


@functools.cache
def wiki_articles() -> dict[str, str]:
    """The seeded wiki's articles (title -> text), for the wiki search tool."""
    from palaestra.sites.build import built

    db = built("wiki") / "db.sqlite3"
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        rows = conn.execute(
            "SELECT r.title, r.content FROM wiki_article a"
            " JOIN wiki_articlerevision r ON r.id = a.current_revision_id"
        ).fetchall()
    return {f"Wiki: {title}": content for title, content in rows}


def site_tools(sites: tuple[str, ...]) -> Any:
    """A ``TaskTools`` with the calculator, the sites' manuals and, with the wiki, its articles."""
    from palaestra.routing import ApiRegistry
    from palaestra.routing.environment import TaskTools
    from palaestra.routing.tools import register_offline_tools

    documents = {f"Manual: {site}": MANUALS[site] for site in sites if site in MANUALS}
    if "wiki" in sites:
        documents.update(wiki_articles())
    registry = ApiRegistry()
    register_offline_tools(registry, documents=documents or None)
    return TaskTools(registry)
