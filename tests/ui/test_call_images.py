"""The prompt view shows the images a vision agent's model calls sent, where their parts were.

A real run (the generic agent with `vision=screenshot` over the scripted server, on a MiniWoB++ page
in Chromium), served by the UI over real HTTP and looked at in a real Chromium. The image served is
compared with the bytes the model received; paths that are not a file name of the episode's folder
are refused.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

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
        yield VisionRun(run, served, base64.b64decode(url.partition(",")[2]), text)


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
