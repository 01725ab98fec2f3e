"""Seed data of the forum (django-spirit): boards, members, topics, comments, likes, private topics.

Runs inside the build subprocess with the forum's settings. Deterministic from ``SEED``.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

from palaestra.sites.data.common import (
    PASSWORD,
    SEED_NOW,
    explicit_dates,
    random_date,
    sessions_for,
    weighted,
)
from palaestra.sites.data.forum_words import (
    ADJECTIVES,
    BOARDS,
    NOUNS,
    OPENING_POSTS,
    REPLIES,
    TITLE_TEMPLATES,
)

SEED = 23
MEMBERS = 300
TOPICS = 1000
COMMENTS = 11_100
#: The accounts tasks log in as: a regular member and a moderator.
DEFAULT_MEMBER = "maple_fern"
MODERATOR = "forum_admin"
START = dt.datetime(2023, 1, 1, tzinfo=dt.UTC)


def build(out: Path) -> dict[str, Any]:
    rng = random.Random(SEED)
    users = _members(rng)
    boards = _boards()
    topics = _topics(rng, boards, users)
    comments = _comments(rng, topics, users)
    _likes(rng, comments, users)
    _private(rng, users)
    _profiles_counts()
    sessions = sessions_for(users)
    return {
        "members": len(users),
        "categories": len(boards),
        "topics": len(topics),
        "comments": len(comments),
        "accounts": {"forum": DEFAULT_MEMBER, "forum-moderator": MODERATOR},
        "sessions": sessions,
    }


def _usernames(rng: random.Random, count: int) -> list[str]:
    names: list[str] = [DEFAULT_MEMBER, MODERATOR]
    while len(names) < count:
        adj, noun = rng.choice(ADJECTIVES), rng.choice(NOUNS)
        style = rng.randrange(4)
        name = (
            f"{adj}_{noun}"
            if style == 0
            else f"{adj.title()}{noun.title()}{rng.randint(1, 99)}"
            if style == 1
            else f"{noun}{rng.randint(100, 9999)}"
            if style == 2
            else f"the_{adj}_{noun}"
        )
        if name not in names:
            names.append(name)
    return names


def _members(rng: random.Random) -> list[Any]:
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import User
    from django.utils.text import slugify
    from spirit.user.models import UserProfile

    password = make_password(PASSWORD)
    users = []
    for name in _usernames(rng, MEMBERS):
        joined = random_date(rng, dt.datetime(2021, 6, 1, tzinfo=dt.UTC), START)
        users.append(
            User(
                username=name,
                email=f"{name.replace('_', '.')}@example.org",
                password=password,
                date_joined=joined,
                is_staff=name == MODERATOR,
                is_superuser=name == MODERATOR,
            )
        )
    User.objects.bulk_create(users)
    profiles = [
        UserProfile(
            user=u,
            slug=slugify(u.username),
            nickname=u.username,
            last_seen=u.date_joined,
            location=rng.choice(["", "", "Portland", "Leeds", "Toronto", "Austin", "Melbourne", "Cork"]),
            is_administrator=u.username == MODERATOR,
            is_moderator=u.username == MODERATOR,
            is_verified=True,
        )
        for u in users
    ]
    with explicit_dates(UserProfile):
        UserProfile.objects.bulk_create(profiles)
    return users


def _boards() -> list[Any]:
    from django.utils.text import slugify
    from spirit.category.models import Category

    boards = []
    for sort, (title, board) in enumerate(BOARDS.items(), start=1):
        boards.append(
            Category.objects.create(
                title=title, slug=slugify(title), description=board["description"], sort=sort, color=""
            )
        )
        boards[-1].words = board
    return boards


def _fill(rng: random.Random, template: str, board: Any) -> str:
    words = board.words
    thing, thing2 = rng.sample(words["things"], 2)
    tip = rng.choice(words["tips"])
    return template.format(
        thing=thing,
        thing2=thing2,
        Thing=thing[0].upper() + thing[1:],
        tip=tip,
        doing=rng.choice(words["doing"]),
        tip_sentence=f"I always {tip}.",
    )


def _topics(rng: random.Random, boards: list[Any], users: list[Any]) -> list[Any]:
    from django.utils.text import slugify
    from spirit.topic.models import Topic

    weights = [rng.uniform(0.5, 2.0) for _ in boards]
    topics: list[Any] = []
    titles: set[tuple[int, str]] = set()
    while len(topics) < TOPICS:
        board = rng.choices(boards, weights=weights)[0]
        title = _fill(rng, rng.choice(TITLE_TEMPLATES), board)
        if (board.pk, title) in titles:
            continue
        titles.add((board.pk, title))
        when = random_date(rng, START)
        topic = Topic(
            user=rng.choice(users),
            category=board,
            title=title,
            slug=slugify(title)[:255],
            date=when,
            last_active=when,
            reindex_at=when,
            view_count=rng.randint(5, 3000),
        )
        topic.board = board
        topics.append(topic)
    for board in boards:  # each board's welcome post, pinned
        topics.append(
            Topic(
                user=users[1],
                category=board,
                title=f"Welcome to {board.title}: read this first",
                slug=slugify(f"welcome to {board.title}"),
                date=START,
                last_active=START,
                reindex_at=START,
                is_pinned=True,
                view_count=rng.randint(500, 5000),
            )
        )
        topics[-1].board = board
    for topic in rng.sample(topics[:TOPICS], k=25):
        topic.is_closed = True
    with explicit_dates(Topic):
        Topic.objects.bulk_create(topics, batch_size=500)
    return topics


def _comments(rng: random.Random, topics: list[Any], users: list[Any]) -> list[Any]:
    from spirit.comment.models import Comment
    from spirit.core.utils.markdown import Markdown

    markdown = Markdown()
    comments = []
    # Every topic opens with its author's post; the rest spread unevenly, as on a real forum.
    popularity = [rng.paretovariate(1.3) for _ in topics]
    extra = rng.choices(range(len(topics)), weights=popularity, k=COMMENTS - len(topics))
    per_topic: dict[int, int] = {}
    for index in extra:
        per_topic[index] = per_topic.get(index, 0) + 1
    for index, topic in enumerate(topics):
        board = topic.board
        if topic.is_pinned:
            text = (
                f"Welcome to {board.title}. {board.words['description']} Be kind, stay on topic, and search "
                "before you post. Moderators may close threads that go in circles."
            )
        else:
            text = _fill(rng, rng.choice(OPENING_POSTS), board)
        when = topic.date
        thread = [(topic.user, text, when)]
        for _ in range(per_topic.get(index, 0)):
            when = min(when + dt.timedelta(minutes=int(rng.expovariate(1 / 600)) + 1), SEED_NOW)
            thread.append((rng.choice(users), _fill(rng, rng.choice(REPLIES), board), when))
        for user, body, date in thread:
            comments.append(
                Comment(
                    user=user,
                    topic=topic,
                    comment=body,
                    comment_html=markdown.render(body),
                    date=date,
                    ip_address="127.0.0.1",
                )
            )
        topic.comment_count = len(thread)
        topic.last_active = when
    with explicit_dates(Comment):
        Comment.objects.bulk_create(comments, batch_size=1000)
    from spirit.topic.models import Topic

    Topic.objects.bulk_update(topics, ["comment_count", "last_active"], batch_size=500)
    return comments


def _likes(rng: random.Random, comments: list[Any], users: list[Any]) -> None:
    from spirit.comment.like.models import CommentLike
    from spirit.comment.models import Comment

    likes = []
    for comment in comments:
        count = weighted(rng, {0: 0.45, 1: 0.25, 2: 0.14, 3: 0.08, 5: 0.05, 9: 0.03})
        for user in rng.sample(users, k=count):
            if user.pk != comment.user_id:
                likes.append(CommentLike(user=user, comment=comment, date=comment.date))
                comment.likes_count += 1
    with explicit_dates(CommentLike):
        CommentLike.objects.bulk_create(likes, batch_size=2000)
    Comment.objects.bulk_update(comments, ["likes_count"], batch_size=2000)


def _private(rng: random.Random, users: list[Any]) -> None:
    """A few private conversations of the default member, in Spirit's private category."""
    from django.conf import settings
    from django.utils.text import slugify
    from spirit.comment.models import Comment
    from spirit.topic.models import Topic
    from spirit.topic.private.models import TopicPrivate

    private = (
        settings.ST_TOPIC_PRIVATE_CATEGORY_PK if hasattr(settings, "ST_TOPIC_PRIVATE_CATEGORY_PK") else 1
    )
    me = users[0]
    subjects = [
        "Swap seeds this spring?",
        "Thanks for the bread tips",
        "Meetup next Saturday",
        "Your bike for sale",
    ]
    with explicit_dates(Topic, Comment, TopicPrivate):
        for subject, friend in zip(subjects, rng.sample(users[2:], k=len(subjects)), strict=True):
            when = random_date(rng, dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
            topic = Topic.objects.create(
                user=friend,
                category_id=private,
                title=subject,
                slug=slugify(subject),
                date=when,
                last_active=when,
                reindex_at=when,
                comment_count=1,
            )
            body = f"Hi {me.username}, {subject.lower().rstrip('?')}? Let me know what you think."
            Comment.objects.create(
                user=friend, topic=topic, comment=body, comment_html=f"<p>{body}</p>", date=when
            )
            for member in (me, friend):
                TopicPrivate.objects.create(user=member, topic=topic, date=when)


def _profiles_counts() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE spirit_user_userprofile SET "
            "topic_count = (SELECT COUNT(*) FROM spirit_topic_topic t"
            " WHERE t.user_id = spirit_user_userprofile.user_id),"
            " comment_count = (SELECT COUNT(*) FROM spirit_comment_comment c"
            "  WHERE c.user_id = spirit_user_userprofile.user_id)"
        )
