"""The forum's templates (WebArena "reddit"), as the member maple_fern (or the moderator)."""

from __future__ import annotations

import random
import re
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
    fill,
    find,
    page_text,
    read,
    register,
    say,
    tree,
    unachievable_eval,
    url_eval,
)

ME = "maple_fern"
ME_ID = f"(SELECT id FROM auth_user WHERE username = '{ME}')"
PUBLIC_TOPICS = """SELECT t.id, t.title, t.slug, c.title, u.username, t.comment_count
FROM spirit_topic_topic t JOIN spirit_category_category c ON c.id = t.category_id
JOIN auth_user u ON u.id = t.user_id
WHERE c.is_private = 0 AND t.is_pinned = 0 AND c.title != 'Private'
AND (SELECT COUNT(*) FROM spirit_topic_topic o WHERE o.title = t.title) = 1 ORDER BY t.id"""


def _topics(seed: Seed, rng: random.Random, k: int, max_comments: int = 10_000) -> list[tuple[Any, ...]]:
    return choose(rng, [r for r in seed.rows(PUBLIC_TOPICS) if r[5] <= max_comments], k)


def open_topic(obs: Obs, title: str) -> Step:
    """Search the forum for the topic's title and open it."""
    obs = yield click(obs, "link", "\uf002")
    obs = yield fill(obs, "Search:", title, role="searchbox", enter=True)
    obs = yield click(obs, "link", title)
    return obs


def authors(obs: Obs) -> list[str]:
    """The authors of the comments on a topic page, in order (each comment starts with a link to its
    author, after the avatar's letter)."""
    # The tree spells the icon font's private-use glyphs as escapes (a moderator's badge: \\uf130).
    return re.findall(r"StaticText '\w'\n\s*\[\w+\] link '([^'\n]+?)(?: \\uf130)?'", tree(obs))


def author_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    return [Instance({"title": t}, answer_eval(exact_match=u)) for _, t, _, _, u, _ in _topics(seed, rng, 4)]


def author_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    obs = yield from open_topic(obs, values["title"])
    yield say(authors(obs)[0])


def first_reply_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    out = []
    for tid, title, *_ in _topics(seed, rng, 6):
        rows = seed.rows(
            "SELECT u.username FROM spirit_comment_comment c JOIN auth_user u ON u.id = c.user_id"
            " WHERE c.topic_id = ? ORDER BY c.date, c.id LIMIT 2",
            tid,
        )
        if len(rows) == 2:
            out.append(Instance({"title": title}, answer_eval(exact_match=rows[1][0])))
    return out[:3]


def first_reply_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    obs = yield from open_topic(obs, values["title"])
    yield say(authors(obs)[1])


def category_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    return [Instance({"title": t}, answer_eval(exact_match=c)) for _, t, _, c, _, _ in _topics(seed, rng, 3)]


def category_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    obs = yield from open_topic(obs, values["title"])
    yield say(read(obs, r"link 'Main'[^\n]*\n(?:.*\n)*?\s*\[\w+\] link '([^']+)'")[1])


def comment_count_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    return [
        Instance({"title": t}, answer_eval(must_include=[str(n)]))
        for _, t, _, _, _, n in _topics(seed, rng, 3)
    ]


def comment_count_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    obs = yield click(obs, "link", "\uf002")
    obs = yield fill(obs, "Search:", values["title"], role="searchbox", enter=True)
    title = re.escape(values["title"])
    comments = rf"link '{title}'[^\n]*\n(?:.*\n)*?\s*StaticText '\\uf075'\n\s*StaticText '(\d+)'"
    yield say(read(obs, comments)[1])


def most_liked_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    out = []
    for tid, title, *_ in _topics(seed, rng, 10, max_comments=15):
        likes = [
            n for (n,) in seed.rows("SELECT likes_count FROM spirit_comment_comment WHERE topic_id = ?", tid)
        ]
        if len(likes) >= 3 and max(likes) > 0:
            out.append(Instance({"title": title}, answer_eval(must_include=[str(max(likes))])))
    return out[:3]


def most_liked_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    obs = yield from open_topic(obs, values["title"])
    yield say(max(int(n) for n in re.findall(r"like \((\d+)\)'", tree(obs))))


def latest_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    rows = seed.rows(
        "SELECT id, title FROM spirit_category_category WHERE is_private = 0 AND"
        " title NOT IN ('Private', 'Uncategorized') ORDER BY id"
    )
    out = []
    for cid, name in choose(rng, rows, 3):
        title = seed.value(
            "SELECT title FROM spirit_topic_topic WHERE category_id = ? AND is_pinned = 0"
            " ORDER BY last_active DESC LIMIT 1",
            cid,
        )
        out.append(Instance({"category": name}, answer_eval(must_include=[title])))
    return out


def latest_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    obs = yield click(obs, "link", "All Categories \uf078")
    obs = yield click(obs, "link", values["category"])
    topics = re.findall(
        r"\n\s*\[\w+\] link '([^'\n]+)'[^\n]*\n\s*\[\w+\] link '" + re.escape(values["category"]) + "'",
        tree(obs),
    )
    yield say(next(t for t in topics if not t.startswith("Welcome to ")))


def private_sender_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    rows = seed.rows(
        "SELECT t.title, u.username FROM spirit_topic_topic t JOIN auth_user u ON u.id = t.user_id"
        " JOIN spirit_category_category c ON c.id = t.category_id WHERE c.is_private = 1"
        " OR c.title = 'Private' ORDER BY t.id"
    )
    return [Instance({"subject": s}, answer_eval(exact_match=u)) for s, u in choose(rng, rows, 3)]


def private_sender_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    obs = yield click(obs, "link", f"{ME} \uf078")
    obs = yield click(obs, "link", "Private topics")
    obs = yield click(obs, "link", values["subject"])
    yield say(authors(obs)[0])


def missing_topic_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    titles = ["Is a hovercraft worth it?", "Tips for training a parrot to sing opera?"]
    for title in titles:
        assert not seed.value("SELECT COUNT(*) FROM spirit_topic_topic WHERE title = ?", title)
    return [Instance({"title": t}, unachievable_eval("No topic has this title.")) for t in titles]


def missing_topic_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    obs = yield click(obs, "link", "\uf002")
    obs = yield fill(obs, "Search:", values["title"], role="searchbox", enter=True)
    if any(el["name"] == values["title"] for el in obs["elements"]):
        raise RuntimeError("the topic should not exist")
    yield f"report_infeasible({'There is no topic titled ' + values['title']!r})"


# -- changes ---------------------------------------------------------------------------------------


REPLIES = [
    "Thanks, this was really helpful!",
    "I had the same experience last spring.",
    "Great tips, bookmarking.",
]


def reply_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    out = []
    for (tid, title, *_), text in zip(_topics(seed, rng, 3), REPLIES, strict=True):
        query = (
            f"SELECT COUNT(*) FROM spirit_comment_comment WHERE topic_id = {tid} AND user_id = {ME_ID}"
            f" AND comment = '{text}'"
        )
        # The page the agent ends on (the topic, at its new comment) shows the reply.
        shown = page_text("last", text, "document.querySelector('.comments_list').innerText")
        out.append(Instance({"title": title, "text": text}, db_eval("forum", (query, 1), html=[shown])))
    return out


def reply_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    obs = yield from open_topic(obs, values["title"])
    obs = yield fill(obs, "Write comment...", values["text"])
    obs = yield click(obs, "button", "Publish")
    yield say("Done.")


NEW_TOPICS = [
    (
        "Best budget tripod for beginners?",
        "Photography",
        "I am looking for a sturdy tripod under fifty dollars.",
    ),
    (
        "Weekend ride around the lake",
        "Cycling",
        "Anyone up for an easy thirty mile ride on Saturday morning?",
    ),
    ("Favourite bread flour?", "Home Cooking", "Which bread flour gives you the best sourdough crumb?"),
]


def new_topic_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    out = []
    for title, category, body in NEW_TOPICS:
        query = (
            "SELECT COUNT(*) FROM spirit_topic_topic t"
            " JOIN spirit_category_category c ON c.id = t.category_id"
            f" WHERE t.title = '{title}' AND c.title = '{category}' AND t.user_id = {ME_ID}"
            " AND EXISTS (SELECT 1 FROM spirit_comment_comment m WHERE m.topic_id = t.id"
            f" AND m.comment = '{body}')"
        )
        out.append(
            Instance({"title": title, "category": category, "body": body}, db_eval("forum", (query, 1)))
        )
    return out


def new_topic_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    obs = yield click(obs, "link", "Create Topic")
    obs = yield fill(obs, "Title:", values["title"])
    obs = yield f"select_option({find(obs, 'combobox', 'Category:')['id']!r}, {values['category']!r})"
    obs = yield fill(obs, "Comment:", values["body"])
    obs = yield click(obs, "button", "Publish")
    yield say("Done.")


def like_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    out = []
    for tid, title, *_ in _topics(seed, rng, 3):
        first = seed.value(
            "SELECT id FROM spirit_comment_comment WHERE topic_id = ? ORDER BY date, id LIMIT 1", tid
        )
        query = (
            "SELECT COUNT(*) FROM spirit_comment_like_commentlike"
            f" WHERE comment_id = {first} AND user_id = {ME_ID}"
        )
        if not seed.value(query):
            out.append(Instance({"title": title}, db_eval("forum", (query, 1))))
    return out


def like_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    obs = yield from open_topic(obs, values["title"])
    obs = yield click(obs, "link", "\uf004 like", exact=False)
    yield say("Done.")


def close_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    rows = [
        r
        for r in _topics(seed, rng, 6)
        if not seed.value("SELECT is_closed FROM spirit_topic_topic WHERE id = ?", r[0])
    ]
    return [
        Instance(
            {"title": t}, db_eval("forum", (f"SELECT is_closed FROM spirit_topic_topic WHERE id = {tid}", 1))
        )
        for tid, t, *_ in rows[:3]
    ]


def close_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    obs = yield from open_topic(obs, values["title"])
    obs = yield click(obs, "link", "Moderate \uf078")
    obs = yield click(obs, "link", "Close topic", exact=False)
    yield say("Done.")


def location_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    query = f"SELECT location FROM spirit_user_userprofile WHERE user_id = {ME_ID}"
    return [
        Instance({"city": c}, db_eval("forum", (query, c)))
        for c in rng.sample(["Lisbon", "Osaka", "Denver", "Leeds"], 3)
    ]


def location_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    obs = yield click(obs, "link", f"{ME} \uf078")
    obs = yield click(obs, "link", "Profile")
    obs = yield click(obs, "link", "Preferences", exact=False)
    obs = yield fill(obs, "Location:", values["city"])
    obs = yield click(obs, "button", "Save")
    yield say("Done.")


# -- navigation -------------------------------------------------------------------------------------


def nav_category_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    rows = seed.rows(
        "SELECT id, title, slug FROM spirit_category_category WHERE is_private = 0 AND"
        " title NOT IN ('Private', 'Uncategorized') ORDER BY id"
    )
    return [
        Instance({"category": t}, url_eval(f"__FORUM__/category/{cid}/{slug}/"))
        for cid, t, slug in choose(rng, rows, 4)
    ]


def nav_category_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    obs = yield click(obs, "link", "All Categories \uf078")
    obs = yield click(obs, "link", values["category"])
    yield say("Done.")


def nav_topic_instances(seed: Seed, rng: random.Random) -> list[Instance]:
    return [
        Instance({"title": t}, url_eval(f"__FORUM__/topic/{tid}/{slug}/"))
        for tid, t, slug, *_ in _topics(seed, rng, 3)
    ]


def nav_topic_oracle(values: dict[str, Any], obs: Obs) -> Plan:
    yield from open_topic(obs, values["title"])
    yield say("Done.")


register(
    Template("topic-author", "forum", 'Who started the topic "{title}"?', author_instances, author_oracle),
    Template(
        "topic-missing",
        "forum",
        'Who started the topic "{title}"?',
        missing_topic_instances,
        missing_topic_oracle,
    ),
    Template(
        "topic-first-reply",
        "forum",
        'Who wrote the first reply to "{title}"?',
        first_reply_instances,
        first_reply_oracle,
    ),
    Template(
        "topic-category",
        "forum",
        'In which category is the topic "{title}"?',
        category_instances,
        category_oracle,
    ),
    Template(
        "topic-comment-count",
        "forum",
        'How many comments does the topic "{title}" have, counting the first post?',
        comment_count_instances,
        comment_count_oracle,
    ),
    Template(
        "topic-most-likes",
        "forum",
        'How many likes does the most liked comment in "{title}" have?',
        most_liked_instances,
        most_liked_oracle,
    ),
    Template(
        "category-latest",
        "forum",
        "Which topic in {category} had the most recent activity?",
        latest_instances,
        latest_oracle,
    ),
    Template(
        "private-sender",
        "forum",
        'Who sent me the private message "{subject}"?',
        private_sender_instances,
        private_sender_oracle,
    ),
    Template(
        "reply-to-topic", "forum", 'Reply "{text}" to the topic "{title}".', reply_instances, reply_oracle
    ),
    Template(
        "new-topic",
        "forum",
        'Start a topic in {category} titled "{title}" that says "{body}"',
        new_topic_instances,
        new_topic_oracle,
    ),
    Template(
        "like-opening-post", "forum", 'Like the opening post of "{title}".', like_instances, like_oracle
    ),
    Template(
        "close-topic",
        "forum",
        'Close the topic "{title}" to new replies.',
        close_instances,
        close_oracle,
        login_as={"forum": "forum_admin"},
    ),
    Template(
        "set-location",
        "forum",
        "Set the location on my forum profile to {city}.",
        location_instances,
        location_oracle,
    ),
    Template(
        "forum-nav-category",
        "forum",
        "Show me the {category} category.",
        nav_category_instances,
        nav_category_oracle,
    ),
    Template("forum-nav-topic", "forum", 'Open the topic "{title}".', nav_topic_instances, nav_topic_oracle),
)
