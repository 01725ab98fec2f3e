"""Trajectory files: one episode as JSON lines plus one image and one text file per step.

Whoever plays the episode (the evaluation runner, the environment server, a person in the
debugging UI) writes the same folder, and `palaestra memory build`, the report and the UI read it:

    trajectory.jsonl   {"type": "episode", "format", "task", "seed", "goal", "source", "agent", "started"}
                       {"type": "step", "index", "url", "action", "thoughts", "messages", "raw_response",
                        "error", "reward", "terminated", "truncated", "success", "error_kind",
                        "timings", "tokens_in", "tokens_out", "cost", "screenshot", "observation", "demo"}
                       ... one line per step ...
                       {"type": "end", "outcome", "success", "reward", "error_kind", "error_message",
                        "steps", "elapsed_s", "final_screenshot", "final_observation",
                        a desktop episode's "resources", a `context_length` one's "refused_prompt"}
    shot-000.jpg       what the agent saw at step 0 (the page at reset), shot-001.jpg at step 1, ...
    obs-000.txt        the same observations as text (goal, URL, error, AXTree)
    obs-000.json.gz    the same observations whole but their pixels (AXTree, DOM, element boxes, URL,
                       tools): `palaestra.runs.observations`
    img-<sha256>.png   an image a step's model call sent, exactly as sent, named by the recorded
                       call's image part (`palaestra.runs.call_images`); only for calls with images

Step ``n``'s ``screenshot`` and ``observation`` are what the agent acted on; its ``error``,
``reward``, ``terminated`` and ``truncated`` are what its action led to; the page after the last
step is the end line's ``final_*``. Lines are appended and flushed as they happen, so a killed
process loses nothing it finished; files are written off the step's path. JSON and images only:
no pickles, nothing that runs code when read.
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np

from palaestra.envs.obs import Observation
from palaestra.runs.artifacts import confined
from palaestra.runs.call_images import keep_call_images
from palaestra.runs.observations import observation_record, record_name, save_observation

TRAJECTORY_FILE = "trajectory.jsonl"
FORMAT = 1
#: JPEG quality of step images: legible, and about a tenth of a PNG's size.
JPEG_QUALITY = 80


def observation_text(obs: Observation) -> str:
    """An observation as the text a person reads beside its screenshot."""
    parts = [f"goal: {obs.get('goal', '')}"]
    parts.append(
        f"window: {obs['focused_window']}" if "focused_window" in obs else f"url: {obs.get('url', '')}"
    )
    if obs.get("last_action_error"):
        parts.append(f"last_action_error: {obs['last_action_error']}")
    if obs.get("tool_results"):
        parts.append(f"tool_results:\n{obs['tool_results']}")
    parts.append(obs.get("axtree") or obs.get("dom") or "")
    return "\n".join(parts) + "\n"


class TrajectoryWriter:
    """Writes one episode into ``folder`` (created if needed).

    ``redact`` is applied to every text written (secrets an agent was configured with);
    ``pool`` writes the files in the background (a private one-thread pool by default).
    """

    def __init__(
        self,
        folder: str | Path,
        *,
        images: bool = True,
        pool: ThreadPoolExecutor | None = None,
        redact: Callable[[str], str] | None = None,
    ) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.images = images
        self._own_pool = pool is None
        self.pool = pool or ThreadPoolExecutor(1, thread_name_prefix="trajectory")
        self.redact = redact or (lambda text: text)
        self.pending: list[Future[None]] = []
        self.seen: list[tuple[str, str, str]] = []  # (observation file, screenshot file, url) per observation
        self.call_images: set[str] = set()  # the images of model calls written (by file name)
        self.steps = 0
        self.started = time.time()
        self._file: IO[str] | None = None
        self.ended = False

    # -- writing ----------------------------------------------------------------------------------

    def start(
        self,
        *,
        task: str,
        seed: int | None,
        goal: str,
        obs: Observation | None,
        source: str,
        agent: str = "",
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        """The episode's first line, and the observation the agent starts from (when known)."""
        self._line({
            "type": "episode", "format": FORMAT, "task": task, "seed": seed, "goal": goal,
            "source": source, "agent": agent, "started": self.started, **(extra or {}),
        })  # fmt: skip
        if obs is not None:
            self.saw(obs)

    def saw(self, obs: Observation) -> None:
        """Write an observation the agent is given: its text, its structured record (what the
        debugging UI draws and diffs) and, if any, its screenshot."""
        n = len(self.seen)
        text_name, shot_name = f"obs-{n:03d}.txt", ""
        self._submit(_save_text, self.redact(observation_text(obs)), self.folder / text_name)
        record_path = self.folder / record_name(text_name)
        self._submit(save_observation, observation_record(obs), record_path, self.redact)
        shot = obs.get("screenshot")
        if self.images and isinstance(shot, np.ndarray) and shot.size:
            shot_name = f"shot-{n:03d}.jpg"
            self._submit(_save_jpeg, shot, self.folder / shot_name)
        self.seen.append((text_name, shot_name, str(obs.get("url", ""))))

    def step(
        self,
        action: str,
        after: Observation,
        reward: float,
        terminated: bool,
        truncated: bool,
        info: Mapping[str, Any],
        *,
        timings: Mapping[str, float] | None = None,
        agent: Mapping[str, Any] | None = None,
        demo: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """One step: the action taken on the last observation seen, and what it led to.

        ``after`` (the next observation) is written as the one the next step acts on. ``agent``
        holds what the agent said (thoughts, messages, raw_response, tokens_in, tokens_out, cost);
        the images its messages sent are written beside the episode and named in the line (without
        pixels: `palaestra.runs.call_images`). Returns the line written.
        """
        index = self.steps
        said = dict(agent or {})
        if isinstance(said.get("messages"), list):
            save = (lambda data, path: self._submit(_save_bytes, data, path)) if self.images else None
            said["messages"] = keep_call_images(said["messages"], self.folder, save, self.call_images)
        text_name, shot_name, url = self.seen[index] if index < len(self.seen) else ("", "", "")
        error = info.get("error") or {}
        line = {
            "type": "step", "index": index, "url": url, "action": action,
            "thoughts": "", "messages": [], "raw_response": "", "tokens_in": 0, "tokens_out": 0, "cost": 0.0,
            **said,
            "error": str(after.get("last_action_error", "")), "reward": float(reward),
            "terminated": bool(terminated), "truncated": bool(truncated),
            "success": bool(info.get("success")), "error_kind": str(error.get("kind", "")),
            "timings": {k: round(float(v), 6) for k, v in (timings or {}).items()},
            "screenshot": shot_name, "observation": text_name,
        }  # fmt: skip
        if demo is not None:
            line["demo"] = dict(demo)
        self.steps += 1
        self.saw(after)
        self._line(line)
        return line

    def end(
        self,
        *,
        outcome: str,
        success: bool,
        reward: float,
        error_kind: str = "",
        error_message: str = "",
        elapsed_s: float | None = None,
        resources: dict[str, Any] | None = None,
        refused_prompt: dict[str, Any] | None = None,
    ) -> None:
        """The episode's last line; the page after the last step is its final observation.
        ``resources`` (a desktop episode's CPU seconds and peak memory) and ``refused_prompt`` (the
        messages a `context_length` episode's model refused, `runs.refused_prompt`) are written
        only when given."""
        if self.ended:
            return
        self.ended = True
        final = self.seen[self.steps] if self.steps < len(self.seen) else ("", "", "")
        self._line({
            "type": "end", "outcome": outcome, "success": bool(success), "reward": float(reward),
            "error_kind": error_kind, "error_message": error_message, "steps": self.steps,
            "elapsed_s": time.time() - self.started if elapsed_s is None else elapsed_s,
            "final_observation": final[0], "final_screenshot": final[1],
            **({"resources": resources} if resources else {}),
            **({"refused_prompt": refused_prompt} if refused_prompt else {}),
        })  # fmt: skip

    def close(self) -> None:
        """Wait for every file to be written, and close the JSON lines."""
        for future in self.pending:
            future.result()
        self.pending.clear()
        if self._file is not None:
            self._file.close()
            self._file = None
        if self._own_pool:
            self.pool.shutdown()

    def _line(self, entry: Mapping[str, Any]) -> None:
        if self._file is None:
            # A lone surrogate (a model's answer, a page's text) is written as its JSON escape, which
            # reads back as the same string, instead of failing the episode.
            path = self.folder / TRAJECTORY_FILE
            self._file = path.open("a", encoding="utf-8", errors="backslashreplace")
        self._file.write(self.redact(json.dumps(entry, default=str, ensure_ascii=False)) + "\n")
        self._file.flush()

    def _submit(self, fn: Callable[..., None], *args: Any) -> None:
        self.pending.append(self.pool.submit(fn, *args))


@dataclass
class Trajectory:
    """An episode read back: its first line, its steps, and its last line (None if cut short)."""

    folder: Path
    header: dict[str, Any]
    steps: list[dict[str, Any]] = field(default_factory=list)
    end: dict[str, Any] | None = None

    def file(self, name: str) -> Path | None:
        """A file the trajectory names, confined to its folder; None when absent."""
        if not name:
            return None
        path = confined(self.folder, name)
        return path if path.is_file() else None

    @property
    def success(self) -> bool:
        return bool(self.end and self.end.get("success"))

    def demonstration_steps(self) -> list[dict[str, Any]]:
        """The steps as an exemplar trajectory: those recorded with a demonstration entry whose
        action took effect (`agents.demos.took_effect`)."""
        from palaestra.agents.demos import took_effect

        kept = [s for s in self.steps if took_effect(str(s.get("action", "")), str(s.get("error") or ""))]
        return [s["demo"] for s in kept if isinstance(s.get("demo"), dict)]


def read_trajectory(folder: str | Path) -> Trajectory:
    """The episode in ``folder``. A line cut off by a kill is skipped, not an error."""
    folder = Path(folder)
    path = folder / TRAJECTORY_FILE
    if not path.is_file():
        raise FileNotFoundError(f"{folder} holds no {TRAJECTORY_FILE}.")
    header: dict[str, Any] = {}
    steps: list[dict[str, Any]] = []
    end: dict[str, Any] | None = None
    for raw in path.read_text(encoding="utf-8").splitlines():
        try:
            entry = json.loads(raw)
        except json.JSONDecodeError:
            continue
        kind = entry.get("type")
        if kind == "episode":
            header = entry
        elif kind == "step":
            steps.append(entry)
        elif kind == "end":
            end = entry
    return Trajectory(folder=folder, header=header, steps=steps, end=end)


def find_trajectories(root: str | Path) -> list[Path]:
    """Every folder under ``root`` holding a trajectory, in path order."""
    return sorted(p.parent for p in Path(root).rglob(TRAJECTORY_FILE))


def _save_text(text: str, path: Path) -> None:
    path.write_text(text, encoding="utf-8")


def _save_bytes(data: bytes, path: Path) -> None:
    path.write_bytes(data)


def _save_jpeg(pixels: np.ndarray, path: Path) -> None:
    """Encoded in memory, then written: Pillow's encoder writing straight into a file does not notice
    a short write, so a full disk left a truncated JPEG and no error."""
    from PIL import Image

    encoded = io.BytesIO()
    Image.fromarray(pixels).save(encoded, format="JPEG", quality=JPEG_QUALITY)
    path.write_bytes(encoded.getvalue())
