"""The images a vision agent sent, kept by its run and exported as TRL's vision-language rows.

Real runs: the generic agent with `vision=screenshot` over the scripted server, on a MiniWoB++ page
in Chromium and on a desktop on Xvfb (galculator, PyAutoGUI actions). The images checked are the
bytes the server received, decoded from the request's data URL.
"""

from __future__ import annotations

import base64
import io
import json
import re
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from palaestra.cli import main
from palaestra.config import ConfigError
from palaestra.runs.export import ExportOptions
from palaestra.runs.export import export as run_export
from palaestra.runs.export_source import EpisodeFilter
from palaestra.testing import ScriptedLLMServer, reply_text
from palaestra.testing.script import ScriptRequest
from tests.runs import test_export
from tests.runs.test_export import export

#: test_export.py's run of the oracle and the text-only generic agent, and its scripted server.
run, server = test_export.run, test_export.server


def sent_images(request: ScriptRequest) -> list[bytes]:
    """The images of a request, as the bytes its data URLs hold, in order."""
    found = []
    for message in request.messages:
        for part in message["content"] if isinstance(message["content"], list) else []:
            if part["type"] == "image_url":
                head, _, data = part["image_url"]["url"].partition(",")
                assert head == "data:image/png;base64"
                found.append(base64.b64decode(data))
    return found


@pytest.fixture
def vision_run(reasked_vision_run: tuple[Path, list[ScriptRequest]]) -> tuple[Path, list[ScriptRequest]]:
    """The generic agent with the screenshot, asked again once (`run_reasked_vision_agent`)."""
    return reasked_vision_run


def load_from_elsewhere(exported: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The exported file as `datasets`' imagefolder loads it, from a working folder that is not the
    file's (its image paths must resolve against the file, not the working folder)."""
    import datasets

    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    return datasets.load_dataset(
        "imagefolder", data_files=str(exported), metadata_filenames=[exported.name], split="train",
        cache_dir=str(tmp_path / "hf"),
    )  # fmt: skip


def episode_folder(run: Path, agent: str, task: str) -> Path:
    return run / "episodes" / agent / task / "0"


def test_the_run_keeps_the_image_each_call_sent_beside_the_episode(
    vision_run: tuple[Path, list[ScriptRequest]],
) -> None:
    """The recorded call names a file of the episode holding the image's bytes as sent; the line
    itself holds no pixels."""
    out, requests = vision_run
    folder = episode_folder(out, "generic", "miniwob.click-test")
    lines = (folder / "trajectory.jsonl").read_text()
    assert "base64" not in lines
    (step,) = [json.loads(line) for line in lines.splitlines() if '"type": "step"' in line]
    [text, image] = step["messages"][1]["content"]
    assert text["type"] == "text" and image["type"] == "image_url"
    assert re.fullmatch(r"\(PNG, \d+ characters\)", image["image_url"]["url"])
    assert re.fullmatch(r"img-[0-9a-f]{64}\.png", image["file"])
    # Two requests (the first answer and the re-ask) sent the same screen: one file.
    assert sent_images(requests[0]) == sent_images(requests[1]) == [(folder / image["file"]).read_bytes()]
    assert sorted(p.name for p in folder.glob("img-*")) == [image["file"]]


def test_text_only_runs_write_no_image_files(run: Path) -> None:
    """A run of agents that send no images records its calls as before: no image files, no keys."""
    for folder in (run / "episodes").glob("*/*/*"):
        assert not list(folder.glob("img-*"))
        assert '"file":' not in (folder / "trajectory.jsonl").read_text()


def test_a_vision_call_is_exported_as_a_vision_language_row(
    vision_run: tuple[Path, list[ScriptRequest]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, requests = vision_run
    sent = requests[-1].messages
    [row], summary = export(capsys, str(out), "--out", str(tmp_path / "vlm.jsonl"))
    assert [m["role"] for m in row["messages"]] == ["system", "user", "assistant", "user", "assistant"]
    assert row["messages"][0]["content"] == [{"type": "text", "text": sent[0]["content"]}]
    [text] = [p["text"] for p in sent[1]["content"] if p["type"] == "text"]
    assert row["messages"][1]["content"] == [{"type": "text", "text": text}, {"type": "image"}]
    assert row["messages"][2]["content"] == [{"type": "text", "text": "Hmm."}]
    assert "click('" in row["messages"][-1]["content"][0]["text"]
    assert row["reasks"] == 1 and "images_dropped" not in row
    [image] = row["file_names"]
    assert image.startswith("vlm-images/") and (tmp_path / image).read_bytes() == sent_images(requests[-1])[0]
    assert f"images written: 1 to {tmp_path / 'vlm-images'}" in summary


def test_prompt_completion_rows_of_a_vision_call_hold_its_images(
    vision_run: tuple[Path, list[ScriptRequest]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """TRL's conversational prompt-completion with images: the prompt's parts, the answer alone."""
    out, requests = vision_run
    [row], _ = export(capsys, str(out), "--format", "prompt-completion", "--out", str(tmp_path / "pc.jsonl"))
    assert [[p["type"] for p in m["content"]] for m in row["prompt"]] == [
        ["text"], ["text", "image"], ["text"], ["text"]
    ]  # fmt: skip
    assert row["completion"] == [
        {
            "role": "assistant",
            "content": [{"type": "text", "text": row["completion"][0]["content"][0]["text"]}],
        }
    ]
    assert "click('" in row["completion"][0]["content"][0]["text"]
    [image] = row["file_names"]
    assert (tmp_path / image).read_bytes() == sent_images(requests[-1])[0]


def test_vision_rows_load_with_images_as_image_features_for_trl(
    vision_run: tuple[Path, list[ScriptRequest]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`datasets`' imagefolder reads the file as the rows' metadata: an `images` column of `Image`
    features, the pixels sent; TRL's collator puts each image in its `{"type": "image"}` part."""
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.chdir(tmp_path)  # paths are the file's, not the working folder's
    import datasets
    from trl.data_utils import prepare_multimodal_messages

    out, requests = vision_run
    exported = tmp_path / "data" / "train.jsonl"
    exported.parent.mkdir()
    [row], _ = export(capsys, str(out), "--out", str(exported))
    loaded = load_from_elsewhere(exported, tmp_path, monkeypatch)
    assert loaded.features["images"] == datasets.List(datasets.Image())
    first = loaded[0]  # each indexing decodes the images anew
    [image] = first["images"]
    with Image.open(io.BytesIO(sent_images(requests[-1])[0])) as sent:
        assert np.array_equal(np.asarray(image.convert("RGB")), np.asarray(sent.convert("RGB")))
    messages = first["messages"]
    assert [[p["type"] for p in m["content"]] for m in messages] == [
        ["text"], ["text", "image"], ["text"], ["text"], ["text"]
    ]  # fmt: skip
    assert [m["content"][0]["text"] for m in messages] == [m["content"][0]["text"] for m in row["messages"]]
    filled = prepare_multimodal_messages(messages, images=first["images"])
    assert filled[1]["content"][1]["image"] is image


def test_no_images_writes_text_rows_counting_the_images(
    vision_run: tuple[Path, list[ScriptRequest]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`--no-images`: the row is the last call's conversation (the answer that failed, the re-ask,
    the answer), its text as sent, and the image left out and counted."""
    out, requests = vision_run
    sent = requests[-1].messages
    [row], summary = export(capsys, str(out), "--no-images", "--out", str(tmp_path / "m.jsonl"))
    [text] = [p["text"] for p in sent[1]["content"] if p["type"] == "text"]
    assert row["messages"][:-1] == [sent[0], {"role": "user", "content": text}, *sent[2:]]
    assert [m["role"] for m in row["messages"]] == ["system", "user", "assistant", "user", "assistant"]
    assert row["messages"][2]["content"] == "Hmm." and "click('" in row["messages"][-1]["content"]
    assert row["images_dropped"] == 1 and row["reasks"] == 1 and row["episode_success"] is True
    assert "file_names" not in row
    assert not (tmp_path / "m-images").exists() and "images written" not in summary


def test_calls_with_and_without_images_are_not_mixed_in_one_file(
    vision_run: tuple[Path, list[ScriptRequest]], run: Path, tmp_path: Path
) -> None:
    """A loader reads one type per column: the refusal names both calls and the fixes, and leaves
    no file nor image folder behind."""
    out, _ = vision_run
    target = tmp_path / "mixed.jsonl"
    with pytest.raises(ConfigError, match=r"sent images and the call of generic on .* none") as caught:
        run_export([out, run], target, ExportOptions(episodes=EpisodeFilter(agents=["generic"])))
    assert "--no-images" in str(caught.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == []
    assert (
        main(["export", str(out), str(run), "--agents", "generic", "--no-images", "--out", str(target)]) == 0
    )


@pytest.mark.parametrize("reference", ["../../../secret.png", "/etc/hostname", "sub/img.png"])
def test_a_recorded_image_outside_the_episode_folder_is_refused(
    vision_run: tuple[Path, list[ScriptRequest]],
    reference: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out, _ = vision_run
    copy = tmp_path / "run"
    shutil.copytree(out, copy)
    trajectory = episode_folder(copy, "generic", "miniwob.click-test") / "trajectory.jsonl"
    lines = trajectory.read_text()
    trajectory.write_text(
        re.sub(r'"file": "img-[0-9a-f]+\.png"', json.dumps({"file": reference})[1:-1], lines)
    )
    capsys.readouterr()
    assert main(["export", str(copy), "--out", str(tmp_path / "x.jsonl")]) == 2
    err = capsys.readouterr().err
    assert f"recorded image reference '{reference}' is not a file name of the episode's folder" in err
    assert "generic on miniwob.click-test seed 0 step 0" in err and "--no-images" in err
    assert not (tmp_path / "x.jsonl").exists() and not (tmp_path / "x-images").exists()


def test_a_missing_image_file_is_named(
    vision_run: tuple[Path, list[ScriptRequest]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, _ = vision_run
    copy = tmp_path / "run"
    shutil.copytree(out, copy)
    for image in episode_folder(copy, "generic", "miniwob.click-test").glob("img-*"):
        image.unlink()
    capsys.readouterr()
    assert main(["export", str(copy), "--out", str(tmp_path / "x.jsonl")]) == 2
    assert "is missing from" in capsys.readouterr().err


def test_steps_rows_carry_the_screenshot_each_step_acted_on(
    run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The oracle's steps (no model asked): each row's `file_name` is a copy of the step's
    `shot-NNN.jpg`, loaded by imagefolder as an `image` column of `Image` features, one per row;
    `--no-images` leaves them out."""
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    import datasets

    exported = tmp_path / "data" / "steps.jsonl"
    exported.parent.mkdir()
    rows, summary = export(
        capsys, str(run), "--agents", "oracle", "--format", "steps", "--out", str(exported)
    )
    assert len(rows) >= 6
    shots = [
        run / "episodes" / "oracle" / r["task"] / str(r["seed"]) / f"shot-{r['step']:03d}.jpg" for r in rows
    ]
    for row, shot in zip(rows, shots, strict=True):
        assert row["file_name"].startswith("steps-images/")
        assert (exported.parent / row["file_name"]).read_bytes() == shot.read_bytes()
    distinct = len({shot.read_bytes() for shot in shots})
    assert (
        f"images written: {distinct} to {tmp_path / 'data' / 'steps-images'} (the rows' file_name)" in summary
    )
    loaded = load_from_elsewhere(exported, tmp_path, monkeypatch)
    assert loaded.features["image"] == datasets.Image() and loaded.num_rows == len(rows)
    last = loaded[len(rows) - 1]
    assert last["observation"] == rows[-1]["observation"] and last["action"] == rows[-1]["action"]
    with Image.open(shots[-1]) as shot:
        assert np.array_equal(np.asarray(last["image"].convert("RGB")), np.asarray(shot.convert("RGB")))
    text, summary = export(
        capsys,
        str(run),
        "--agents",
        "oracle",
        "--format",
        "steps",
        "--no-images",
        "--out",
        str(tmp_path / "t.jsonl"),
    )
    assert [r["observation"] for r in text] == [r["observation"] for r in rows]
    assert not any("file_name" in r for r in text) and not (tmp_path / "t-images").exists()
    assert "images written" not in summary


def test_steps_with_and_without_screenshots_are_not_mixed_in_one_file(
    run: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A `--no-screenshots` run's steps are text rows; with a run that kept its screenshots, the
    export is refused as calls with and without images are (naming a step of each and the fixes)."""
    plain = tmp_path / "no-shots"
    argv = ["eval", "--agent", "oracle", "--tasks", "click-test", "--seeds", "0", "--max-steps", "1",
            "--workers", "1", "--no-screenshots", "--out", str(plain)]  # fmt: skip
    assert main(argv) == 0
    out = tmp_path / "out"
    out.mkdir()
    [row], summary = export(capsys, str(plain), "--format", "steps", "--out", str(out / "plain.jsonl"))
    assert "file_name" not in row and row["action"] and "images written" not in summary
    options = ExportOptions(fmt="steps", episodes=EpisodeFilter(agents=["oracle"], tasks=["click-test"]))
    with pytest.raises(ConfigError, match=r"step of oracle on .* of run has a screenshot and the step of "
                       r"oracle on miniwob.click-test seed 0 step 0 of no-shots none") as caught:  # fmt: skip
        run_export([plain, run], out / "mixed.jsonl", options)
    assert "--no-images" in str(caught.value) and "--agents" in str(caught.value)
    assert sorted(p.name for p in out.iterdir()) == ["plain.jsonl"]
    rows, _ = export(capsys, str(plain), str(run), "--format", "steps", "--agents", "oracle", "--tasks",
                     "click-test", "--no-images", "--out", str(out / "mixed.jsonl"))  # fmt: skip
    assert len(rows) == 3 and not any("file_name" in r for r in rows)


@pytest.mark.parametrize("tampering", ["reference", "link"])
def test_a_screenshot_outside_the_episode_folder_is_refused(
    vision_run: tuple[Path, list[ScriptRequest]], tampering: str, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    """A step naming a file out of its folder, or a screenshot replaced by a link to one, stops the
    steps export as a call's image does."""
    out, _ = vision_run
    copy = tmp_path / "run"
    shutil.copytree(out, copy)
    folder = episode_folder(copy, "generic", "miniwob.click-test")
    outside = tmp_path / "secret.jpg"
    outside.write_bytes((folder / "shot-000.jpg").read_bytes())
    if tampering == "reference":
        trajectory = folder / "trajectory.jsonl"
        trajectory.write_text(trajectory.read_text().replace('"shot-000.jpg"', '"../../../../secret.jpg"'))
    else:
        (folder / "shot-000.jpg").unlink()
        (folder / "shot-000.jpg").symlink_to(outside)
    capsys.readouterr()
    assert main(["export", str(copy), "--format", "steps", "--out", str(tmp_path / "s.jsonl")]) == 2
    err = capsys.readouterr().err
    refusal = (
        "is not a file name of the episode's folder"
        if tampering == "reference"
        else "a link to a file outside"
    )
    assert refusal in err and "generic on miniwob.click-test seed 0 step 0" in err and "--no-images" in err
    assert not (tmp_path / "s.jsonl").exists() and not (tmp_path / "s-images").exists()


def test_a_desktop_episode_exports_its_pyautogui_calls_with_the_screens_sent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The generic agent with the screenshot on a desktop task (galculator on Xvfb): its row holds the
    PyAutoGUI answer, the action in the desktop action set, and the screen it was sent; the steps
    row the window's text and the screenshot the step acted on."""
    from palaestra.envs.actions import get_action_set

    def press_seven(request: ScriptRequest) -> Any:
        text = next(p["text"] for p in request.messages[1]["content"] if p["type"] == "text")
        found = re.search(r"\[(\w+)\] toggle button '7'", text)
        assert found, text
        return reply_text(f"Seven first.\n```python\nimport pyautogui\npyautogui.click('{found[1]}')\n```")

    out = tmp_path / "run"
    with ScriptedLLMServer(press_seven) as llm:
        argv = ["eval", "--agent", "generic", "--agent-arg", "model=scripted-model", "--agent-arg",
                f"base_url={llm.base_url}", "--agent-arg", "vision=screenshot", "--suite", "desktop",
                "--tasks", "calc-add", "--seeds", "0", "--max-steps", "1", "--workers", "1",
                "--out", str(out)]  # fmt: skip
        assert main(argv) == 0
        [request] = llm.chat_requests
    [row], _ = export(capsys, str(out), "--out", str(tmp_path / "desktop.jsonl"))
    assert row["task"] == "desktop.calc-add" and row["action_error"] == ""
    assert row["action"].startswith("import pyautogui\npyautogui.click('")
    get_action_set("desktop").parse(row["action"])
    assert "pyautogui" in row["messages"][0]["content"][0]["text"]
    assert row["messages"][1]["content"][1] == {"type": "image"}
    [image] = row["file_names"]
    assert (tmp_path / image).read_bytes() == sent_images(request)[0]
    with Image.open(tmp_path / image) as screen:
        assert screen.format == "PNG" and screen.width >= 640
    [step], _ = export(capsys, str(out), "--format", "steps", "--out", str(tmp_path / "steps.jsonl"))
    assert step["action"] == row["action"] and "window: galculator" in step["observation"]
    shot = out / "episodes" / "generic" / "desktop.calc-add" / "0" / "shot-000.jpg"
    assert (tmp_path / step["file_name"]).read_bytes() == shot.read_bytes()  # the screen it acted on


def test_agentlabs_vision_preset_exports_each_call_once_with_its_screenshot(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """AgentLab's own GenericAgent (its venv), preset 4o_mini_vision: its chat, which AgentLab keeps
    with the answer at its end, is exported as sent, the answer once, the JPEG it sent beside."""

    def click(request: ScriptRequest) -> Any:
        found = re.search(r"\[(\w+)\] button", request.last_user_text())
        return reply_text(
            f"<think>\nThe button.\n</think>\n\n<action>\nclick('{found[1] if found else 'x'}')\n</action>"
        )

    out = tmp_path / "run"
    with ScriptedLLMServer(click) as llm:
        argv = ["eval", "--agent", "agentlab", "--agent-arg", "flags=4o_mini_vision", "--agent-arg",
                f"base_url={llm.base_url}", "--agent-arg", "api_key=key-for-the-scripted-server",
                "--tasks", "click-test", "--seeds", "0", "--max-steps", "1", "--workers", "1",
                "--out", str(out)]  # fmt: skip
        assert main(argv) == 0
        [request] = llm.chat_requests
    [row], _ = export(capsys, str(out), "--out", str(tmp_path / "agentlab.jsonl"))
    assert row["success"] and [m["role"] for m in row["messages"]] == ["system", "user", "assistant"]
    assert row["messages"][-1]["content"] == [{"type": "text", "text": request_answer(row)}]
    user = request.messages[1]["content"]
    assert [p["type"] for p in row["messages"][1]["content"]] == [
        "image" if p["type"] == "image_url" else "text" for p in user
    ]
    [image] = row["file_names"]
    [sent] = [p["image_url"] for p in user if p["type"] == "image_url"]
    url = sent if isinstance(sent, str) else sent["url"]
    assert url.startswith("data:image/") and (tmp_path / image).read_bytes() == base64.b64decode(
        url.partition(",")[2]
    )


def request_answer(row: dict[str, Any]) -> str:
    return f"<think>\nThe button.\n</think>\n\n<action>\n{row['action']}\n</action>"


def test_osworlds_prompt_agent_exports_each_answer_with_the_screens_it_sent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """OSWorld's own PromptAgent (its venv) with screenshot and tree on galculator: one row per
    answer, its messages as OSWorld sent them (its past turns, with their screens, included), each
    image the bytes sent; the answer's later actions are steps of no call of their own."""
    from palaestra.envs.actions import get_action_set
    from tests.envs.test_osworld_agent import model

    out = tmp_path / "run"
    with ScriptedLLMServer(model) as llm:
        argv = ["eval", "--agent", "osworld-prompt", "--agent-arg", f"base_url={llm.url}",
                "--agent-arg", "model=gpt-4o", "--agent-arg", "observation_type=screenshot_a11y_tree",
                "--suite", "desktop", "--tasks", "calc-add", "--seeds", "5", "--workers", "1",
                "--max-steps", "5", "--out", str(out)]  # fmt: skip
        assert main(argv) == 0
        requests = list(llm.chat_requests)
    rows, summary = export(capsys, str(out), "--out", str(tmp_path / "osworld.jsonl"))
    assert len(rows) == len(requests) == 3 and rows[-1]["episode_success"]
    assert "steps left out, a later action of an answer (its call is the first action's row): 1" in summary
    for row, request in zip(rows, requests, strict=True):
        assert [m["role"] for m in row["messages"]] == [m["role"] for m in request.messages] + ["assistant"]
        images = [(tmp_path / name).read_bytes() for name in row["file_names"]]
        assert images == sent_images(request) and len(images) == sum(
            p == {"type": "image"} for m in row["messages"] for p in m["content"]
        )
    assert len(rows[-1]["file_names"]) == 3  # the screens of the two answers before, and this one's
    get_action_set("desktop").parse(rows[-1]["action"])
    assert rows[-1]["action"].startswith("pyautogui.click(")
