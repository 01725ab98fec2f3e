"""The wiki's seed (run inside the build subprocess with Django set up; see ``data/build.py``).

About 3,000 articles from FOLDOC (``palaestra.sites.data.foldoc``; GNU FDL), one section per
subject (Programming languages, Networking, Hardware...) with every article under the section of
its first category, cross references as links between articles, and the date FOLDOC gives as the
article's first revision. Forty editors (names from ``people``) have accounts; about a fifth of the
articles have later revisions by them with edit summaries, so history and "who changed this" tasks
have answers. The Main Page lists the sections.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from typing import Any

from palaestra.sites.data.common import PASSWORD, SEED_NOW, sessions_for
from palaestra.sites.data.foldoc import Entry, entries, plain, to_markdown
from palaestra.sites.data.people import make_people

#: FOLDOC category -> the wiki's section (its slug is the section's URL).
SECTIONS = {
    "language": "Programming languages", "networking": "Networking", "programming": "Programming",
    "hardware": "Hardware", "operating system": "Operating systems", "jargon": "Jargon",
    "communications": "Communications", "company": "Companies", "storage": "Storage",
    "mathematics": "Mathematics", "tool": "Tools", "processor": "Processors", "database": "Databases",
    "person": "People", "web": "World Wide Web", "graphics": "Graphics", "architecture": "Architecture",
    "protocol": "Protocols", "algorithm": "Algorithms", "security": "Security", "standard": "Standards",
    "theory": "Theory", "text": "Text processing", "messaging": "Messaging",
}  # fmt: skip
ARTICLES = 3000
MIN_BODY = 350
EDIT_SUMMARIES = [
    "Fix a typo", "Add a see-also line", "Clarify the first paragraph", "Update the history section",
    "Copy-edit", "Add a reference", "Expand the introduction",
]  # fmt: skip
SEE_ALSO = "See also the [{section}](/{slug}/) section."


def slugify(title: str) -> str:
    from django.utils.text import slugify as django_slugify

    return django_slugify(title.replace("+", " plus ").replace("#", " sharp "))[:50].strip("-") or "article"


def chosen_entries() -> list[Entry]:
    """The entries the wiki holds: long enough, in a section, the same ones on every machine."""
    picked = [
        e for e in entries() if e.categories and e.categories[0] in SECTIONS and len(e.body) >= MIN_BODY
    ]
    picked.sort(key=lambda e: e.title.lower())
    seen: set[str] = set()
    picked = [e for e in picked if not (e.title.lower() in seen or seen.add(e.title.lower()))]  # type: ignore[func-returns-value]
    if len(picked) > ARTICLES:
        step = len(picked) / ARTICLES
        picked = [picked[int(i * step)] for i in range(ARTICLES)]
    return picked


def _date(text: str, rng: random.Random) -> dt.datetime:
    try:
        day = dt.datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=dt.UTC)
    except ValueError:
        day = dt.datetime(1996, 1, 1, tzinfo=dt.UTC)
    return day + dt.timedelta(hours=rng.randint(8, 20), minutes=rng.randint(0, 59))


def _by_title(sections: dict[str, str]) -> list[tuple[str, str]]:
    return sorted(sections.items(), key=lambda item: item[1])


def build(out: Path) -> dict[str, Any]:
    from django.contrib.auth.models import User
    from django.contrib.sites.models import Site
    from wiki.models import ArticleRevision, URLPath

    rng = random.Random(1993)
    site = Site.objects.get_current()
    site.domain, site.name = "127.0.0.1", "Palaestra Wiki"
    site.save()
    people = make_people(rng, 40, domains=("example.org",))
    users = []
    for person in people:
        user = User(username=person.email.split("@")[0].replace(".", "_"), email=person.email,
                    first_name=person.first, last_name=person.last)  # fmt: skip
        user.set_password(PASSWORD)
        users.append(user)
    User.objects.bulk_create(users)
    users = list(User.objects.order_by("id"))
    admin = User.objects.create_superuser("wiki_admin", "wiki_admin@example.org", PASSWORD)
    me = users[0]

    picked = chosen_entries()
    sections = {cat: title for cat, title in SECTIONS.items() if any(e.categories[0] == cat for e in picked)}
    section_slugs = {cat: slugify(title) for cat, title in sections.items()}
    slugs: dict[str, str] = {}
    taken: set[str] = set()
    for entry in picked:
        base = f"{section_slugs[entry.categories[0]]}/{slugify(entry.title)}"
        path, n = base, 2
        while path in taken:
            path, n = f"{base}-{n}", n + 1
        taken.add(path)
        slugs[entry.title] = path
    by_title = {title.lower(): path for title, path in slugs.items()}

    def link(term: str) -> str | None:
        path = by_title.get(" ".join(term.split()).lower())
        return f"/{path}/" if path else None

    main = (
        "# Welcome to the Palaestra Wiki\n\nAn encyclopedia of computing with "
        f"{len(picked):,} articles from FOLDOC, the Free On-line Dictionary of Computing "
        "(GNU Free Documentation License).\n\n## Sections\n\n"
        + "".join(
            f"* [{title}](/{section_slugs[cat]}/)\n"
            for cat, title in sorted(sections.items(), key=lambda x: x[1])
        )
    )
    root = URLPath.create_root(site=site, title="Main Page", content=main, user=admin)
    section_paths = {}
    for cat, title in _by_title(sections):
        members = sorted(e.title for e in picked if e.categories[0] == cat)
        content = f"# {title}\n\n{len(members)} articles.\n\n" + "".join(
            f"* [{t}](/{slugs[t]}/)\n" for t in members
        )
        section_paths[cat] = URLPath.create_urlpath(
            root,
            section_slugs[cat],
            title=title,
            content=content,
            user=admin,
            user_message="Create the section",
        )
    revisions = 0
    for entry in picked:
        cat = entry.categories[0]
        author = rng.choice(users)
        content = to_markdown(entry.body, link)
        if len(entry.categories) > 1:
            content += "\n\nCategories: " + ", ".join(entry.categories) + "."
        path = URLPath.create_urlpath(
            section_paths[cat], slugs[entry.title].split("/", 1)[1], title=entry.title, content=content,
            user=author, user_message="Imported from FOLDOC",
        )  # fmt: skip
        created = _date(entry.date, rng)
        article = path.article
        ArticleRevision.objects.filter(article=article).update(created=created, modified=created)
        last = created
        if rng.random() < 0.2:
            for _ in range(rng.randint(1, 3)):
                last = min(last + dt.timedelta(days=rng.randint(30, 4000)), SEED_NOW - dt.timedelta(days=1))
                editor = rng.choice(users)
                summary = rng.choice(EDIT_SUMMARIES)
                if summary == "Add a see-also line" and "See also the" not in content:
                    content += "\n\n" + SEE_ALSO.format(section=sections[cat], slug=section_slugs[cat])
                elif summary == "Fix a typo":
                    content = content.replace("  ", " ")
                revision = ArticleRevision(
                    title=entry.title, content=content, user=editor, user_message=summary
                )
                article.add_revision(revision)
                ArticleRevision.objects.filter(pk=revision.pk).update(created=last, modified=last)
                revisions += 1
        type(article).objects.filter(pk=article.pk).update(created=created, modified=last)
        article.owner = author
        article.save(update_fields=["owner"])
    return {
        "accounts": {"wiki": me.username, "wiki-admin": admin.username},
        "sessions": sessions_for([*users, admin]),
        "articles": len(picked),
        "sections": len(sections),
        "revisions": len(picked) + revisions,
        "users": len(users) + 1,
        "text_words": sum(len(plain(e.body).split()) for e in picked),
    }
