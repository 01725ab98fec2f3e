"""`palaestra export`: training data from runs and demonstrations, as JSON lines trainers read.

A run (or a folder of trajectories) becomes one file: a row per model call (``messages``,
``prompt-completion``: supervised fine-tuning, rejection sampling with ``--success-only``) or per
step (``steps``: offline RL, behaviour cloning). Demonstrations of agents that ask no model are
written as an LLM agent's calls with ``--as-agent`` (`runs.export_demos`). Calls that sent images
are written in TRL's vision-language form, their images copied beside the file, and steps carry the
screenshot they acted on, copied there too (`runs.export_images`), unless ``--no-images``.

Rows come in run order (task, seed, agent, step), so two exports of the same runs diff cleanly.
Secrets are redacted as `palaestra show` redacts them. Only the named file is written, and
atomically: the rows go to a hidden file beside it that replaces it once complete, so an export
that is killed leaves no half file; an existing file is kept unless ``--force``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from palaestra.config import ConfigError
from palaestra.files import written_whole
from palaestra.redaction import redact
from palaestra.runs.export_images import IMAGE_KEY, IMAGES_KEY, ImageSink, images_folder, step_screenshot
from palaestra.runs.export_rows import FORMATS, call_row, recorded_style, step_row, without_answer
from palaestra.runs.export_source import EpisodeFilter, ExportEpisode, Tally, read_episodes

if TYPE_CHECKING:
    from palaestra.runs.export_demos import DemoRenderer


@dataclass(frozen=True)
class ExportOptions:
    """What to export and how (the command's flags)."""

    fmt: str = "messages"
    episodes: EpisodeFilter = field(default_factory=EpisodeFilter)
    drop_failed_actions: bool = False
    as_agent: str = ""
    as_agent_args: Mapping[str, str] = field(default_factory=dict)
    force: bool = False
    #: Calls that sent images as vision-language rows, and steps with their screenshots, the images
    #: copied beside the file (False: ``--no-images``, text rows; calls count theirs in
    #: ``images_dropped``).
    images: bool = True


def export(paths: Sequence[str | Path], out: str | Path, options: ExportOptions) -> Tally:
    """Write the rows of the episodes under ``paths`` to ``out``; returns what was read and written."""
    out = Path(out)
    if options.fmt not in FORMATS:
        raise ConfigError(f"--format {options.fmt}: choose one of {', '.join(FORMATS)}.")
    if out.is_dir():
        raise ConfigError(
            f"--out {out} is a folder. Fix: name the file to write, e.g. {out / 'train.jsonl'}."
        )
    if out.exists() and not options.force:
        raise ConfigError(f"--out {out} exists. Fix: name another file, or pass --force to replace it.")
    if not out.parent.is_dir():
        raise ConfigError(f"--out {out}: the folder {out.parent} does not exist. Fix: create it first.")
    if options.images and images_folder(out).exists() and not options.force:
        raise ConfigError(
            f"--out {out}: {images_folder(out)} exists (the images of an earlier export). Fix: name another "
            "file, or pass --force to replace both."
        )
    renderer: DemoRenderer | None = None
    if options.as_agent:
        if options.fmt == "steps":
            raise ConfigError(
                "--as-agent renders model calls: use it with --format messages or prompt-completion."
            )
        from palaestra.runs.export_demos import DemoRenderer

        renderer = DemoRenderer(options.as_agent, options.as_agent_args, options.fmt)
    tally = Tally()
    prompts: dict[str, str] = {}
    episodes = sorted(read_episodes(paths), key=lambda e: e.order)
    with written_whole(out) as sink, ImageSink(out) as images:
        kept_images = images if options.images else None
        for episode in episodes:
            tally.read += 1
            why = options.episodes.reason_to_drop(episode) or (
                "no trajectory" if not episode.trajectory else ""
            )
            if why:
                tally.drop(why)
                continue
            tally.kept += 1
            for row in _rows(episode, options, renderer, tally, kept_images):
                _same_kind_of_prompt(row, prompts)
                _same_kind_of_content(row, prompts)
                sink.write(json.dumps(redact(row), ensure_ascii=False) + "\n")
                tally.rows += 1
                tokens_in, tokens_out = int(row.get("tokens_in") or 0), int(row.get("tokens_out") or 0)
                tally.tokens_in += tokens_in
                tally.tokens_out += tokens_out
                tally.longest_call = max(tally.longest_call, tokens_in + tokens_out)
        tally.images, tally.images_folder = images.count, images.final
        if not tally.rows:  # raised inside the block: no empty --out for a trainer to fail on later
            raise ConfigError(_no_rows(tally, out, options.fmt))
    return tally


def _no_rows(tally: Tally, out: Path, fmt: str) -> str:
    """Why an export has nothing to write, and the fix. An empty file exits fine here and fails
    later, far from its cause (`datasets` reads no columns from it; a trainer gets no rows)."""
    said = [f"{tally.read} episodes read, {tally.kept} kept"]
    said += [f"dropped, {why}: {n}" for why, n in sorted(tally.dropped.items())]
    said += [f"steps left out, {why}: {n}" for why, n in sorted(tally.skipped_steps.items())]
    if not tally.read:
        fix = "name a run (the --out of `palaestra eval`) or a folder of trajectories"
    elif not tally.kept:
        fix = "loosen the filters that dropped every episode (--success-only, --tasks, --agents, ...)"
    elif any(why.startswith("no prompt") for why in tally.skipped_steps):
        fix = (
            "these agents ask no model: write their steps as an LLM agent's calls (--as-agent generic) "
            "or as steps for offline RL (--format steps)"
        )
    else:
        fix = "see the reasons above, and export other episodes or another --format"
    return f"No {fmt} rows to write to {out} ({'; '.join(said)}). Fix: {fix}."


def _same_kind_of_content(row: dict[str, Any], seen: dict[str, str]) -> None:
    """Refuse rows with images and rows without in one file. A vision row's contents are lists of
    parts, a text row's strings, and a loader reads one type per column; `datasets`' imagefolder
    takes its image columns from the file's first rows (failing if they name none) and reads a row
    without one as no image, which a pixel policy's trainer cannot take."""
    if "observation" in row:  # a steps row: its screenshot, or none (a run with --no-screenshots)
        has, what, did = IMAGE_KEY in row, "step", ("has a screenshot", "none (--no-screenshots)")
        text_fix = "to write every step without its screenshot"
    elif "messages" in row or isinstance(row.get("prompt"), list):
        has, what, did = IMAGES_KEY in row, "call", ("sent images", "none")
        text_fix = "to write every call as text"
    else:
        return
    kind = "images" if has else "text"
    where = f"{row['agent']} on {row['task']} seed {row['seed']} step {row['step']} of {row['run']}"
    first = seen.setdefault(f"content:{kind}", where)
    other = seen.get(f"content:{'text' if kind == 'images' else 'images'}")
    if other is not None:
        with_images, without = (first, other) if kind == "images" else (other, first)
        raise ConfigError(
            f"The {what} of {with_images} {did[0]} and the {what} of {without} {did[1]}; one file holds "
            f"{what}s of one kind (a loader reads one type per column). Fix: export them apart "
            f"(--agents, --tasks), or pass --no-images {text_fix}."
        )


def _same_kind_of_prompt(row: dict[str, Any], seen: dict[str, str]) -> None:
    """Refuse text prompts and chat prompts in one prompt-completion file: a trainer reads one kind
    (and Hugging Face's loader one type per column)."""
    if "prompt" not in row:
        return
    kind = "text" if isinstance(row["prompt"], str) else "chat"
    first = seen.setdefault(kind, f"{row['agent']} on {row['task']}")
    other = seen.get("chat" if kind == "text" else "text")
    if other is not None:
        raise ConfigError(
            f"--format prompt-completion: {first} sent {kind} prompts and {other} sent "
            f"{'chat' if kind == 'text' else 'text'} prompts; one file holds one kind. Fix: export them "
            "apart (--agents), or use --format messages."
        )


def _kept_steps(episode: ExportEpisode, options: ExportOptions, tally: Tally) -> list[dict[str, Any]]:
    """The episode's steps, without those whose action failed and changed nothing when asked (the
    rule `memory build` leaves them out by: `agents.demos.took_effect`)."""
    assert episode.trajectory is not None
    steps = episode.trajectory.steps
    if not options.drop_failed_actions:
        return steps
    from palaestra.agents.demos import took_effect

    kept = [s for s in steps if took_effect(str(s.get("action") or ""), str(s.get("error") or ""))]
    if len(kept) < len(steps):
        tally.skip("action failed and changed nothing (--drop-failed-actions)", len(steps) - len(kept))
    return kept


def _rows(
    episode: ExportEpisode, options: ExportOptions, renderer: DemoRenderer | None, tally: Tally,
    images: ImageSink | None,
) -> Iterator[dict[str, Any]]:  # fmt: skip
    assert episode.trajectory is not None
    if options.fmt == "steps":
        trajectory = episode.trajectory
        last = max((int(s.get("index") or 0) for s in trajectory.steps), default=-1)
        final = trajectory.file(str((trajectory.end or {}).get("final_observation") or ""))
        final_text = final.read_text(encoding="utf-8", errors="replace") if final is not None else ""
        for step in _kept_steps(episode, options, tally):
            path = trajectory.file(str(step.get("observation") or ""))
            if path is None:
                tally.skip("no observation text (obs-NNN.txt)")
                continue
            after = final_text if int(step.get("index") or 0) == last else ""
            row = step_row(episode, step, path.read_text(encoding="utf-8", errors="replace"), after)
            where = episode.step_name(step)
            shot = step_screenshot(episode.folder, step, images, where) if images is not None else None
            yield {**row, IMAGE_KEY: shot} if shot else row
        return
    if renderer is not None and not any(s.get("messages") for s in episode.trajectory.steps):
        # Every step is rendered (the agent's history must be the episode's); failed ones are left out after.
        rendered = asyncio.run(renderer.render(episode, episode.trajectory.steps, tally.skip))
        kept = {id(s) for s in _kept_steps(episode, options, tally)}
        for call in rendered:
            if id(call.step) in kept:
                row = call_row(options.fmt, episode, call.step, call.messages, call.answer, style=call.style)
                yield {**row, "rendered_as": renderer.name}
        return
    for step in _kept_steps(episode, options, tally):
        messages = step.get("messages")
        if not messages:
            extra = step.get("extra")
            if isinstance(extra, dict) and extra.get("queued"):  # OSWorld's answers: several actions
                tally.skip("a later action of an answer (its call is the first action's row)")
            else:
                tally.skip("no prompt: the agent asks no model (see --as-agent, --format steps)")
            continue
        answer = str(step.get("raw_response") or "")
        yield call_row(options.fmt, episode, step, without_answer(messages, answer), answer,
                       style=recorded_style(step), sink=images)  # fmt: skip
