"""What a run says before it starts, beside its plan: the errored episodes a resume keeps, the
oracle's episodes on tasks it has no solution for, and LLM agents left to the embedded model. Said
by `palaestra eval` and its `--dry-run`."""

from __future__ import annotations

from collections import Counter

from palaestra.runs.spec import EpisodeSpec


def kept_errors(
    episodes: list[EpisodeSpec], status: dict[str, tuple[str, str, int]], todo: list[EpisodeSpec]
) -> str:
    """What a resumed run says of the errored episodes it will not run again, and how to run them."""
    planned = {spec.key for spec in todo}
    kinds = Counter(
        status[spec.key][1] for spec in episodes
        if spec.key not in planned and spec.key in status and status[spec.key][0] == "error"
    )  # fmt: skip
    if not kinds:
        return ""
    listed = ", ".join(f"{kind} {n}" for kind, n in sorted(kinds.items()))
    return (
        f"{sum(kinds.values())} errored episodes are kept as they ended ({listed}): resuming does not "
        "retry these. Once their cause is fixed, add --rerun-errors to run them again."
    )


def oracle_note(todo: list[EpisodeSpec]) -> str:
    """What a run says before it starts of the oracle's episodes on tasks it has no solution for:
    each would end as an `agent_error`, found out one episode at a time ("" when there are none)."""
    played = [spec for spec in todo if spec.agent.name == "oracle"]
    if not played:
        return ""
    from palaestra.agents.oracle import lacks_oracle

    tasks = list(dict.fromkeys(spec.task for spec in played))
    missing = [task for task in tasks if lacks_oracle(task)]
    if not missing:
        return ""
    episodes = sum(spec.task in missing for spec in played)
    shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
    return (
        f"Note: the oracle has no scripted solution for {len(missing)} of its {len(tasks)} tasks "
        f"({shown}): its {episodes} episodes there will end as agent_error. Leave those tasks out "
        "(--tasks), or play the oracle in a run of its own."
    )


#: The agents that ask `default_model()` when given no model: the embedded one, with no endpoint.
EMBEDDED_FALLBACK = ("generic", "synapse")


def embedded_model_note(todo: list[EpisodeSpec]) -> str:
    """What a run says before it starts of LLM agents given no model and no endpoint: they ask the
    embedded 270M model on the CPU, which is minutes an episode and no measure of an agent. It is
    a choice (the demo makes it), so it is said, not refused ("" when no agent is left to it)."""
    from palaestra.agents.llm.default import endpoint_configured

    if endpoint_configured():
        return ""
    left = [
        spec.agent.display for spec in todo
        if spec.agent.name in EMBEDDED_FALLBACK
        and not any(spec.agent.args_dict().get(key) for key in ("model", "base_url"))
    ]  # fmt: skip
    if not left:
        return ""
    return (
        f"Note: {', '.join(dict.fromkeys(left))} has no model endpoint (no model= or base_url=, no "
        "PALAESTRA_LLM_BASE_URL / PALAESTRA_LLM_MODEL / OPENAI_BASE_URL): it asks the embedded LLM, "
        "Gemma 3 270M on the CPU (minutes an episode; a smoke test, not a result). For your model: "
        "--agent-arg model=NAME (and base_url=http://HOST:PORT/v1), or export PALAESTRA_LLM_BASE_URL "
        "and PALAESTRA_LLM_MODEL."
    )
