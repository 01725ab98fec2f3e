"""The wiki's templates (WebArena "wikipedia"), on django-wiki with FOLDOC's articles.

Answers come from the seed's tables (``wiki_urlpath``, ``wiki_article``, ``wiki_articlerevision``).
Oracles find an article the way a reader does, through the wiki's search box, and read its section
off the breadcrumb and its authors, dates and edit summaries off its "Changes" page. Only articles
whose search lists at most 20 hits are drawn, so the article is on the search's first page.
"""

from __future__ import annotations

import random
import re
from typing import Any

from palaestra.tasks.webarena.templates.base import (
    Instance,
    Obs,
    OracleError,
    Plan,
    Seed,
    Step,
    Template,
    answer_eval,
    choose,
    click,
    fill,
    find,
    read,
    register,
    say,
    tree,
    unachievable_eval,
    url_eval,
)

ARTICLES = """
SELECT a.id, r.title, s.slug || '/' || p.slug, sr.title, r.revision_number
FROM wiki_urlpath p JOIN wiki_urlpath s ON s.id = p.parent_id
JOIN wiki_article a ON a.id = p.article_id JOIN wiki_articlerevision r ON r.id = a.current_revision_id
JOIN wiki_article sa ON sa.id = s.article_id JOIN wiki_articlerevision sr ON sr.id = sa.current_revision_id
WHERE p.level = 2 AND length(r.title) BETWEEN 4 AND 40 AND r.title GLOB '[A-Za-z]*'
  AND r.title NOT GLOB '*[^A-Za-z0-9 -]*' {where}
ORDER BY a.id
"""
#: How many articles the wiki's search lists for a text (their title or text contains it).
HITS = """
SELECT COUNT(*) FROM wiki_article a JOIN wiki_articlerevision r ON r.id = a.current_revision_id
WHERE r.title LIKE '%' || ? || '%' OR r.content LIKE '%' || ? || '%'
"""
SECTIONS = """
SELECT s.slug, r.title, (SELECT COUNT(*) FROM wiki_urlpath c WHERE c.parent_id = s.id)
FROM wiki_urlpath s JOIN wiki_article a ON a.id = s.article_id
JOIN wiki_articlerevision r ON r.id = a.current_revision_id WHERE s.level = 1 ORDER BY s.slug
"""


def articles(seed: Seed, rng: random.Random, k: int, where: str = "") -> list[tuple[Any, ...]]:
    """(article id, title, path, section title, revisions) of ``k`` articles drawn at random, each
    on the first page of the search for its title (at most 20 hits)."""
    rows = seed.rows(ARTICLES.format(where=where))
    rng.shuffle(rows)
    picked: list[tuple[Any, ...]] = []
    for row in rows:
        if len(picked) == k:
            break
        if seed.value(HITS, row[1], row[1]) <= 20:
            picked.append(row)
    return picked


def revisions(seed: Seed, article: int) -> list[tuple[Any, ...]]:
    """(number, user name, summary, created) of an article's revisions, oldest first."""
    return seed.rows(
        "SELECT r.revision_number, u.username, r.user_message, r.created FROM wiki_articlerevision r"
        " JOIN auth_user u ON u.id = r.user_id WHERE r.article_id = ? ORDER BY r.revision_number",
        article,
    )


# -- reading the wiki, for oracles -------------------------------------------------------------------


def search(obs: Obs, text: str) -> Step:
    obs = yield fill(obs, "Search", text, role="searchbox", enter=True)
    return obs


def open_article(obs: Obs, title: str) -> Step:
    """Search for the title and open the article whose result link starts with it."""
    obs = yield from search(obs, title)
    link = re.search(rf"\[(\w+)\] link '{re.escape(title)} /[^']*/'", tree(obs))
    if link is None:
        raise OracleError(f"no search result for {title!r} on {obs['url']}")
    obs = yield f"click({link[1]!r})"
    return obs


def open_changes(obs: Obs, title: str) -> Step:
    obs = yield from open_article(obs, title)
    obs = yield click(obs, "link", "Changes", exact=False)
    return obs


#: One entry of an article's "Changes" page: date, number, user, summary (the newest first).
CHANGE = re.compile(r"link '\S+ ([A-Z][a-z]+\.? \d+, (\d{4})[^(']*)\(#(\d+)\) by (\w+)(?: \*)? ?([^']*)'")


def changes(obs: Obs) -> list[tuple[str, str, int, str, str]]:
    return [(d, y, int(n), u, s) for d, y, n, u, s in CHANGE.findall(tree(obs))]


def section_of(obs: Obs) -> str:
    """The section in an article's breadcrumb (the link after the Main Page's)."""
    crumb = r"link 'Main Page'[^\n]*\n\s*\[\w+\] listitem\n\s*StaticText '/'\n\s*\[\w+\] link '([^']+)'"
    return read(obs, crumb)[1]


# -- information ------------------------------------------------------------------------------------


def section_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    return [Instance({"title": t}, answer_eval(exact_match=sec))
            for _, t, _, sec, _ in articles(seed, rng, 4)]  # fmt: skip


def section_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    obs = yield from open_article(obs, values["title"])
    yield say(section_of(obs))


def _edited(seed: Seed, rng: random.Random, k: int) -> list[tuple[Any, ...]]:
    return articles(seed, rng, k, "AND r.revision_number > 1")


def last_editor_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    return [Instance({"title": t}, answer_eval(exact_match=revisions(seed, a)[-1][1]))
            for a, t, *_ in _edited(seed, rng, 4)]  # fmt: skip


def last_editor_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    obs = yield from open_changes(obs, values["title"])
    yield say(max(changes(obs), key=lambda c: c[2])[3])


def creator_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    return [Instance({"title": t}, answer_eval(exact_match=revisions(seed, a)[0][1]))
            for a, t, *_ in articles(seed, rng, 4)]  # fmt: skip


def creator_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    obs = yield from open_changes(obs, values["title"])
    yield say(min(changes(obs), key=lambda c: c[2])[3])


def summary_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    return [Instance({"title": t}, answer_eval(exact_match=revisions(seed, a)[-1][2]))
            for a, t, *_ in _edited(seed, rng, 4)]  # fmt: skip


def summary_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    obs = yield from open_changes(obs, values["title"])
    yield say(max(changes(obs), key=lambda c: c[2])[4])


def revision_count_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    return [Instance({"title": t}, answer_eval(must_include=[str(n)]))
            for _, t, _, _, n in _edited(seed, rng, 3)]  # fmt: skip


def revision_count_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    obs = yield from open_changes(obs, values["title"])
    yield say(len(changes(obs)))


def year_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    return [Instance({"title": t}, answer_eval(must_include=[str(revisions(seed, a)[0][3])[:4]]))
            for a, t, *_ in articles(seed, rng, 3)]  # fmt: skip


def year_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    obs = yield from open_changes(obs, values["title"])
    yield say(min(changes(obs), key=lambda c: c[2])[1])


def section_count_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    return [Instance({"section": title}, answer_eval(must_include=[str(n)]))
            for _, title, n in choose(rng, seed.rows(SECTIONS), 4)]  # fmt: skip


def open_section(obs: Obs, section: str) -> Step:
    obs = yield click(obs, "link", "Home")
    obs = yield click(obs, "link", section)
    return obs


def section_count_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    obs = yield from open_section(obs, values["section"])
    yield say(read(obs, r"StaticText '(\d+) articles\.'")[1])


MISSING = ["Quantum Spreadsheet Compiler", "Hyperlinked Floppy Protocol"]


def missing_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    for title in MISSING:
        assert not seed.value("SELECT COUNT(*) FROM wiki_articlerevision WHERE title = ?", title)
    return [Instance({"title": t}, unachievable_eval("The wiki has no such article.")) for t in MISSING]


def missing_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    obs = yield from search(obs, values["title"])
    if re.search(rf"link '{re.escape(values['title'])} /", tree(obs)):
        raise OracleError("the article should not exist")
    yield f"report_infeasible({'The wiki has no article titled ' + values['title']!r})"


# -- navigation ------------------------------------------------------------------------------------


def nav_article_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    return [Instance({"title": t}, url_eval(f"__WIKI__/{path}/"))
            for _, t, path, *_ in articles(seed, rng, 3)]  # fmt: skip


def nav_article_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    yield from open_article(obs, values["title"])
    yield say("Done.")


def nav_changes_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    return [Instance({"title": t}, url_eval(f"__WIKI__/{path}/_history/"))
            for _, t, path, *_ in articles(seed, rng, 3)]  # fmt: skip


def nav_changes_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    yield from open_changes(obs, values["title"])
    yield say("Done.")


SEARCH_TERMS = ["ethernet", "compiler", "lambda", "router", "unicode", "kernel", "parity"]


def nav_search_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    return [Instance({"term": t}, url_eval(f"__WIKI__/_search/?q={t}")) for t in choose(rng, SEARCH_TERMS, 3)]


def nav_search_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    yield from search(obs, values["term"])
    yield say("Done.")


# -- changes ---------------------------------------------------------------------------------------


def _wiki_eval(*checks: tuple[str, Any]) -> dict[str, Any]:
    return {
        "eval_types": ["db_state"], "reference_answers": None, "reference_url": "", "program_html": [],
        "db_state": [{"dataset": "wiki", "query": q, "expected": e} for q, e in checks],
    }  # fmt: skip


CURRENT = "SELECT {what} FROM wiki_article a JOIN wiki_articlerevision r ON r.id = a.current_revision_id"
SENTENCES = [
    "This entry was reviewed by the documentation team in 2025.",
    "See the glossary for related terms.",
    "Several modern systems still rely on this idea.",
]


def append_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    out = []
    for (article, title, *_), sentence in zip(articles(seed, rng, 3), SENTENCES, strict=False):
        query = CURRENT.format(what="COUNT(*)") + f" WHERE a.id = {article} AND r.content LIKE '%{sentence}%'"
        out.append(Instance({"title": title, "sentence": sentence}, _wiki_eval((query, 1))))
    return out


def append_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    obs = yield from open_article(obs, values["title"])
    obs = yield click(obs, "link", "Edit", exact=False)
    contents = find(obs, "textbox", "Contents")
    text = f"{contents['value'].rstrip()}\n\n{values['sentence']}"
    obs = yield f"fill({contents['id']!r}, {text!r})\n" + fill(obs, "Summary", "Add a sentence")
    obs = yield click(obs, "button", "Save changes", exact=False)
    yield say("Done.")


def rename_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    out = []
    for article, title, *_ in articles(seed, rng, 3):
        new = f"{title} (computing)"
        query = CURRENT.format(what="r.title") + f" WHERE a.id = {article}"
        out.append(Instance({"title": title, "new": new}, _wiki_eval((query, new))))
    return out


def rename_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    obs = yield from open_article(obs, values["title"])
    obs = yield click(obs, "link", "Edit", exact=False)
    obs = yield fill(obs, "Title", values["new"]) + "\n" + fill(obs, "Summary", "Rename")
    obs = yield click(obs, "button", "Save changes", exact=False)
    yield say("Done.")


NEW_ARTICLES = [
    ("Networking", "networking", "Packet Juggling", "A playful name for reordering packets in a queue."),
    ("Programming", "programming", "Rubber Duck Review", "Explaining code aloud to find its bugs."),
    ("Hardware", "hardware", "Fan Curve", "The mapping from temperature to fan speed."),
]


def create_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    out = []
    for section, slug, title, text in NEW_ARTICLES:
        query = (
            CURRENT.format(what="COUNT(*)") + " JOIN wiki_urlpath p ON p.article_id = a.id"
            " JOIN wiki_urlpath s ON s.id = p.parent_id"
            f" WHERE r.title = '{title}' AND r.content LIKE '%{text}%' AND s.slug = '{slug}'"
        )
        values = {"title": title, "section": section, "text": text}
        out.append(Instance(values, _wiki_eval((query, 1))))
    return out


def create_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    obs = yield from open_section(obs, values["section"])
    # The page-menu button is an icon (Font Awesome's "file" glyph, U+F15B) with no other name.
    menu = [e for e in obs["elements"] if e["role"] == "button" and "\uf15b" in e["name"]]
    obs = yield f"click({menu[0]['id']!r})"
    obs = yield click(obs, "link", "New article below", exact=False)
    slug = re.sub(r"[^a-z0-9]+", "-", values["title"].lower()).strip("-")
    obs = yield "\n".join(
        [fill(obs, "Title", values["title"]), fill(obs, "Slug", slug), fill(obs, "Contents", values["text"])]
    )
    obs = yield click(obs, "button", "Create article", exact=False)
    yield say("Done.")


register(
    Template("wiki-section", "wiki", 'In which section of the wiki is the article "{title}"?',
             section_instances, section_oracle),
    Template("wiki-last-editor", "wiki", 'Who made the latest change to the wiki article "{title}"? '
             "Give the user name.", last_editor_instances, last_editor_oracle),
    Template("wiki-creator", "wiki", 'Who wrote the first version of the wiki article "{title}"? '
             "Give the user name.", creator_instances, creator_oracle),
    Template("wiki-edit-summary", "wiki",
             'What is the summary of the latest change to the wiki article "{title}"?', summary_instances,
             summary_oracle),
    Template("wiki-revision-count", "wiki", 'How many revisions does the wiki article "{title}" have?',
             revision_count_instances, revision_count_oracle),
    Template("wiki-created-year", "wiki", 'In which year was the wiki article "{title}" first written?',
             year_instances, year_oracle),
    Template("wiki-section-size", "wiki", "How many articles does the {section} section of the wiki list?",
             section_count_instances, section_count_oracle),
    Template("wiki-missing", "wiki", 'Who wrote the first version of the wiki article "{title}"?',
             missing_instances, missing_oracle),
    Template("wiki-nav-article", "wiki", 'Open the wiki article "{title}".', nav_article_instances,
             nav_article_oracle),
    Template("wiki-nav-changes", "wiki", 'Show me the list of changes made to the wiki article "{title}".',
             nav_changes_instances, nav_changes_oracle),
    Template("wiki-nav-search", "wiki", 'Search the wiki for "{term}".', nav_search_instances,
             nav_search_oracle),
    Template("wiki-append", "wiki", 'Add the sentence "{sentence}" at the end of the wiki article "{title}".',
             append_instances, append_oracle),
    Template("wiki-rename", "wiki", 'Rename the wiki article "{title}" to "{new}".', rename_instances,
             rename_oracle),
    Template("wiki-create", "wiki", 'Create a wiki article titled "{title}" in the {section} section that '
             'says "{text}"', create_instances, create_oracle),
)  # fmt: skip
