"""The state abstraction: what it keeps, what it drops, on built pages and on real MiniWoB++ ones."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from palaestra.agents.abstraction import AbstractionConfig, abstract_state
from palaestra.agents.page_text import stem
from palaestra.envs import BrowserEnv
from palaestra.tasks.miniwob.oracles import ORACLES


class PageBuilder:
    """Builds an observation's ``elements`` list the way the environment does: page order, parents
    first, each element's ``text`` holding its descendants' text."""

    def __init__(self, goal: str) -> None:
        self.goal = goal
        self.elements: list[dict[str, Any]] = []
        self.root = self.add("body", "")

    def add(self, tag: str, parent: str, text: str = "", **fields: Any) -> str:
        element_id = str(len(self.elements) + 10)
        attributes = fields.pop("attributes", {})
        clickable = fields.pop("clickable", tag in ("a", "button", "input", "label"))
        el = {
            "id": element_id, "tag": tag, "role": "", "name": "", "value": "", "text": text,
            "bbox": [0, 0, 40, 20], "visible": True, "in_viewport": True, "clickable": clickable,
            "editable": False, "checked": None, "selected": None, "focused": False,
            "attributes": attributes, "parent": parent,
        }  # fmt: skip
        el.update(fields)
        self.elements.append(el)
        node = parent
        while node:  # ancestors carry their descendants' text, as innerText does
            up = next(e for e in self.elements if e["id"] == node)
            up["text"] = " ".join(t for t in (up["text"], text) if t)
            node = up["parent"]
        return element_id

    def obs(self, title: str = "") -> dict[str, Any]:
        axtree = f"RootWebArea {title!r} focused\n  link 'Home'" if title else ""
        return {"goal": self.goal, "elements": self.elements, "axtree": axtree}


def test_a_calendar_keeps_the_named_day_and_its_lone_controls() -> None:
    page = PageBuilder("Select 12/06/2016 as the date and hit submit.")
    page.add("div", page.root, "Select 12/06/2016 as the date and hit submit.")
    field = page.add("input", page.root, role="textbox", editable=True, attributes={"id": "datepicker"})
    prev = page.add("a", page.root, "Prev", role="link")
    days = {}
    for day in range(1, 31):
        cell = page.add("td", page.root)
        days[day] = page.add("a", cell, str(day), role="link", attributes={"class": "ui-state-default"})
    submit = page.add("button", page.root, "Submit", role="button")
    state = abstract_state(page.obs())
    assert {field, prev, days[6], submit} <= set(state.ids)
    assert not {days[7], days[16], days[26]} & set(state.ids)
    assert "Select 12/06" not in state.text  # the page's copy of the goal


def test_a_collection_the_goal_does_not_tell_apart_stays_whole_on_one_line() -> None:
    page = PageBuilder("Click on the grey colored box.")
    page.add("div", page.root, "Click on the colored box.")  # the colour is a swatch, not a word
    boxes = [page.add("div", page.root, clickable=True, attributes={"class": "color"}) for _ in range(6)]
    state = abstract_state(page.obs())
    assert set(boxes) <= set(state.ids)
    assert state.text == f"[{','.join(boxes)}] div .color"


def test_rows_the_goal_names_keep_their_controls_and_others_do_not() -> None:
    page = PageBuilder('For the user @leo, click on the "Mute" button.')
    more: dict[str, str] = {}
    for user in ("ann", "leo", "kim", "joe", "sue"):
        post = page.add("div", page.root, attributes={"class": "post"})
        page.add("span", post, f"@{user}")
        page.add("span", post, f"A post by {user}.")
        for icon in ("reply", "like", "more"):
            found = page.add("img", post, clickable=True, attributes={"class": icon})
            if icon == "more":
                more[user] = found
    state = abstract_state(page.obs())
    assert more["leo"] in state.ids
    assert not {more[u] for u in ("ann", "kim", "joe", "sue")} & set(state.ids)
    assert "@leo" in state.text


def test_goal_words_match_plurals_and_inflections() -> None:
    """A forge's menu of plain links: the goal says "ticket", the link says "Tickets"."""
    page = PageBuilder('What is the status of the ticket "Unicode titles break merging" in Django Wiki?')
    menu = page.add("div", page.root, attributes={"class": "mainmenu"})
    names = ("Home", "Files", "Branches", "Tickets", "Logout")
    links = {name: page.add("a", menu, name, role="link") for name in names}
    state = abstract_state(page.obs())
    assert links["Tickets"] in state.ids
    assert not {links["Files"], links["Branches"]} & set(state.ids)


def test_stems_meet_across_plural_and_inflection_but_leave_short_words_and_numbers() -> None:
    pairs = [
        ("tickets", "ticket"),
        ("branches", "branch"),
        ("categories", "category"),
        ("merged", "merge"),
        ("merging", "merge"),
        ("stopped", "stop"),
        ("filled", "fill"),
        ("reported", "report"),
    ]
    assert all(stem(a) == stem(b) for a, b in pairs)
    assert [stem(w) for w in ("status", "class", "red", "bus", "speed", "42")] == [
        "status",
        "class",
        "red",
        "bus",
        "speed",
        "42",
    ]
    assert stem("ticket") != stem("tick")


def test_words_of_the_page_title_do_not_single_out_an_item() -> None:
    """Fossil's header: the project's name and the user's link in one block, which would be that
    link's whole item. The goal names the project, as the title does; that must not make the
    account link the one item the goal points at and drop "All Tickets"."""
    page = PageBuilder('How many tickets of Oscar Shop have the status "Fixed"?')
    header = page.add("div", page.root, attributes={"class": "header"})
    page.add("h1", header, "Oscar Shop")
    page.add("div", header, "Ticket Main Menu")
    user = page.add("a", header, "axel.dubois", role="link")
    menu = page.add("div", page.root)
    links = [page.add("a", menu, name, role="link") for name in ("Home", "Timeline", "Wiki")]
    body = page.add("div", page.root, attributes={"class": "content"})
    everything = page.add("a", body, "All Tickets", role="link")
    new = page.add("a", body, "New ticket", role="link")
    state = abstract_state(page.obs(title="Oscar Shop: Ticket Main Menu"))
    assert {everything, new, user, *links} <= set(state.ids)


def test_a_control_inside_one_with_the_same_text_stands_for_it() -> None:
    page = PageBuilder("Click on Tab #2.")
    tabs, links = [], []
    for n in (1, 2, 3):
        tab = page.add("li", page.root, role="tab", clickable=True)
        tabs.append(tab)
        links.append(page.add("a", tab, f"Tab #{n}", role="link"))
    state = abstract_state(page.obs())
    assert links[1] in state.ids and tabs[1] not in state.ids
    assert state.represents(tabs[1]) and state.represents(links[1])
    assert not state.represents("999")


def test_a_menu_that_only_wraps_its_items_is_left_out() -> None:
    page = PageBuilder('Click on the "Block" item.')
    menu = page.add("span", page.root, clickable=True)
    names = ("Share", "Mute", "Block")
    items = [page.add("li", menu, name, role="menuitem", clickable=True) for name in names]
    state = abstract_state(page.obs())
    assert menu not in state.ids and items[2] in state.ids


def test_text_lines_need_a_particular_of_the_goal_and_must_not_repeat_a_field() -> None:
    page = PageBuilder("Find the email by Cathrine and reply to it.")
    page.add("h1", page.root, "Find your email fast")  # instruction words only
    page.add("div", page.root, "Cathrine")
    field = page.add("input", page.root, role="textbox", editable=True, value="Lyle")
    page.add("div", page.root, "Lyle")  # repeats the field's value
    state = abstract_state(page.obs())
    assert "Cathrine" in state.text and field in state.ids
    assert "Find your email" not in state.text
    assert state.text.count("Lyle") == 1


def test_the_token_cap_holds() -> None:
    page = PageBuilder("Click the button.")
    for n in range(40):
        page.add("button", page.root, f"Button number {n}", role="button")
    state = abstract_state(page.obs(), AbstractionConfig(max_tokens=50))
    assert 0 < state.tokens <= 50 and len(state.ids) < 40


def test_a_full_cap_drops_collection_members_before_lone_controls() -> None:
    """A shop's home page: a search field and an account link among dozens of category links and
    product cards, more than the cap holds; none of them says anything the goal says."""
    page = PageBuilder("What is the status of my order 100473?")
    categories = [page.add("a", page.root, f"Category {n}", role="link") for n in range(40)]
    search = page.add("input", page.root, role="textbox", name="Search", editable=True)
    account = page.add("a", page.root, "Account", role="link", attributes={"id": "account"})
    state = abstract_state(page.obs(), AbstractionConfig(max_tokens=60))
    assert {search, account} <= set(state.ids)
    assert 0 < len(set(categories) & set(state.ids)) < 40


def test_on_real_pages_the_oracles_targets_survive_in_a_fraction_of_the_tree(
    make_env: Callable[..., BrowserEnv],
) -> None:
    """Real Chromium: across a few tasks' oracle steps, every target is kept, and the states are
    far smaller than the AXTree (word counts stand in for tokens here)."""
    tree_words = state_words = 0
    for task in ("social-media", "navigate-tree", "choose-date-easy", "email-inbox"):
        env = make_env(f"miniwob.{task}")
        obs, _ = env.reset(seed=3)
        policy = ORACLES[task](obs)
        action = next(policy)
        for _ in range(20):
            state = abstract_state(obs)
            for target in {part.split("'")[1] for part in action.split("(")[1:] if "'" in part}:
                if target.isdigit():
                    assert state.represents(target), (task, action, state.text)
            tree_words += len(obs["axtree"].split())
            state_words += len(state.text.split())
            obs, _, terminated, truncated, _ = env.step(action)
            if terminated or truncated:
                break
            try:
                action = policy.send(obs)
            except StopIteration:
                break
    assert state_words < 0.35 * tree_words
