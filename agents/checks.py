"""Checks of agent configurations that runs make before the first episode.

An agent configuration may define `check()`: `palaestra.agents.registry.check_agent` calls it, and
`palaestra eval` calls that for every agent before it starts a worker, so a missing memory or an
unconfigured model stops the run at once with the fix, instead of erroring in every episode.
"""

from __future__ import annotations

import os
from pathlib import Path

from palaestra.config import ConfigError

BUILD_HINT = "Build one with `palaestra memory build {path} --oracles '*' --seeds 0-4`."


def require_memory(path: str, agent: str, *, required: bool) -> None:
    """Refuse an exemplar memory argument that names no memory (or is missing when `required`)."""
    if not path:
        if required:
            raise ConfigError(
                f"Agent `{agent}` replays demonstrations from an exemplar memory, and none was given. "
                f"Pass --agent-arg memory=DIR. {BUILD_HINT.format(path='memories/miniwob')}"
            )
        return
    folder = Path(path).expanduser()
    if not (folder / "meta.json").is_file():
        what = "is not an exemplar memory (no meta.json)" if folder.exists() else "does not exist"
        raise ConfigError(
            f"Agent `{agent}`: memory={path} {what} (looked in {folder.resolve()}). "
            + BUILD_HINT.format(path=path)
        )
    require_readable_memory(folder, agent)


def require_readable_memory(folder: Path, agent: str) -> None:
    """Read the memory's files (no embedding model is loaded), so a damaged memory stops the run
    before its first episode rather than failing every episode with a bare parser error."""
    from palaestra.memory import persist
    from palaestra.memory.errors import ExemplarMemoryError

    try:
        store, _index = persist.load_contents(folder, persist.read_meta(folder))
    except ExemplarMemoryError as err:
        raise ConfigError(f"Agent `{agent}`: {err}") from err
    store.close()


def require_model(model: str, agent: str, environ_names: tuple[str, ...]) -> None:
    """Refuse an LLM agent with no model named in its arguments or the environment."""
    if model or any(os.environ.get(name) for name in environ_names):
        return
    raise ConfigError(
        f"Agent `{agent}` needs an LLM and none is configured. Pass --agent-arg model=NAME (and "
        f"base_url=http://HOST/v1 for a local server), or export {environ_names[0]}=NAME."
    )
