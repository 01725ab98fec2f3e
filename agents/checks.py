"""Checks of agent configurations that runs make before the first episode.

An agent configuration may define `check()`: `palaestra.agents.registry.check_agent` calls it, and
`palaestra eval` calls that for every agent before it starts a worker, so a missing memory or an
unconfigured model stops the run at once with the fix, instead of erroring in every episode.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

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
    """Read the memory's files and name its embedder (no embedding model is loaded), so a damaged
    memory, or one whose embedder needs settings no agent argument gives (an embeddings endpoint),
    stops the run before its first episode rather than failing every episode."""
    from palaestra.memory import persist
    from palaestra.memory.errors import ExemplarMemoryError

    try:
        meta = persist.read_meta(folder)
        embedder, _ = persist.resolve_embedder(folder, meta, None, reembed=False)  # loads on first use
        store, _index = persist.load_contents(folder, meta)
    except ExemplarMemoryError as err:
        raise ConfigError(f"Agent `{agent}`: {err}") from err
    store.close()
    endpoint = getattr(embedder, "base_url", None)  # an embeddings endpoint: is anything there?
    if endpoint:
        from palaestra.memory.embedders import ENV_EMBED_BASE_URL

        source = next((n for n in ENV_EMBED_BASE_URL if os.environ.get(n) == endpoint), "the environment")
        what = f"the embeddings endpoint of memory {folder}"
        require_reachable_endpoint(endpoint, agent, what, source)


def require_model(model: str, agent: str, environ_names: tuple[str, ...]) -> None:
    """Refuse an LLM agent with no model named in its arguments or the environment."""
    if model or any(os.environ.get(name) for name in environ_names):
        return
    raise ConfigError(
        f"Agent `{agent}` needs an LLM and none is configured. Pass --agent-arg model=NAME (and "
        f"base_url=http://HOST/v1 for a local server), or export {environ_names[0]}=NAME."
    )


def require_reachable_endpoint(
    base_url: str | None, agent: str, what: str = "the model endpoint", source: str = "base_url"
) -> None:
    """Refuse a model endpoint that refuses connections (or whose host does not resolve): a server
    not started yet would otherwise cost every episode its retries and backoff (about 30 s each) before
    it errors. Only a TCP connection is opened, nothing is sent. A URL taken from the environment
    counts too; no URL means the SDK's default or the embedded model, and is not probed. A timeout
    passes: a firewall here may not be one where the workers run."""
    from palaestra.agents.llm.config import environment_source, environment_values

    url = base_url or environment_values().get("base_url", "")
    if not url:
        return
    parts = urlsplit(url)
    if not parts.hostname:
        raise ConfigError(f"Agent `{agent}`: base_url `{url}` names no host. Fix: http://HOST:PORT/v1.")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        socket.create_connection((parts.hostname, port), timeout=5).close()
    except (ConnectionRefusedError, socket.gaierror) as err:
        where = source if base_url else environment_source("base_url")
        raise ConfigError(
            f"Agent `{agent}`: nothing answers at {what} {url} ({err}; from {where}). "
            "Fix: start the server first (`palaestra llm serve` serves the embedded model and prints "
            "what to export; or your vLLM, llama.cpp or Ollama server), or correct the URL; with no "
            "endpoint configured the embedded model runs in each worker."
        ) from None
    except OSError:
        return


def require_key_for_default_endpoint(base_url: str | None, api_key: str | None, agent: str) -> None:
    """Refuse a model endpoint left to the SDK's default (OpenAI's API) with no key anywhere: every
    request would be refused (or, offline, fail to connect), and the run would spend each episode's
    retries before erroring as if the server were down. A key is not needed by a server of your own,
    so a base URL (argument or environment) passes."""
    from palaestra.agents.llm.config import ENV_API_KEY, ENV_BASE_URL, environment_values

    given = environment_values()
    if base_url or api_key or given.get("base_url") or given.get("api_key"):
        return
    raise ConfigError(
        f"Agent `{agent}`: with no base_url (nor {' / '.join(ENV_BASE_URL)}) its model is asked at OpenAI's "
        f"API, and no key is set ({' / '.join(ENV_API_KEY)}, or --agent-arg api_key=). Fix: export "
        "OPENAI_API_KEY (your key) for OpenAI's API, or point --agent-arg base_url=http://HOST:PORT/v1 (or "
        "PALAESTRA_LLM_BASE_URL) at your own server (vLLM, Ollama, `palaestra llm serve`)."
    )


def require_model_capabilities(
    agent: str,
    capabilities: str | None,
    needed: Mapping[str, tuple[str, str]],
    declare: str = "--agent-arg capabilities=",
) -> None:
    """Refuse a model declared without a capability the agent's requests need, before any is sent.

    What the model serves is the LLM layer's `declared_capabilities` (the agent's ``capabilities``
    argument, else ``PALAESTRA_LLM_CAPABILITIES``, else the default); ``needed`` maps each capability
    the agent needs to why it needs it and how to do without it; ``declare`` is how the agent's
    user declares more (an argument, or the variable for agents that take none).
    """
    from palaestra.agents.llm.config import declared_capabilities

    declared = declared_capabilities(capabilities)
    listed = ",".join(declared.listed()) or "nothing"
    where = "its capabilities argument" if capabilities else "PALAESTRA_LLM_CAPABILITIES, or the default"
    for name, (why, without) in needed.items():
        if not getattr(declared, name):
            raise ConfigError(
                f"{agent}: {why}, and the model is declared to serve {listed} ({where}), without "
                f"{name}: its server would refuse every such request. Fix: {without}; or, if the "
                f"model's server does take {name}, declare it: {declare}{listed},{name}."
            )
