"""The UI in a real browser, doing what a person does: pick a run, open a failed episode, step through
it, replay a prompt, compare runs; then start a live MiniWoB++ task, solve it by clicking on the
screenshot, save it as a demonstration, and watch the memory agent solve another seed from it."""

from __future__ import annotations

import json
import re

from playwright.sync_api import expect
from ui_support import MARKUP, PLAYGROUND_ANSWER, PLAYGROUND_WORD, Person, Runs

from palaestra.testing import ScriptedLLMServer


def test_a_failed_episode_step_by_step_and_its_prompt_replayed(
    person: Person, runs: Runs, llm: ScriptedLLMServer
) -> None:
    page = person.open()
    expect(page.locator("table.runs")).to_contain_text("with-model")
    person.shoot("01-runs")

    page.get_by_role("link", name=re.compile("with-model")).click()
    expect(page.locator("h1")).to_contain_text("with-model")
    expect(page.locator("section.record")).to_contain_text("synapse = synapse")
    page.locator("select[name=result]").select_option("step_limit")
    expect(page.locator("table.episodes tbody tr:visible")).to_have_count(2)  # synapse failed both seeds
    person.shoot("02-run-filtered")

    page.locator("table.episodes tbody tr:visible a.open").first.click()
    expect(page.locator("h1")).to_contain_text("synapse · miniwob.click-button · seed 0")
    expect(page.locator(".goal")).to_contain_text("Click on the")
    chips = page.locator(".timeline .chip")
    expect(chips).to_have_count(3)  # two steps and the final page
    expect(page.locator(".facts")).to_contain_text("Step 0")
    expect(page.locator(".facts code.action")).to_have_text(f"fill('999', '{MARKUP}')")
    expect(page.locator(".facts")).to_contain_text("999")  # the environment's error names the element
    expect(page.locator("pre.answer")).to_contain_text(MARKUP)  # shown as text, never as markup
    assert page.locator(".tab-panel b, .tab-panel img").count() == 0
    page.keyboard.press("7")  # the diff tab
    expect(page.locator(".tab-panel")).to_contain_text("nothing before it")
    person.shoot("03-episode-step-0")

    page.keyboard.press("j")
    expect(chips.nth(1)).to_have_class(re.compile("current"))
    expect(page).to_have_url(re.compile("step=1"))
    expect(page.locator(".tab-panel")).to_contain_text("last_action_error")  # what changed: the error
    page.keyboard.press("2")
    expect(page.locator(".tab-panel pre.tree")).to_contain_text("button")
    page.keyboard.press("ArrowRight")
    expect(page.locator("h2", has_text="Final page")).to_be_visible()
    page.keyboard.press("k")
    page.keyboard.press("1")
    person.shoot("04-episode-step-1")

    page.keyboard.press("p")
    expect(page.locator("h1")).to_contain_text("Prompt playground")
    editors = page.locator(".message-editor textarea")
    expect(editors).to_have_count(2)  # Synapse's system and user messages, as recorded
    expect(page.locator("input[name=model]")).to_have_value("scripted-model")
    last = editors.last
    last.fill(last.input_value() + f"\n{PLAYGROUND_WORD}: try the right button.")
    before = len(llm.chat_requests)
    page.get_by_role("button", name="Send to the model").click()
    expect(page.locator(".result pre.answer")).to_have_text(PLAYGROUND_ANSWER)
    expect(page.locator(".result ul.calls")).to_have_text("click('15')")
    expect(page.locator(".result")).to_contain_text("A different action from the run's")
    sent = llm.chat_requests[before:]
    assert len(sent) == 1 and PLAYGROUND_WORD in json.dumps(sent[0].messages)
    person.shoot("05-playground")
    person.check_clean()


def test_the_acted_element_is_boxed_and_two_runs_compare(person: Person, runs: Runs) -> None:
    page = person.open()
    for name in ("with-model", "baseline"):
        page.get_by_role("checkbox", name=re.compile(name)).check()
    page.get_by_role("button", name=re.compile("Compare")).click()
    table = page.locator("table")
    expect(table).to_contain_text("oracle")
    expect(table).to_contain_text("1.00 ± 0.00 (2/2)")
    expect(table).to_contain_text("≈")  # the oracle is the same in both: within noise
    person.shoot("06-compare")

    page.get_by_role("link", name=re.compile("baseline")).click()
    page.locator("select[name=agent]").select_option("oracle")
    page.locator("table.episodes tbody tr:visible a.open").first.click()
    acted = page.locator(".box.acted")
    expect(acted).to_have_count(1)
    clicked = page.locator(".facts code.action").inner_text()
    expect(acted).to_have_attribute(
        "title", re.compile(r"^\[" + re.escape(clicked.split("'")[1]) + r"\] button")
    )
    box = acted.bounding_box()
    assert box and box["width"] > 10 and box["height"] > 10
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(page.locator(".under-pointer")).to_contain_text("button")
    person.shoot("07-episode-acted-element")
    person.check_clean()
