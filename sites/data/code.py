"""The code host's seed: ``python -m palaestra.sites.data.code --dataset code --out DIR``.

Writes ``DIR/repos/<project>.fossil`` (one Fossil repository per project: real source files with a
generated history of check-ins, branches, merges and release tags; tickets with comments; wiki
pages; members with their capabilities), ``DIR/db.sqlite3`` (the hub's index of projects and
members) and ``manifest.json`` (accounts, the session token of each account and the Fossil log-in
cookie it stands for in each repository, counts).

Check-ins go through Fossil's own ``commit`` with ``--date-override`` and ``--user-override``;
tickets and wiki pages are Fossil artifacts written here with fixed dates and put into the
repository, then ``fossil rebuild`` links them. So the same recipe gives the same histories.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from palaestra.sites.data.code_words import (
    COMMENTS,
    COMMIT_ADD,
    COMMIT_DOCS,
    COMMIT_GROW,
    OUTCOMES,
    PRIORITIES,
    PROJECTS,
    REPORT_OPENINGS,
    RUNBOOKS,
    SEVERITIES,
    TICKET_TYPES,
    TITLES,
    Project,
)
from palaestra.sites.data.common import PASSWORD, SEED_NOW, weighted
from palaestra.sites.data.people import make_people

#: Capabilities per role (Fossil's letters): admin + developer, developer, reader.
ROLES = {"owner": "av", "developer": "v", "reporter": "u"}
#: The member Palaestra's tasks act as, and its role in each project (absent: not a member).
ME_ROLES = {"whoosh-search": "owner", "infra-notes": "owner", "spirit-forum": "developer",
            "oscar-shop": "reporter"}  # fmt: skip
FILES_PER_PROJECT = 48
#: The seeded world's today, as the naive UTC times Fossil records.
NOW = SEED_NOW.replace(tzinfo=None)
#: A Julian day in the year 2999: seeded log-ins never expire.
NEVER = 2816787.5


def fossil(*args: str, cwd: Path | None = None, user: str = "admin", stdin: str | None = None) -> str:
    env = dict(os.environ, USER=user)  # FOSSIL_HOME: set by build() to its temporary folder
    done = subprocess.run(
        ["fossil", *args], cwd=cwd, env=env, input=stdin, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        problem = done.stderr.strip() or done.stdout.strip()
        raise RuntimeError(f"fossil {' '.join(args[:3])} failed: {problem}")
    return done.stdout


def stamp(when: dt.datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S")


# -- the project's source -----------------------------------------------------------------------


def source_files(project: Project) -> dict[str, str]:
    """Relative path -> text of the files the project holds (sorted, at most FILES_PER_PROJECT)."""
    if not project.package:
        return dict(RUNBOOKS)
    root = Path(_package_dir(project.package))
    files: dict[str, str] = {}
    for folder in project.folders:
        base = root / folder if folder else root
        for path in sorted(base.glob("*.py")):
            text = path.read_text(encoding="utf-8", errors="replace")
            if path.name == "__init__.py" and len(text) < 40:
                continue
            files[str(path.relative_to(root.parent))] = text
            if len(files) >= FILES_PER_PROJECT:
                return files
    return files


def _package_dir(package: str) -> str:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"The package {package} is not installed; run ./scripts/setup")
    return str(next(iter(spec.submodule_search_locations)))


def licence_note(project: Project) -> str:
    if not project.distribution:
        return "Internal notes of the team. Not for distribution.\n"
    meta = importlib.metadata.metadata(project.distribution)
    return (
        f"The code of this project is {meta['Name']} {meta['Version']},"
        f" by {meta.json.get('author') or 'its authors'},\n"
        f"distributed under: {meta.json.get('license') or 'see its classifiers'}.\n"
        "It is hosted here, with a made-up history, as sample data for Palaestra's code host.\n"
    )


TOP_LEVEL = re.compile(r"^(?:async def|def|class) (\w+)", re.M)


def split_point(text: str) -> tuple[str, list[str]] | None:
    """The first half of a module (cut before a top-level definition) and the names that follow."""
    starts = [m.start() for m in TOP_LEVEL.finditer(text)]
    if len(starts) < 4:
        return None
    cut = starts[len(starts) // 2]
    return text[:cut], TOP_LEVEL.findall(text[cut:])


def names_of(files: dict[str, str]) -> list[str]:
    return sorted({n for text in files.values() for n in TOP_LEVEL.findall(text) if not n.startswith("_")})


# -- people ---------------------------------------------------------------------------------------


@dataclass
class Member:
    login: str
    name: str
    email: str
    role: str


@dataclass
class Repo:
    project: Project
    path: Path
    members: list[Member]
    start: dt.datetime
    code: str = ""
    commits: int = 0
    tickets: list[dict[str, Any]] = field(default_factory=list)

    @property
    def committers(self) -> list[Member]:
        return [m for m in self.members if m.role in ("owner", "developer")]


def make_members(rng: random.Random) -> tuple[str, dict[str, list[Member]]]:
    people = make_people(rng, 30, domains=("example.com", "example.org"))
    logins = [(p.email.split("@")[0], f"{p.first} {p.last}", p.email) for p in people]
    me = logins[0]
    teams: dict[str, list[Member]] = {}
    others = logins[1:]
    for project in PROJECTS:
        chosen = rng.sample(others, k=rng.randint(5, 8))
        members = []
        if project.name in ME_ROLES:
            members.append(Member(*me, ME_ROLES[project.name]))
        roles = ["developer"] * (len(chosen) - 2) + ["reporter", "reporter"]
        if ME_ROLES.get(project.name) != "owner":
            roles[0] = "owner"
        members += [Member(*person, role) for person, role in zip(chosen, roles, strict=True)]
        teams[project.name] = members
    return me[0], teams


# -- check-ins ------------------------------------------------------------------------------------


class History:
    """Commits files into a repository's checkout, one check-in at a time, with fixed dates."""

    def __init__(self, repo: Repo, work: Path, rng: random.Random) -> None:
        self.repo, self.work, self.rng = repo, work, rng
        self.when = repo.start

    def tick(self, days: float = 6.0) -> str:
        self.when += dt.timedelta(hours=self.rng.uniform(2, days * 24))
        return stamp(self.when)

    def commit(self, files: dict[str, str], message: str, author: Member, *extra: str) -> None:
        for name, text in files.items():
            target = self.work / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        fossil("addremove", cwd=self.work, user=author.login)
        fossil(
            "commit", "-m", message, "--date-override", self.tick(), "--user-override", author.login,
            "--no-warnings", "--allow-empty", *extra, cwd=self.work, user=author.login,
        )  # fmt: skip
        self.repo.commits += 1


def module_of(path: str) -> str:
    return path.removesuffix(".py").replace("/", ".").removesuffix(".__init__")


def write_history(repo: Repo, work: Path, rng: random.Random) -> None:
    project = repo.project
    files = source_files(project)
    history = History(repo, work, rng)
    owner = next(m for m in repo.members if m.role == "owner")
    devs = repo.committers
    readme = f"# {project.title}\n\n{project.description}\n\nMaintainer: {owner.name} ({owner.email}).\n"
    history.commit({"README.md": readme, "LICENSE": licence_note(project)}, "Initial import", owner)
    paths = list(files)
    branch_at = int(len(paths) * 0.55)
    branch_files = paths[branch_at : branch_at + 4]
    trunk = [p for p in paths if p not in branch_files]
    pending: list[tuple[str, list[str]]] = []  # files added in part, completed later
    tags = {int(len(trunk) * f): f"v{v}" for f, v in ((0.3, "0.1"), (0.65, "0.2"), (0.97, "1.0"))}
    for index, path in enumerate(trunk):
        text = files[path]
        half = split_point(text) if rng.random() < 0.4 else None
        author = rng.choice(devs)
        module = module_of(path)
        extra = ("--tag", tags[index]) if index in tags else ()
        if half is not None:
            history.commit({path: half[0]}, rng.choice(COMMIT_ADD).format(module=module), author, *extra)
            pending.append((path, half[1]))
        else:
            history.commit({path: text}, rng.choice(COMMIT_ADD).format(module=module), author, *extra)
        if pending and rng.random() < 0.5:
            done, names = pending.pop(0)
            listed = ", ".join(names[:3]) + (" and more" if len(names) > 3 else "")
            message = rng.choice(COMMIT_GROW).format(module=module_of(done), names=listed)
            history.commit({done: files[done]}, message, rng.choice(devs))
        if index == len(trunk) // 3:
            history.commit({"README.md": readme + "\nRun the tests with `python -m pytest`.\n"},
                           rng.choice(COMMIT_DOCS), owner)  # fmt: skip
        if index == branch_at and branch_files:
            _feature_branch(history, files, branch_files, project, devs, rng)
    for done, _ in pending:
        history.commit({done: files[done]}, f"Complete {module_of(done)}", rng.choice(devs))
    _experimental_branch(history, project, devs, rng)


def _feature_branch(
    history: History, files: dict[str, str], paths: list[str], project: Project, devs: list[Member],
    rng: random.Random,
) -> None:  # fmt: skip
    """A feature branch of a few check-ins, merged back into trunk."""
    name = f"feature/{project.subsystems[1]}"
    author = rng.choice(devs)
    first, *rest = paths
    history.commit({first: files[first]}, f"Start {name}: {module_of(first)}", author, "--branch", name)
    for path in rest:
        history.commit({path: files[path]}, rng.choice(COMMIT_ADD).format(module=module_of(path)), author)
    fossil("update", "trunk", cwd=history.work, user=author.login)
    fossil("merge", name, cwd=history.work, user=author.login)
    history.commit({}, f"Merge {name} into trunk", author)


def _experimental_branch(history: History, project: Project, devs: list[Member], rng: random.Random) -> None:
    """An unmerged branch: work in progress the trunk does not have."""
    name = f"experimental/{project.subsystems[0]}"
    author = rng.choice(devs)
    note = f"# {project.subsystems[0]} ideas\n\n- measure before optimising\n- keep the public API stable\n"
    history.commit({"NOTES.md": note}, f"Sketch {project.subsystems[0]} ideas", author, "--branch", name)
    history.commit({"NOTES.md": note + "- benchmark on the large corpus\n"}, "Add a benchmark idea", author)
    fossil("update", "trunk", cwd=history.work, user=author.login)


# -- tickets and wiki pages, as artifacts ---------------------------------------------------------


def escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace(" ", "\\s").replace("\t", "\\t")


def artifact(cards: list[str]) -> str:
    body = "".join(card + "\n" for card in cards)
    return body + f"Z {hashlib.md5(body.encode()).hexdigest()}\n"


def ticket_artifact(when: dt.datetime, uuid: str, user: str, fields: dict[str, str]) -> str:
    cards = [f"D {stamp(when)}.000"]
    cards += [f"J {name} {escape(value)}" for name, value in sorted(fields.items())]
    return artifact([*cards, f"K {uuid}", f"U {user}"])


def wiki_artifact(when: dt.datetime, page: str, user: str, text: str) -> str:
    data = text.encode()
    cards = [f"D {stamp(when)}.000", f"L {escape(page)}", "N text/x-markdown", f"U {user}"]
    body = "".join(c + "\n" for c in cards) + f"W {len(data)}\n" + text + "\n"
    return body + f"Z {hashlib.md5(body.encode()).hexdigest()}\n"


def make_tickets(repo: Repo, names: list[str], rng: random.Random, count: int) -> list[str]:
    project = repo.project
    modules = [module_of(p) for p in source_files(project)] or list(project.subsystems)
    artifacts = []
    span = (NOW - repo.start).total_seconds()
    titles: set[str] = set()
    while len(repo.tickets) < count:
        kind = weighted(rng, TICKET_TYPES)
        words = {"name": rng.choice(names or modules), "module": rng.choice(modules),
                 "area": rng.choice(project.subsystems)}  # fmt: skip
        title = rng.choice(TITLES[kind]).format(**words)
        if title in titles:
            continue
        titles.add(title)
        uuid = hashlib.sha1(f"{project.name}/{title}".encode()).hexdigest()
        opened = repo.start + dt.timedelta(seconds=rng.uniform(0.1, 0.92) * span)
        reporter = rng.choice(repo.members)
        status, resolution = weighted(rng, OUTCOMES)
        ticket = {"uuid": uuid, "title": title, "type": kind, "severity": weighted(rng, SEVERITIES),
                  "priority": weighted(rng, PRIORITIES), "subsystem": words["area"], "status": "Open",
                  "resolution": "Open", "foundin": rng.choice(["0.1", "0.2", "1.0", "trunk"]),
                  "opened": stamp(opened), "reporter": reporter.login}  # fmt: skip
        report = rng.choice(REPORT_OPENINGS).format(**words)
        fields = {k: str(ticket[k]) for k in ("title", "type", "severity", "priority", "subsystem", "status",
                                              "resolution", "foundin")}  # fmt: skip
        fields |= {"+icomment": report, "login": reporter.login, "mimetype": "text/x-markdown"}  # fmt: skip
        artifacts.append(ticket_artifact(opened, uuid, reporter.login, fields))
        when = opened
        comments = 0
        for _ in range(rng.randint(0, 3)):
            when += dt.timedelta(hours=rng.uniform(1, 24 * 12))
            if when >= NOW:
                break
            member = rng.choice(repo.committers)
            change = {"+icomment": rng.choice(COMMENTS).format(**words), "login": member.login,
                      "mimetype": "text/x-markdown"}  # fmt: skip
            artifacts.append(ticket_artifact(when, uuid, member.login, change))
            comments += 1
        if status != "Open":
            when += dt.timedelta(hours=rng.uniform(1, 24 * 20))
            closer = rng.choice(repo.committers)
            if when < NOW:
                change = {"status": status, "resolution": resolution, "login": closer.login,
                          "+icomment": f"Marking as {status.lower()} ({resolution.replace('_', ' ')}).",
                          "mimetype": "text/x-markdown"}  # fmt: skip
                artifacts.append(ticket_artifact(when, uuid, closer.login, change))
                ticket |= {"status": status, "resolution": resolution}
                comments += 1
        ticket["comments"] = comments
        repo.tickets.append(ticket)
    return artifacts


def wiki_pages(repo: Repo) -> list[str]:
    project, owner = repo.project, next(m for m in repo.members if m.role == "owner")
    features = [t["title"] for t in repo.tickets if t["type"] == "Feature_Request" and t["status"] == "Open"]
    pages = {
        project.title: f"# {project.title}\n\n{project.description}\n\n"
        f"* [Roadmap](wiki?name=Roadmap)\n* [Contributing](wiki?name=Contributing)\n"
        f"* [Release Checklist](wiki?name=Release+Checklist)\n",
        "Roadmap": "# Roadmap\n\nPlanned for the next release:\n\n"
        + "".join(f"* {t}\n" for t in features[:6])
        + ("* (nothing planned yet)\n" if not features else ""),
        "Contributing": f"# Contributing\n\nThe project is maintained by {owner.name}. Open a ticket before "
        "large changes, keep check-ins small and describe why in the check-in comment.\n\nDevelopers:\n\n"
        + "".join(f"* {m.name} ({m.login})\n" for m in repo.committers),
        "Release Checklist": "# Release checklist\n\n1. All Critical tickets closed.\n2. Tag the check-in "
        "(`vX.Y`).\n3. Update the README.\n4. Announce on the forum.\n",
    }
    when = repo.start + dt.timedelta(days=3)
    return [wiki_artifact(when + dt.timedelta(hours=i), page, owner.login, text)
            for i, (page, text) in enumerate(pages.items())]  # fmt: skip


# -- the whole seed -------------------------------------------------------------------------------


def login_hash(project: str, login: str) -> str:
    return hashlib.sha1(f"palaestra/{project}/{login}".encode()).hexdigest().upper()


def build_repo(repo: Repo, rng: random.Random, tmp: Path) -> None:
    project = repo.project
    owner = next(m for m in repo.members if m.role == "owner")
    fossil("init", "--admin-user", owner.login, "--date-override", stamp(repo.start), str(repo.path))
    sql = [
        f"UPDATE user SET cap='s', info={_q(owner.name)} WHERE login={_q(owner.login)};",
        "INSERT OR REPLACE INTO config(name, value, mtime) VALUES"
        f" ('project-name', {_q(project.title)}, 0), ('project-description', {_q(project.description)}, 0),"
        " ('default-perms', 'u', 0), ('timeline-utc', '1', 0);",
    ]
    if not project.public:
        sql.append("UPDATE user SET cap='' WHERE login IN ('nobody', 'anonymous');")
    fossil("sqlite3", "-R", str(repo.path), stdin="\n".join(sql))
    for member in repo.members:
        if member is not owner:
            fossil("user", "new", member.login, member.email, PASSWORD, "-R", str(repo.path))
        fossil("user", "password", member.login, PASSWORD, "-R", str(repo.path))
    caps = [f"UPDATE user SET cap={_q(ROLES[m.role])}, info={_q(m.name)} WHERE login={_q(m.login)};"
            for m in repo.members if m is not owner]  # fmt: skip
    fossil("sqlite3", "-R", str(repo.path), stdin="\n".join(caps))
    work = tmp / project.name
    work.mkdir()
    fossil("open", str(repo.path), "--force", cwd=work, user=owner.login)
    write_history(repo, work, rng)
    names = names_of(source_files(project))
    artifacts = make_tickets(repo, names, rng, 28 if project.public else 6) + wiki_pages(repo)
    for index, text in enumerate(artifacts):
        path = tmp / f"{project.name}-{index}.txt"
        path.write_text(text, encoding="utf-8")
        fossil("test-content-put", str(path), cwd=work, user=owner.login)
    fossil("close", "--force", cwd=work, user=owner.login)
    fossil("rebuild", str(repo.path))
    query = "SELECT value FROM config WHERE name='project-code';"
    repo.code = fossil("sqlite3", "-R", str(repo.path), stdin=query).strip().strip("'")
    logins = [(m.login, login_hash(project.name, m.login)) for m in repo.members]
    fossil("sqlite3", "-R", str(repo.path), stdin="\n".join(
        f"UPDATE user SET cookie={_q(h)}, cexpire={NEVER} WHERE login={_q(login)};" for login, h in logins
    ) + "\nVACUUM;")  # fmt: skip


def _q(text: str) -> str:
    return "'" + str(text).replace("'", "''") + "'"


def write_hub(out: Path, repos: list[Repo]) -> None:
    with sqlite3.connect(out / "db.sqlite3") as db:
        db.execute("CREATE TABLE project (name TEXT PRIMARY KEY, title TEXT, description TEXT, public INT)")
        db.execute("CREATE TABLE member (project TEXT, login TEXT, name TEXT, email TEXT, role TEXT)")
        db.execute("CREATE TABLE ticket (project TEXT, uuid TEXT, title TEXT, type TEXT, severity TEXT,"
                   " priority TEXT, subsystem TEXT, status TEXT, resolution TEXT, foundin TEXT, opened TEXT,"
                   " reporter TEXT, comments INT)")  # fmt: skip
        for repo in repos:
            p = repo.project
            row = (p.name, p.title, p.description, int(p.public))
            db.execute("INSERT INTO project VALUES (?, ?, ?, ?)", row)
            db.executemany("INSERT INTO member VALUES (?, ?, ?, ?, ?)",
                           [(p.name, m.login, m.name, m.email, m.role) for m in repo.members])  # fmt: skip
            db.executemany(
                "INSERT INTO ticket VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [(p.name, t["uuid"], t["title"], t["type"], t["severity"], t["priority"], t["subsystem"],
                  t["status"], t["resolution"], t["foundin"], t["opened"], t["reporter"], t["comments"])
                 for t in repo.tickets],
            )  # fmt: skip


def build(out: Path) -> dict[str, Any]:
    rng = random.Random(20250630)
    me, teams = make_members(rng)
    repos = []
    # Fossil syncs its files on every check-in: build in memory when there is /dev/shm, then copy.
    shm = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
    with tempfile.TemporaryDirectory(dir=shm) as tmp:
        os.environ["FOSSIL_HOME"] = tmp  # Fossil's per-user settings file goes there, not into a checkout
        (Path(tmp) / "repos").mkdir()
        for index, project in enumerate(PROJECTS):
            start = dt.datetime(2023, 1, 9, 9, 30) + dt.timedelta(days=41 * index)
            repo = Repo(project, Path(tmp) / "repos" / f"{project.name}.fossil", teams[project.name], start)
            build_repo(repo, random.Random(f"{project.name}"), Path(tmp))
            repos.append(repo)
        shutil.copytree(Path(tmp) / "repos", out / "repos")
    write_hub(out, repos)
    logins = sorted({m.login for r in repos for m in r.members})
    sessions = {login: hashlib.sha256(f"code-session/{login}".encode()).hexdigest()[:32] for login in logins}
    cookies = {
        r.project.name: {m.login: [f"fossil-{r.code[:16]}", f"{login_hash(r.project.name, m.login)}/"
                                   f"{r.code[:16]}/{m.login}"] for m in r.members}
        for r in repos
    }  # fmt: skip
    return {
        "accounts": {"code": me},
        "sessions": sessions,
        "cookies": cookies,
        "projects": len(repos),
        "commits": sum(r.commits for r in repos),
        "tickets": sum(len(r.tickets) for r in repos),
        "users": len(logins),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dataset", default="code", choices=("code",))
    parser.add_argument("--out", required=True, type=Path)
    args = parser.parse_args(argv)
    if shutil.which("fossil") is None:
        print("The code site needs Fossil: apt-get install -y fossil", file=sys.stderr)
        return 1
    started = time.perf_counter()
    args.out.mkdir(parents=True, exist_ok=True)
    manifest = build(args.out)
    manifest["build_seconds"] = round(time.perf_counter() - started, 1)
    (args.out / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
