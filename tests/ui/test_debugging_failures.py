"""Debugging a run's failures: a failed MiniWoB++ episode says why without being opened (its failed
actions, its loops), and its page does not pass off what the agent never saw as its input.

MiniWoB++'s evaluator gives no reason, so `palaestra show` listed such failures as bare
`step_limit` lines, and the UI's episode list showed only "✗ step limit": a researcher opened every
episode to find the model writing an action on a missing element, or scrolling forever. Now both
say it in a line, the UI filters episodes by that kind, and links open the episode at the step
where it starts. The episode page showed a MiniWoB++ page's `file://` address, which names the
task, under "the page the agent acted on" with no word that agents are shown "(a local page)".
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, expect
from ui_support import ServedUi, person_at

from palaestra.cli import main
from palaestra.server import ServerConfig
from palaestra.testing import ScriptedLLMServer, ScriptRequest, context_length_exceeded, reply_text
from palaestra.testing.script import Answer
from palaestra.ui import UiRoots
from palaestra.ui.links import episode_link

#: Per goal, the actions the scripted model answers in turn: a fine first step, then the failure.
ANSWERS = {
    "Click the button": ["scroll(0, 100)", "click('999')", "click('999')", "click('999')"],
    "into the text field": ["noop()", "scroll(0, 100)", "scroll(0, 100)", "scroll(0, 100)"],
}
#: A goal whose prompt the model refuses as too long: the episode errors before its first action.
TOO_LONG = "and click Submit"
BAD_CLICK, LOOP = "generic|miniwob.click-test|0", "generic|miniwob.enter-text|0"
REFUSED = "generic|miniwob.click-option|0"


class TwoFailures:
    """Answers each goal's actions in order (the goal is in every prompt the generic agent sends)."""

    def __init__(self) -> None:
        self.calls: dict[str, int] = defaultdict(int)

    def __call__(self, request: ScriptRequest) -> Answer:
        text = "\n".join(str(m.get("content")) for m in request.messages)
        if TOO_LONG in text:
            return context_length_exceeded(100, 5000)
        goal = next(g for g in ANSWERS if g in text)
        action = ANSWERS[goal][min(self.calls[goal], len(ANSWERS[goal]) - 1)]
        self.calls[goal] += 1
        return reply_text(f"```\n{action}\n```")


@pytest.fixture(scope="module")
def failing_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    run = tmp_path_factory.mktemp("signs") / "run"
    with ScriptedLLMServer(TwoFailures()) as llm:
        assert main(["eval", "--agent", "generic", "--agent-arg", "model=scripted-model",
                     "--agent-arg", f"base_url={llm.base_url}",
                     "--tasks", "click-test,enter-text,click-option", "--seeds", "0",
                     "--workers", "1", "--max-steps", "4", "--episode-timeout", "90",
                     "--out", str(run)]) == 0  # fmt: skip
    yield run


def test_show_says_why_a_failure_failed_and_links_the_step_where_it_starts(
    failing_run: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["show", str(failing_run)]) == 0
    shown = capsys.readouterr().out.split("Failed and errored episodes")[1]
    lines = shown.splitlines()
    bad_click = lines.index(next(line for line in lines if BAD_CLICK.split("|")[1] in line))
    assert lines[bad_click].endswith(episode_link(failing_run, BAD_CLICK, 1))
    assert re.match(
        r"\s+3 of 4 actions failed, first at step 1: .*999.*; the same action 3 times from step 1: "
        r"click\('999'\)",
        lines[bad_click + 1],
    ), lines[bad_click + 1]
    loop = lines.index(next(line for line in lines if LOOP.split("|")[1] in line))
    assert lines[loop].endswith(episode_link(failing_run, LOOP, 1))
    assert lines[loop + 1].strip() == "the same action 3 times from step 1: scroll(0, 100)"


def test_the_ui_lists_why_filters_by_failure_kind_and_opens_where_it_went_wrong(
    failing_run: Path, browser: Browser, tmp_path: Path
) -> None:
    roots = UiRoots.of([failing_run.parent], [])
    with ServedUi(roots, ServerConfig(max_sessions=1)) as ui, person_at(browser, ui.url, tmp_path) as person:
        page = person.open(f"#/run?run={failing_run}")
        rows = page.locator("table.episodes tbody tr")
        expect(rows).to_have_count(3)
        expect(rows.filter(has_text="click-test").locator(".why")).to_contain_text(
            "3 of 4 actions failed, first at step 1"
        )
        page.locator("select[name=why]").select_option("repeated action")
        expect(rows.locator("visible=true")).to_have_count(1)
        shown = rows.locator("visible=true")
        expect(shown.locator(".why")).to_have_text("the same action 3 times from step 1: scroll(0, 100)")
        shown.get_by_role("link", name="open at step 1").click()
        expect(page.locator("h1")).to_contain_text("miniwob.enter-text · seed 0")
        expect(page.locator(".timeline .chip.current")).to_have_text("1")
        person.check_clean()


def test_the_episode_page_says_what_the_agent_was_not_shown(
    failing_run: Path, browser: Browser, tmp_path: Path
) -> None:
    roots = UiRoots.of([failing_run.parent], [])
    with ServedUi(roots, ServerConfig(max_sessions=1)) as ui, person_at(browser, ui.url, tmp_path) as person:
        page = person.open("#" + episode_link(failing_run, LOOP, 1).split("#", 1)[1])
        address = page.locator("p.url")
        expect(address).to_contain_text("miniwob/enter-text.html")
        expect(address.locator(".hidden-from-agent")).to_contain_text("agents are shown “(a local page)”")
        prompt = page.locator(".message")
        expect(prompt.first).to_be_visible()
        assert "enter-text.html" not in " ".join(
            prompt.all_inner_texts()
        )  # the model's input did not name it
        page.get_by_role("tab", name="8 Text").click()
        expect(page.locator(".tab-panel")).to_contain_text("what the model was sent is under Prompt & answer")

        page = person.open("#" + episode_link(failing_run, REFUSED).split("#", 1)[1])
        expect(
            page.get_by_text("The page at reset: the episode ended before its first action.")
        ).to_be_visible()
        person.check_clean()


def test_a_failed_episode_replays_live_to_a_step_and_a_person_takes_over(
    failing_run: Path, browser: Browser, tmp_path: Path
) -> None:
    """From the looping episode's step 2, "Replay live" opens its task on its seed with its first two
    actions taken again (the page the agent acted on at step 2); the person then solves it by hand."""
    roots = UiRoots.of([failing_run.parent], [])
    with ServedUi(roots, ServerConfig(max_sessions=1)) as ui, person_at(browser, ui.url, tmp_path) as person:
        page = person.open("#" + episode_link(failing_run, LOOP, 2).split("#", 1)[1])
        page.get_by_role("button", name="Replay live up to step 2").click()
        expect(page.locator("h1")).to_have_text("miniwob.enter-text · seed 0")
        note = page.locator("section.replay")
        expect(note).to_contain_text(f"Replayed 2 of 2 recorded actions of {LOOP}")
        expect(note).to_contain_text("Every replayed action ended as recorded.")
        expect(note.locator(".settings")).to_have_text(  # the run's --max-steps 4: two steps left
            "Replayed with the task's own action set, as the run; the live episode ends at step 4 as the "
            "run's did (--max-steps 4)."
        )
        history = page.locator(".history tbody tr")
        expect(history).to_have_count(2)
        assert [history.nth(i).locator("td").nth(1).inner_text() for i in range(2)] == ["replay", "replay"]
        assert history.nth(1).locator("code").inner_text() == "scroll(0, 100)"
        page.locator("input[name=action]").fill("fill('17', 'Agustina')")
        page.locator("input[name=action]").press("Enter")
        expect(history).to_have_count(3)
        page.locator("input[name=action]").fill("click('18')")
        page.locator("input[name=action]").press("Enter")
        expect(page.locator(".verdict")).to_contain_text("✓ success")
        person.check_clean()


def test_a_replay_names_the_first_step_that_did_not_end_as_recorded(
    failing_run: Path, tmp_path: Path
) -> None:
    """The run as recorded elsewhere: step 2 of the bad-click episode recorded no error there, which
    the replay here does not repeat; the replay says so, and refuses a step the episode never had."""
    copy = tmp_path / "runs" / "copied"
    shutil.copytree(failing_run, copy)
    with sqlite3.connect(copy / "results.sqlite") as db:
        db.execute("UPDATE steps SET error = '' WHERE episode = ? AND idx = 2", (BAD_CLICK,))
    roots = UiRoots.of([tmp_path / "runs"], [])
    with (
        ServedUi(roots, ServerConfig(max_sessions=1)) as ui,
        httpx.Client(base_url=ui.url, timeout=120) as http,
    ):
        replayed = http.post("api/live", json={"replay": {"run": str(copy), "key": BAD_CLICK}})
        assert replayed.status_code == 200, replayed.text
        replay = replayed.json()["replay"]
        assert replay["asked"] == 4 and len(replay["steps"]) == 4 and replay["first_difference"] == 2
        assert replay["steps"][2]["recorded_error"] == "" and "999" in replay["steps"][2]["error"]
        http.post(f"api/live/{replayed.json()['id']}/close", json={})
        beyond = http.post("api/live", json={"replay": {"run": str(copy), "key": BAD_CLICK, "steps": 9}})
        assert beyond.status_code == 400 and "between 0 and 4" in beyond.json()["error"]
        outside = http.post("api/live", json={"replay": {"run": str(failing_run), "key": BAD_CLICK}})
        assert outside.status_code == 403


def test_the_run_page_does_not_blame_the_infrastructure_for_a_prompt_too_long(
    failing_run: Path, browser: Browser, tmp_path: Path
) -> None:
    """The run page said every error was "the infrastructure's fault", beside a `context_length`
    error classed permanent: the agent's prompt, which no resume fixes."""
    roots = UiRoots.of([failing_run.parent], [])
    with ServedUi(roots, ServerConfig(max_sessions=1)) as ui, person_at(browser, ui.url, tmp_path) as person:
        page = person.open(f"#/run?run={failing_run}")
        expect(page.locator("table", has_text="errored attempts").locator("tbody tr td").nth(1)).to_have_text(
            "permanent"
        )
        said = page.locator("#error-classes")
        expect(said).to_contain_text("a prompt longer than the model's window")
        expect(said).to_contain_text("--rerun-errors")
        assert "infrastructure's fault" not in page.locator("main").inner_text()
        person.check_clean()


def test_a_prompt_too_long_is_kept_with_what_filled_the_window(
    failing_run: Path, browser: Browser, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A `context_length` episode ended before its step was recorded, so neither `show --prompts`
    nor its page showed what the model refused: now its size per message and the messages are kept."""
    with sqlite3.connect(failing_run / "results.sqlite") as db:
        (extra,) = db.execute("SELECT extra FROM episodes WHERE key = ?", (REFUSED,)).fetchone()
    sizes = json.loads(extra)["refused_prompt"]
    assert [p["role"] for p in sizes["parts"]] == ["system", "user"]
    assert sizes["chars"] == sum(p["chars"] for p in sizes["parts"]) > 0
    assert sizes["tokens_est"] == -(-sizes["chars"] // 4)

    assert main(["show", str(failing_run), "--prompts", "click-option:0"]) == 0
    out = capsys.readouterr().out
    said = re.search(
        r"^step 0: the model refused this prompt as longer than its window \(context_length\): (.*)$",
        out,
        re.M,
    )
    assert said, out
    system, user = sizes["parts"]
    assert said.group(1) == (
        f"2 messages, {sizes['chars']} characters (~{sizes['tokens_est']} tokens): "
        f"system {system['chars']} (~{system['tokens_est']}), user {user['chars']} (~{user['tokens_est']})"
    )
    sent_user = out.split("--- user\n", 1)[1]
    assert TOO_LONG in sent_user and len(sent_user.rstrip("\n")) == user["chars"]
    assert main(["show", str(failing_run), "--prompts", "click-option:0", "--step", "0"]) == 0
    assert "the model refused this prompt" in capsys.readouterr().out

    roots = UiRoots.of([failing_run.parent], [])
    with ServedUi(roots, ServerConfig(max_sessions=1)) as ui, person_at(browser, ui.url, tmp_path) as person:
        page = person.open("#" + episode_link(failing_run, REFUSED).split("#", 1)[1])
        section = page.locator("section.refused-prompt")
        expect(section.get_by_role("heading")).to_have_text("The prompt the model refused")
        expect(section.locator("tbody tr")).to_have_count(2)
        expect(section.locator("tbody tr").nth(1).locator("td").nth(2)).to_have_text(f"{user['chars']:,}")
        section.get_by_text("What was sent").click()
        expect(section.locator(".message.role-user pre")).to_contain_text(TOO_LONG)
        person.check_clean()
