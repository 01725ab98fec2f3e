"""The observation space samples quickly, and vector environments work, async ones included."""

from __future__ import annotations

import asyncio
import copy
import multiprocessing
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np
import psutil
import pytest
from gymnasium.vector.utils import create_shared_memory, read_from_shared_memory, write_to_shared_memory

import palaestra  # noqa: F401  (registers the Gymnasium ids)
from palaestra.envs import BrowserEnv, loop
from palaestra.envs.spaces import SAMPLE_MAX_CHARS, Records, Unicode
from palaestra.envs.vector_spaces import SLOT_BYTES
from palaestra.tasks.page import PageTask


def test_sampling_a_huge_text_space_returns_at_once() -> None:
    space = Unicode(max_length=2**31 - 1)
    space.seed(0)
    samples = [space.sample() for _ in range(50)]
    assert all(space.contains(s) and len(s) <= SAMPLE_MAX_CHARS for s in samples)
    assert len({len(s) for s in samples}) > 10  # lengths vary


def test_observation_space_sample_is_an_observation(make_env: Callable[..., BrowserEnv]) -> None:
    env = make_env("miniwob.click-test")
    env.observation_space.seed(0)
    sample = env.observation_space.sample()
    assert env.observation_space.contains(sample)
    assert all(len(v) <= SAMPLE_MAX_CHARS for v in sample.values() if isinstance(v, str))


@pytest.mark.parametrize(
    ("mode", "vector_kwargs"),
    [("async", {}), ("async", {"shared_memory": False}), ("async", {"context": "spawn"}), ("sync", {})],
    ids=["async", "async-without-shared-memory", "async-spawned", "sync"],
)
def test_vector_env(mode: str, vector_kwargs: dict[str, Any]) -> None:
    # This process's background loop runs (as after any env.reset()): forked workers must not wait
    # on it, they start their own.
    loop.run_sync(asyncio.sleep(0))
    before = _chromium_pids()
    envs = gym.make_vec(
        "palaestra/miniwob.click-button", num_envs=2, vectorization_mode=mode, vector_kwargs=vector_kwargs
    )
    try:
        obs, _ = envs.reset(seed=[3, 4])
        assert len(set(obs["goal"])) == 2 and all(g.startswith("Click on the") for g in obs["goal"])
        assert obs["screenshot"].shape == (2, 320, 500, 3) and obs["screenshot"].dtype == np.uint8
        actions = []
        for goal, elements in zip(obs["goal"], obs["elements"], strict=True):
            name = goal.split('"')[1]
            actions.append(next(f"click('{e['id']}')" for e in elements if e["text"] == name))
        obs, reward, terminated, _, _ = envs.step(actions)
        assert list(reward) == [1.0, 1.0] and all(terminated)
        assert list(obs["last_action"]) == actions
        if mode == "async":
            assert _chromium_pids() - before, "each worker runs its own browser"
    finally:
        envs.close()
    if mode == "async":  # the workers' browsers go with them
        deadline = time.monotonic() + 10
        while _chromium_pids() - before and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _chromium_pids() - before


def _chromium_pids() -> set[int]:
    """This process's Chromium processes, its workers' included."""
    found = set()
    for proc in psutil.Process().children(recursive=True):
        try:
            if "chrom" in proc.name():
                found.add(proc.pid)
        except psutil.NoSuchProcess:
            continue
    return found


def test_slots_hold_values_of_any_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A value too large for its slot goes to a file; the slot's next value removes the file."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    text, records = Unicode(), Records()
    text_memory = create_shared_memory(text, n=2, ctx=multiprocessing)
    records_memory = create_shared_memory(records, n=2, ctx=multiprocessing)
    texts = read_from_shared_memory(text, text_memory, n=2)
    rows = read_from_shared_memory(records, records_memory, n=2)
    assert tuple(texts) == ("", "") and tuple(rows) == ([], [])
    huge = "\ud800 page " * (SLOT_BYTES // 4)  # more than a slot, and not valid UTF-8
    write_to_shared_memory(text, 0, "short", text_memory)
    write_to_shared_memory(text, 1, huge, text_memory)
    write_to_shared_memory(records, 1, [{"id": "3", "bbox": (1.0, 2.0, 3.0, 4.0)}], records_memory)
    assert copy.deepcopy(texts) == ("short", huge)
    assert rows[1] == [{"id": "3", "bbox": (1.0, 2.0, 3.0, 4.0)}]
    assert len(list(tmp_path.iterdir())) == 1  # the huge text's file
    write_to_shared_memory(text, 1, "small again", text_memory)
    assert texts[1] == "small again" and not list(tmp_path.iterdir())


def test_vector_infos_stack_an_error_of_one_environment() -> None:
    """A step that the machinery failed in one environment of a vector environment (a hung page
    here) stacks into ``info["error"]`` with Gymnasium's masks. Steps without an error said
    ``error=None``, and Gymnasium's stacking of a dict beside None raised AttributeError when the
    failing environment was not the first (one crash stopped the whole training loop)."""
    pages = Path(__file__).parent / "pages"
    widgets, hang = (pages / "widgets.html").as_uri(), (pages / "hang.html").as_uri()
    urls = (widgets, hang, widgets)
    envs = gym.vector.SyncVectorEnv(
        [lambda url=url: BrowserEnv(PageTask(url, "Use the page."), step_timeout=2.0) for url in urls]
    )
    try:
        obs, _ = envs.reset(seed=0)
        hang_button = next(e["id"] for e in obs["elements"][1] if e["tag"] == "button")
        _, _, terminated, truncated, info = envs.step(["noop(0)", f"click('{hang_button}')", "noop(0)"])
        assert list(truncated) == [False, True, False] and not any(terminated)
        assert set(info["error"]) == {"kind", "_kind", "message", "_message"}
        assert list(info["error"]["_kind"]) == [False, True, False]
        assert info["error"]["kind"][1] == "step_timeout"
        assert list(info["_error"]) == [True, True, True]
    finally:
        envs.close()


def test_vector_infos_keep_a_partial_miniwob_reward() -> None:
    """MiniWoB++'s state in ``info["task_info"]`` holds its rewards as floats: JavaScript's 0 came
    as the int 0, Gymnasium typed the stacked array by the first environment's value, and a second
    environment's partial reward (a third of click-checkboxes' boxes) read 0 there."""
    envs = gym.vector.SyncVectorEnv([lambda: gym.make("palaestra/miniwob.click-checkboxes")] * 2)
    try:
        obs, _ = envs.reset(seed=[2, 2])
        goal, elements = obs["goal"][1], obs["elements"][1]
        assert goal == "Select fzzqo, NYYyS82 and click Submit."
        box = next(e["id"] for e in elements if e["role"] == "checkbox" and e["name"] == "fzzqo")
        submit = next(e["id"] for e in elements if e["tag"] == "button")
        _, reward, terminated, _, info = envs.step(["noop(0)", f"click('{box}')\nclick('{submit}')"])
        assert list(terminated) == [False, True] and 0 < reward[1] < 1
        assert list(info["task_info"]["raw_reward"]) == [0.0, reward[1]]
    finally:
        envs.close()
