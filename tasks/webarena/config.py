"""WebArena's task configuration format, read into typed records.

The keys are WebArena's (``sites``, ``task_id``, ``require_login``, ``storage_state``, ``start_url``,
``geolocation``, ``intent_template``, ``instantiation_dict``, ``intent``, ``require_reset``,
``eval`` with ``eval_types``, ``reference_answers``, ``reference_url``, ``program_html``,
``url_note``, ``string_note``, ``reference_answer_raw_annotation``, and ``intent_template_id``), so
the official files load through ``load_configs`` as our own do. Two additions, both optional:
``eval.db_state`` (queries on the episode's own database) and ``login_as`` (the seeded account per
site when it is not the site's default). Unknown keys are kept in ``extra``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from palaestra.errors import PalaestraError, did_you_mean
from palaestra.tasks.webarena.candidates import with_template_references

EVAL_TYPES = ("string_match", "url_match", "program_html", "db_state")
ANSWER_KINDS = ("exact_match", "must_include", "fuzzy_match")
_TOP_KEYS = {
    "sites", "task_id", "require_login", "storage_state", "start_url", "geolocation", "intent_template",
    "instantiation_dict", "intent", "require_reset", "eval", "intent_template_id", "login_as",
}  # fmt: skip
_EVAL_KEYS = {
    "eval_types", "reference_answers", "reference_url", "program_html", "url_note", "string_note",
    "reference_answer_raw_annotation", "db_state", "annotation_note",
}  # fmt: skip


class TaskConfigError(PalaestraError, ValueError):
    """A task file that does not follow WebArena's format; the message names the task and the key."""


@dataclass(frozen=True)
class EvalSpec:
    eval_types: tuple[str, ...]
    reference_answers: dict[str, Any] | None = None
    reference_url: str = ""
    url_note: str = "GOLD in PRED"
    program_html: tuple[dict[str, Any], ...] = ()
    string_note: str = ""
    reference_answer_raw_annotation: str = ""
    db_state: tuple[dict[str, Any], ...] = ()
    #: The references of the other tasks of the same intent template, loaded with them (not a key
    #: of the task's file; ``candidates.with_template_references``): an answer naming one of them
    #: lists candidates, which the corrected column refuses.
    template_references: tuple[str, ...] = ()


@dataclass(frozen=True)
class TaskConfig:
    task_id: int
    sites: tuple[str, ...]
    intent: str
    start_url: str
    eval: EvalSpec
    require_login: bool = False
    storage_state: str | None = None
    geolocation: Any = None
    intent_template: str = ""
    instantiation_dict: dict[str, Any] = field(default_factory=dict)
    require_reset: bool = False
    intent_template_id: int = -1
    login_as: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def unachievable(self) -> bool:
        answers = self.eval.reference_answers or {}
        return str(answers.get("fuzzy_match", "")).strip().upper() == "N/A"

    def to_json(self) -> dict[str, Any]:
        """The WebArena-format dictionary (what ``from_json`` reads)."""
        out: dict[str, Any] = {
            "sites": list(self.sites), "task_id": self.task_id, "require_login": self.require_login,
            "storage_state": self.storage_state, "start_url": self.start_url, "geolocation": self.geolocation,
            "intent_template": self.intent_template, "instantiation_dict": self.instantiation_dict,
            "intent": self.intent, "require_reset": self.require_reset,
            "eval": {
                "eval_types": list(self.eval.eval_types), "reference_answers": self.eval.reference_answers,
                "reference_url": self.eval.reference_url, "program_html": list(self.eval.program_html),
                "url_note": self.eval.url_note, "string_note": self.eval.string_note,
                "reference_answer_raw_annotation": self.eval.reference_answer_raw_annotation,
            },
            "intent_template_id": self.intent_template_id,
        }  # fmt: skip
        if self.eval.db_state:
            out["eval"]["db_state"] = list(self.eval.db_state)
        if self.login_as:
            out["login_as"] = dict(self.login_as)
        out.update(self.extra)
        return out


def from_json(raw: Mapping[str, Any], source: str = "") -> TaskConfig:
    """One task from its WebArena-format dictionary; a clear error for a malformed one."""
    where = f"task {raw.get('task_id', '?')}" + (f" in {source}" if source else "")
    for key in ("task_id", "sites", "intent", "start_url", "eval"):
        if key not in raw:
            hint = did_you_mean(key, raw.keys())
            raise TaskConfigError(f"{where} has no `{key}`.{hint} WebArena's format needs it.")
    spec = raw["eval"]
    if not isinstance(spec, Mapping) or "eval_types" not in spec:
        raise TaskConfigError(f"{where}: `eval` must be an object with `eval_types`.")
    unknown = set(spec) - _EVAL_KEYS
    if unknown:
        name = sorted(unknown)[0]
        raise TaskConfigError(f"{where}: unknown eval key `{name}`.{did_you_mean(name, _EVAL_KEYS)}")
    if not isinstance(spec["eval_types"], list | tuple):  # a bare string would be read letter by letter
        raise TaskConfigError(
            f"{where}: `eval.eval_types` must be a list of evaluator names, such as "
            f'"eval_types": ["string_match"], not {json.dumps(spec["eval_types"])}.'
        )
    for kind in spec["eval_types"]:
        if kind not in EVAL_TYPES:
            raise TaskConfigError(f"{where}: unknown eval type `{kind}`.{did_you_mean(kind, EVAL_TYPES)}")
    answers = spec.get("reference_answers")
    for kind in answers or {}:
        if kind not in ANSWER_KINDS:
            raise TaskConfigError(f"{where}: unknown answer kind `{kind}`.{did_you_mean(kind, ANSWER_KINDS)}")
    if "string_match" in spec["eval_types"] and not answers:
        raise TaskConfigError(f"{where}: string_match needs `reference_answers`.")
    if "url_match" in spec["eval_types"] and not spec.get("reference_url"):
        raise TaskConfigError(f"{where}: url_match needs `reference_url`.")
    sites = raw["sites"]
    if isinstance(sites, str) or not isinstance(sites, Iterable):
        raise TaskConfigError(f"{where}: `sites` must be a list of site names.")
    evaluation = EvalSpec(
        eval_types=tuple(spec["eval_types"]),
        reference_answers=dict(answers) if answers else None,
        reference_url=spec.get("reference_url") or "",
        url_note=spec.get("url_note") or "GOLD in PRED",
        program_html=tuple(spec.get("program_html") or ()),
        string_note=spec.get("string_note") or "",
        reference_answer_raw_annotation=str(spec.get("reference_answer_raw_annotation") or ""),
        db_state=tuple(spec.get("db_state") or ()),
    )
    return TaskConfig(
        task_id=int(raw["task_id"]),
        sites=tuple(sites),
        intent=str(raw["intent"]),
        start_url=str(raw["start_url"]),
        eval=evaluation,
        require_login=bool(raw.get("require_login", False)),
        storage_state=raw.get("storage_state"),
        geolocation=raw.get("geolocation"),
        intent_template=str(raw.get("intent_template") or ""),
        instantiation_dict=dict(raw.get("instantiation_dict") or {}),
        require_reset=bool(raw.get("require_reset", False)),
        intent_template_id=int(raw.get("intent_template_id", -1)),
        login_as=dict(raw.get("login_as") or {}),
        extra={k: v for k, v in raw.items() if k not in _TOP_KEYS},
    )


def load_configs(source: str | Path | list[Mapping[str, Any]]) -> list[TaskConfig]:
    """Tasks from a JSON file holding a list (WebArena's ``test.raw.json``) or one task, a folder of
    ``<task_id>.json`` files (WebArena's ``config_files/``), or already-parsed dictionaries; each
    knows the references of the other tasks of its intent template among them."""
    return with_template_references(_read_configs(source))


def _read_configs(source: str | Path | list[Mapping[str, Any]]) -> list[TaskConfig]:
    if isinstance(source, list):
        return [from_json(raw) for raw in source]
    path = Path(source)
    if path.is_dir():
        files = sorted(path.glob("*.json"), key=lambda p: (len(p.stem), p.stem))
        return [config for file in files for config in _read_configs(file)]
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError as exc:
        raise TaskConfigError(f"No task file at {path}.") from exc
    except json.JSONDecodeError as exc:
        raise TaskConfigError(f"{path} is not valid JSON: {exc}") from exc
    items = data if isinstance(data, list) else [data]
    return [from_json(raw, source=str(path)) for raw in items]


def fill_placeholders(text: str, urls: Mapping[str, str]) -> str:
    """Replace ``__SHOP__`` and the like by base URLs (longest placeholder first)."""
    for placeholder in sorted(urls, key=len, reverse=True):
        text = text.replace(placeholder, urls[placeholder].rstrip("/"))
    return text
