"""What the code host's seed is made of: its projects, and the words of its tickets and commits.

Every project's files are real source code, copied from a distribution the sites already install at
a pinned version (so the seed is the same on every machine): Whoosh 2.7.4 (BSD-2-Clause),
django-spirit 0.14.3 (MIT), django-oscar 4.2.1 (BSD-3-Clause) and django-wiki 0.13.0 (GPL-3.0),
each with its licence file. The histories, tickets and wiki pages around them are generated here
(written for Palaestra; see DATA.md).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Project:
    name: str
    title: str
    description: str
    #: The import package whose files the project holds, and the folders of it to take.
    package: str
    folders: tuple[str, ...]
    #: The distribution the files come from (its METADATA names the licence).
    distribution: str
    subsystems: tuple[str, ...]
    #: Anyone may read a public project; only its members see a private one.
    public: bool = True


PROJECTS = (
    Project(
        "whoosh-search", "Whoosh Search", "A fast, pure-Python full-text indexing and search library.",
        "whoosh", ("", "analysis", "qparser", "query", "matching", "codec", "filedb", "support", "util"),
        "whoosh", ("indexing", "query-parser", "analysis", "scoring", "storage"),
    ),
    Project(
        "spirit-forum", "Spirit Forum", "A modern forum engine for Django: topics, comments, private topics.",
        "spirit", ("core", "topic", "comment", "category", "user", "search"),
        "django-spirit", ("topics", "comments", "users", "search", "templates"),
    ),
    Project(
        "oscar-shop", "Oscar Shop", "Domain-driven e-commerce for Django: catalogue, basket, orders.",
        "oscar", ("apps/basket", "apps/catalogue", "apps/checkout", "apps/order", "apps/offer"),
        "django-oscar", ("basket", "catalogue", "checkout", "orders", "offers"),
    ),
    Project(
        "django-wiki", "Django Wiki", "A wiki system for Django: revisions, plugins, permissions.",
        "wiki", ("", "core", "plugins/attachments", "plugins/images", "views", "templatetags"),
        "wiki", ("editor", "plugins", "permissions", "history", "markdown"),
    ),
    Project(
        "infra-notes", "Infrastructure Notes", "The team's private runbooks and deployment notes.",
        "", (), "", ("deploy", "monitoring", "backups"), public=False,
    ),
)  # fmt: skip

TICKET_TYPES = {"Code_Defect": 0.5, "Feature_Request": 0.25, "Documentation": 0.12, "Build_Problem": 0.08,
                "Incident": 0.05}  # fmt: skip
SEVERITIES = {"Critical": 0.06, "Severe": 0.14, "Important": 0.35, "Minor": 0.3, "Cosmetic": 0.15}
PRIORITIES = {"Immediate": 0.05, "High": 0.2, "Medium": 0.45, "Low": 0.25, "Zero": 0.05}
#: Where a ticket ends, with its resolution.
OUTCOMES = {("Open", "Open"): 0.38, ("Verified", "Open"): 0.1, ("Review", "Open"): 0.06,
            ("Deferred", "Open"): 0.04, ("Fixed", "Fixed"): 0.18, ("Closed", "Fixed"): 0.14,
            ("Closed", "Works_As_Designed"): 0.05, ("Closed", "Unable_To_Reproduce"): 0.03,
            ("Closed", "Duplicate"): 0.02}  # fmt: skip

# {name} is a function or class of the project, {module} a module, {area} a subsystem.
DEFECTS = [
    "{name} raises TypeError when called with None",
    "Crash in {module} when the input is empty",
    "{name} returns stale results after an update",
    "Memory usage of {module} grows without bound",
    "{name} ignores the timeout setting",
    "Unicode titles break {name}",
    "Race condition in {module} under concurrent requests",
    "{name} is off by one on the last page",
    "Deprecation warnings from {module} on Python 3.12",
    "Wrong error message from {name} for invalid {area} settings",
    "{module} fails to import when optional dependencies are missing",
    "Sorting by date in {area} is unstable",
]
FEATURES = [
    "Allow {name} to take a custom ordering",
    "Add type hints to {module}",
    "Support asynchronous callers in {name}",
    "Expose {area} statistics in the admin",
    "Make {area} limits configurable",
    "Add a dry-run option to {name}",
]
DOCS = [
    "Document the parameters of {name}",
    "Add an example for {area} to the tutorial",
    "The docstring of {name} is out of date",
    "Explain how {module} caches its results",
]
BUILDS = [
    "Test suite fails on Windows in {module}",
    "Packaging misses the templates of {area}",
    "CI times out while testing {module}",
]
INCIDENTS = [
    "Nightly {area} job failed twice this week",
    "Search index for {area} was rebuilt by hand",
]
TITLES = {"Code_Defect": DEFECTS, "Feature_Request": FEATURES, "Documentation": DOCS,
          "Build_Problem": BUILDS, "Incident": INCIDENTS}  # fmt: skip

REPORT_OPENINGS = [
    "Steps to reproduce: call {name} from a fresh shell and watch the traceback.",
    "We see this in production since the last upgrade of {module}.",
    "A user reported this on the mailing list; I could reproduce it with the current trunk.",
    "This would make {area} much easier to use from scripts.",
    "Found while reviewing {module}.",
]
COMMENTS = [
    "I can reproduce this on trunk.",
    "Could you attach a minimal example?",
    "Looks related to the recent changes in {module}.",
    "I have a patch for this; will commit after review.",
    "Confirmed, raising the priority.",
    "This is fixed by the latest check-in on trunk, please verify.",
    "Works for me with a clean checkout.",
    "Moving this to the next release.",
]

COMMIT_ADD = ["Add {module}", "Import {module}", "Add {module} module", "Bring in {module}"]
COMMIT_GROW = ["Implement {names} in {module}", "{module}: add {names}", "Finish {module}: {names}",
               "Extend {module} with {names}"]  # fmt: skip
COMMIT_DOCS = ["Update README", "Document the release process", "Fix typos in README",
               "Describe the development set-up in README"]  # fmt: skip

WIKI_PAGES = ("Roadmap", "Contributing", "Release Checklist")

RUNBOOKS = {
    "deploy/web.md": "# Deploying the web tier\n\n1. Announce the deploy in the team channel.\n"
    "2. Run the migrations on a copy of the database first.\n3. Deploy one host, check its health page, "
    "then the rest.\n4. Roll back by redeploying the previous tag.\n",
    "deploy/database.md": "# Database maintenance\n\nVacuum weekly on Sunday 03:00 UTC. "
    "Keep 14 daily backups and 8 weekly ones.\nA restore drill runs on the first Monday of each month.\n",
    "monitoring/alerts.md": "# Alerts\n\n| alert | threshold | who |\n|---|---|---|\n"
    "| 5xx rate | > 2% for 5 min | on-call |\n| p95 latency | > 800 ms for 10 min | on-call |\n"
    "| disk | > 85% | infrastructure |\n",
    "backups/policy.md": "# Backup policy\n\nBackups are encrypted and copied to two regions. "
    "Retention: 14 daily, 8 weekly, 12 monthly.\n",
}
