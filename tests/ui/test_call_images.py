"""The prompt view shows the images a vision agent's model calls sent, where their parts were.

A real run (the generic agent with `vision=screenshot` over the scripted server, on a MiniWoB++ page
in Chromium), served by the UI over real HTTP and looked at in a real Chromium. The image served is
compared with the bytes the model received; paths that are not a file name of the episode's folder
are refused. The prompt playground sends a recorded vision prompt with its images as the run sent them.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from playwright.sync_api import Browser, expect
from ui_support import ServedUi, person_at

from palaestra.cli import main
from palaestra.testing import ScriptedLLMServer, reply_text
from palaestra.testing.script import ScriptRequest
from palaestra.ui import UiRoots

KEY = "generic|miniwob.click-test|0"


@dataclass
class VisionRun:
    run: Path
    ui: ServedUi
    sent: bytes  # the image the model received, as decoded from the request's data URL
    text: str  # the text part sent beside it
    messages: list[dict[str, Any]]  # the messages of the run's request, as the model received them


def answer(request: ScriptRequest) -> object:
    return reply_text("I click the button.\n```\nclick('999')\n```")


@pytest.fixture(scope="module")
def vision(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VisionRun]:
    results = tmp_path_factory.mktemp("vision-results")
    run = results / "vision"
    with ScriptedLLMServer(answer) as llm:
        argv = ["eval", "--agent", "generic", "--agent-arg", "model=scripted-model", "--agent-arg",
                f"base_url={llm.base_url}", "--agent-arg", "vision=screenshot", "--tasks", "click-test",
                "--seeds", "0", "--max-steps", "1", "--workers", "1", "--out", str(run)]  # fmt: skip
        assert main(argv) == 0
        [request] = llm.chat_requests
    parts = request.messages[1]["content"]
    [url] = [p["image_url"]["url"] for p in parts if p["type"] == "image_url"]
    [text] = [p["text"] for p in parts if p["type"] == "text"]
    with ServedUi(UiRoots.of([results])) as served:
        yield VisionRun(run, served, base64.b64decode(url.partition(",")[2]), text, request.messages)


def test_the_image_a_call_sent_is_served_and_nothing_else(vision: VisionRun, tmp_path: Path) -> None:
    with httpx.Client(base_url=vision.ui.url, timeout=60) as client:
        episode = client.get("api/episode", params={"run": str(vision.run), "key": KEY}).json()
        [text, image] = episode["steps"][0]["messages"][1]["content"]
        assert text == {"type": "text", "text": vision.text} and image["type"] == "image_url"

        def get(name: str, key: str = KEY) -> httpx.Response:
            return client.get("api/call-image", params={"run": str(vision.run), "key": key, "name": name})

        served = get(image["file"])
        assert served.status_code == 200 and served.headers["content-type"] == "image/png"
        assert served.content == vision.sent
        folder = vision.run / "episodes" / "generic" / "miniwob.click-test" / "0"
        outside = tmp_path / "outside.png"
        outside.write_bytes(vision.sent)
        (folder / "img-link.png").symlink_to(outside)  # a link planted in the episode's folder
        try:
            for name in ("../../../../results.sqlite", "/etc/hostname", "sub/img.png", "..", "img-link.png"):
                refused = get(name)
                assert refused.status_code == 400, name
                assert "outside the episode's folder" in refused.json()["error"] or (
                    "is not a file name of the episode's folder" in refused.json()["error"]
                ), name
        finally:
            (folder / "img-link.png").unlink()
        for name in ("trajectory.jsonl", "obs-000.txt", "img-0000.png"):  # not a picture; not there
            assert get(name).status_code == 404, name
        assert get(image["file"], key="generic|miniwob.click-test|9").status_code == 404
        assert client.get("api/call-image", params={"run": str(vision.run), "key": KEY}).status_code == 400
        elsewhere = client.get("api/call-image", params={"run": "/etc", "key": KEY, "name": image["file"]})
        assert elsewhere.status_code == 403


def test_the_prompt_view_shows_the_image_where_its_part_was(
    vision: VisionRun, browser: Browser, shots: Path
) -> None:
    with person_at(browser, vision.ui.url, shots) as person:
        page = person.open(f"#/episode?run={vision.run}&key={KEY}")
        page.keyboard.press("1")  # the prompt tab
        user = page.locator(".message.role-user")
        expect(user.locator("pre").first).to_have_text(vision.text)
        figure = user.locator("figure.sent-image")
        expect(figure).to_have_count(1)
        expect(figure.locator("figcaption")).to_contain_text("The image sent to the model here (PNG, ")
        person.wait_for_images()
        with Image.open(io.BytesIO(vision.sent)) as sent:
            size = list(sent.size)
        assert figure.locator("img").evaluate("(i) => [i.naturalWidth, i.naturalHeight]") == size
        assert "api/call-image?" in str(figure.locator("img").get_attribute("src"))
        person.shoot("call-image-prompt")
        person.check_clean()


def test_the_playground_sends_a_vision_prompt_with_the_images_the_run_sent(vision: VisionRun) -> None:
    step = {"run": str(vision.run), "key": KEY, "step": 0}
    with httpx.Client(base_url=vision.ui.url, timeout=60) as client, ScriptedLLMServer(answer) as llm:
        prompt = client.get("api/prompt", params=step).json()
        recorded = prompt["messages"]
        [_, image] = recorded[1]["content"]
        assert image["file"] and "characters)" in image["image_url"]["url"]  # what the editor shows

        def send(messages: list[dict[str, Any]]) -> httpx.Response:
            return client.post(
                "api/playground", json={**step, "messages": messages, "model": {"base_url": llm.base_url}}
            )

        same = send(recorded)
        assert same.status_code == 200 and same.json()["ok"], same.text
        assert llm.chat_requests[-1].messages == vision.messages  # every part, the image's data URL included
        edited = [
            recorded[0],
            {"role": "user", "content": [{"type": "text", "text": "Only the button."}, image]},
        ]
        assert send(edited).json()["ok"]
        [text, sent] = llm.chat_requests[-1].messages[1]["content"]
        assert (
            text == {"type": "text", "text": "Only the button."} and sent == vision.messages[1]["content"][1]
        )
        assert send([recorded[0], {"role": "user", "content": [recorded[1]["content"][0]]}]).json()["ok"]
        assert llm.chat_requests[-1].messages == [
            vision.messages[0],
            {"role": "user", "content": [vision.messages[1]["content"][0]]},
        ]
        asked = len(llm.chat_requests)
        for name, problem in (("../../../../results.sqlite", "is not a file name of the episode's folder"),
                              ("img-0000.png", "is missing from")):  # fmt: skip
            refused = send([{"role": "user", "content": [{**image, "file": name}]}])
            assert refused.status_code == 400 and problem in refused.json()["error"], name
            assert "messages[0].content[0]" in refused.json()["error"], name
        unnamed = client.post(
            "api/playground", json={"messages": recorded, "model": {"base_url": llm.base_url}}
        )
        assert unnamed.status_code == 400 and "names no run, episode and step" in unnamed.json()["error"]
        assert len(llm.chat_requests) == asked  # nothing refused reached the model


def test_the_playground_page_shows_the_image_and_sends_it(
    vision: VisionRun, browser: Browser, shots: Path
) -> None:
    with person_at(browser, vision.ui.url, shots) as person, ScriptedLLMServer(answer) as llm:
        page = person.open(f"#/playground?run={vision.run}&key={KEY}&step=0")
        figure = page.locator(".message-editor figure.sent-image")
        expect(figure).to_have_count(1)
        person.wait_for_images()
        with Image.open(io.BytesIO(vision.sent)) as sent:
            size = list(sent.size)
        assert figure.locator("img").evaluate("(i) => [i.naturalWidth, i.naturalHeight]") == size
        page.locator("input[name=base_url]").fill(llm.base_url)
        page.get_by_role("button", name="Send to the model").click()
        expect(page.locator(".result pre.answer")).to_contain_text("I click the button.")
        expect(page.locator(".result")).to_contain_text(
            "Same action as in the run."
        )  # read as the agent reads
        assert llm.chat_requests[-1].messages == vision.messages
        person.shoot("playground-vision")
        person.check_clean()
