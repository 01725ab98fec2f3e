"""Live environments in a real browser: a person solves a MiniWoB++ task by clicking on the screenshot,
saves it as a demonstration, and the memory agent solves another seed from that one exemplar; tabs
that close take their environments with them."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect
from ui_support import Person, ServedUi

from palaestra.memory import ExemplarMemory
from palaestra.testing import ScriptedLLMServer


def live_state(page: Page, base: str) -> dict[str, Any]:
    sid = re.search(r"session=([\w-]+)", page.url)
    assert sid, page.url
    response = page.request.get(f"{base}api/live/{sid.group(1)}")
    assert response.ok, response.text()
    return dict(response.json())


def start(page: Page, task: str, seed: int) -> None:
    page.get_by_label("task").fill(task)
    page.get_by_label("seed").fill(str(seed))
    page.get_by_role("button", name="Start").click()
    # Starting an environment loads its suite and a browser context: slow on a busy machine.
    expect(page.locator("h1")).to_contain_text(f"{task} · seed {seed}", timeout=90_000)


def test_solve_by_clicking_save_the_demonstration_and_the_memory_agent_learns_it(
    person: Person, ui: ServedUi
) -> None:
    page = person.open("#/live")
    start(page, "miniwob.click-button", 7)
    expect(page.locator(".verdict")).to_contain_text("running")
    state = live_state(page, person.base)
    word = re.search(r'"(.+)"', state["goal"])
    assert word, state["goal"]
    target = next(e for e in state["elements"] if e["tag"] == "button" and e["name"] == word.group(1))
    image = page.locator(".live-shot img.shot")
    expect(image).to_be_visible()
    frame = image.bounding_box()
    assert frame
    x, y, w, h = target["bbox"]
    vw, vh = state["viewport"]
    page.mouse.move(
        frame["x"] + (x + w / 2) * frame["width"] / vw, frame["y"] + (y + h / 2) * frame["height"] / vh
    )
    expect(page.locator(".under-pointer")).to_contain_text(f"[{target['id']}] button {word.group(1)}")
    person.shoot("08-live-pointer")

    page.mouse.down()
    page.mouse.up()
    expect(page.locator(".preview")).to_contain_text(f"Will run: click('{target['id']}')")
    assert live_state(page, person.base)["history"] == []  # shown, not yet run
    page.keyboard.press("Enter")
    expect(page.locator(".verdict")).to_contain_text("✓ success")
    person.shoot("09-live-solved")

    page.get_by_label("memory").fill("demos")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("main")).to_contain_text("now holds 1 exemplars")
    demos = ui.ui.roots.memory("demos")
    memory = ExemplarMemory.open(demos)
    (exemplar,) = [memory.get(i) for i in memory.ids()]
    memory.close()
    assert (exemplar.suite, exemplar.task, exemplar.source, exemplar.success) == (
        "miniwob", "click-button", "ui:person", True,
    )  # fmt: skip
    assert exemplar.trajectory[0]["action"] == f"click('{target['id']}')"
    assert exemplar.trajectory[0]["by"] == "person" and exemplar.metadata["seed"] == 7

    page.get_by_role("link", name=re.compile("demos")).click()
    expect(page.locator("table.exemplars tbody tr")).to_have_count(1)
    page.get_by_role("button", name="view").click()
    expect(page.locator(".exemplar")).to_contain_text(f"click('{target['id']}')")
    person.shoot("10-memory")

    page.go_back()
    expect(page.locator(".verdict")).to_be_visible()
    page.get_by_label("seed").fill("8")
    page.get_by_role("button", name="New seed").click()
    expect(page.locator(".verdict")).to_contain_text("running · step 0")
    expect(page.locator("h1")).to_contain_text("seed 8")
    expect(page.locator(".goal")).to_have_text(live_state(page, person.base)["goal"])
    page.get_by_label("agent", exact=True).fill("memory")
    page.get_by_label("agent arguments").fill("memory=demos")
    page.keyboard.press("Escape")  # leave the field: the page's keys work again
    page.keyboard.press("a")
    # The first proposal loads the memory and its embedding model: give it time on a busy machine.
    expect(page.locator(".proposal code.action")).to_contain_text("click(", timeout=120_000)
    page.keyboard.press("n")
    expect(page.locator(".proposal")).to_have_text("Rejected.")
    assert live_state(page, person.base)["history"] == []
    for _ in range(3):
        page.keyboard.press("a")
        expect(page.locator(".proposal code.action")).to_contain_text("click(")
        person.shoot("11-live-agent-proposes")
        page.keyboard.press("y")
        expect(page.locator(".verdict")).not_to_contain_text("running · step 0")
        if live_state(page, person.base)["done"]:
            break
    final = live_state(page, person.base)
    assert final["success"], final["history"]
    assert [h["by"] for h in final["history"]] == ["agent"] * len(final["history"])
    person.shoot("12-live-agent-solved")
    page.get_by_role("button", name="Close", exact=True).click()
    expect(page.locator("h1")).to_have_text("Live")
    assert ui.sessions == {}  # closing it closed the server's session
    person.check_clean()


def test_a_saved_demonstration_is_seen_in_synapses_prompt(
    person: Person, ui: ServedUi, llm: ScriptedLLMServer
) -> None:
    """Record a demonstration, ask Synapse on another seed, and read its prompt on the page: the
    demonstration is there as an exemplar trajectory, and the notes name it by id (a proposal
    showed only the action, so whether the new exemplar reached the model could not be seen)."""
    page = person.open("#/live")
    start(page, "miniwob.click-button", 21)
    state = live_state(page, person.base)
    word = re.search(r'"(.+)"', state["goal"])
    assert word, state["goal"]
    target = next(e for e in state["elements"] if e["tag"] == "button" and e["name"] == word.group(1))
    page.get_by_label("action").fill(f"click('{target['id']}')")
    page.get_by_label("action").press("Enter")
    expect(page.locator(".verdict")).to_contain_text("✓ success")
    page.get_by_label("memory").fill("synapse-demos")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator("main")).to_contain_text("now holds 1 exemplars")
    memory = ExemplarMemory.open(ui.ui.roots.memory("synapse-demos"))
    (saved,) = memory.ids()
    memory.close()

    page.get_by_label("seed").fill("22")
    page.get_by_role("button", name="New seed").click()
    expect(page.locator("h1")).to_contain_text("seed 22")
    page.get_by_label("agent", exact=True).fill("synapse")
    args = f"model=scripted-model base_url={llm.base_url} memory=synapse-demos max_reasks=0"
    page.get_by_label("agent arguments").fill(args)
    page.get_by_role("button", name="Propose (a)").click()
    prompt = page.locator(".proposal details", has_text="Prompt (2 messages)")
    expect(prompt).to_be_visible(timeout=120_000)  # the first proposal loads the embedding model
    prompt.locator("summary").click()
    expect(prompt).to_contain_text(f"Task: {state['goal']}\nState:")
    expect(prompt).to_contain_text(f"Action: click('{target['id']}')")
    notes = page.locator(".proposal details", has_text="Agent's notes")
    notes.locator("summary").click()
    expect(notes).to_contain_text(saved)
    page.get_by_role("button", name="Close", exact=True).click()
    expect(page.locator("h1")).to_have_text("Live")
    person.check_clean()


OWN_AGENT = """
import re

from palaestra.agents import Agent, AgentStep


class FirstButton(Agent):
    async def aact(self, obs):
        return AgentStep(action="click('%s')" % re.search(r"\\[(\\d+)\\] button", obs["axtree"]).group(1))
"""


def test_ones_own_agent_class_can_be_asked_by_its_import_path(
    person: Person, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The agent field offered only the registered agents (a <select>): a user's own class, the one
    being debugged, could not be asked from the page."""
    (tmp_path / "ui_own_agent.py").write_text(OWN_AGENT)
    monkeypatch.syspath_prepend(str(tmp_path))
    page = person.open("#/live")
    start(page, "miniwob.click-test", 4)
    offered = page.locator("#agent-choices option").evaluate_all("options => options.map(o => o.value)")
    assert "memory" in offered and "random" in offered
    page.get_by_label("agent", exact=True).fill("ui_own_agent:FirstButton")
    page.get_by_label("agent arguments").fill("")
    page.get_by_role("button", name="Propose (a)").click()
    expect(page.locator(".proposal")).to_contain_text("ui_own_agent:FirstButton proposes click(")
    page.keyboard.press("y")
    expect(page.locator(".verdict")).to_contain_text("✓ success")
    page.get_by_role("button", name="Close", exact=True).click()
    expect(page.locator("h1")).to_have_text("Live")


def test_many_tabs_do_not_leak_browsers(browser: Browser, ui: ServedUi) -> None:
    baseline = ui.browser_contexts()
    context = browser.new_context()
    tabs = [context.new_page() for _ in range(4)]
    for seed, tab in enumerate(tabs[:3]):
        tab.goto(ui.url + "#/live")
        start(tab, "miniwob.click-test", seed)
    assert len(ui.sessions) == 3
    typed = tabs[0].get_by_label("action")
    typed.fill("click('no-such-element')")
    typed.press("Enter")
    expect(tabs[0].locator(".verdict")).to_contain_text("no-such-element")  # the environment's error
    tabs[3].goto(ui.url + "#/live")
    tabs[3].get_by_label("task").fill("miniwob.click-test")
    tabs[3].get_by_role("button", name="Start").click()
    expect(tabs[3].locator("#message")).to_contain_text("maximum of 3 sessions")  # a fourth is refused
    assert len(ui.sessions) == 3 and ui.browser_contexts() >= baseline + 3
    for tab in tabs:
        tab.close(run_before_unload=True)
    deadline = time.monotonic() + 15
    while ui.sessions and time.monotonic() < deadline:
        time.sleep(0.2)
    assert ui.sessions == {}
    while ui.browser_contexts() > baseline and time.monotonic() < deadline:
        time.sleep(0.2)
    assert ui.browser_contexts() == baseline
    context.close()


def test_a_person_watches_a_session_another_client_drives(person: Person, ui: ServedUi) -> None:
    """An agent in another process drives a session over the session API; the Live page follows it."""
    import httpx

    with httpx.Client(base_url=ui.server.url, timeout=60) as agent:
        sid = agent.post("/sessions", json={"task": "miniwob.click-test", "seed": 5}).json()["id"]
        page = person.open("#/live")
        page.get_by_role("link", name="attach").click()
        expect(page.locator("h1")).to_contain_text("miniwob.click-test · seed 5")
        button = next(e for e in live_state(page, person.base)["elements"] if e["tag"] == "button")
        stepped = agent.post(f"/sessions/{sid}/step", json={"action": f"click('{button['id']}')"})
        assert stepped.status_code == 200, stepped.text
        steps = page.locator(".history tbody tr")
        expect(steps).to_have_count(1)
        expect(steps.first.locator("td").nth(1)).to_have_text("api")  # another client took it
        expect(steps.first.locator("td").nth(2)).to_have_text(f"click('{button['id']}')")
        expect(page.locator(".verdict")).to_contain_text("✓ success")
        person.shoot("13-live-watching-an-api-client")
        page.goto(person.base + "#/runs")  # leaving the page leaves the agent's session open
        assert sid in ui.sessions
        agent.delete(f"/sessions/{sid}")
    person.check_clean()
