"""Hostile action strings never raise: the parser turns each into ``ActionError``, the environment
into ``last_action_error``, and the episode goes on.

The parser part is a fuzz test (thousands of generated strings, no browser); a small set of the
worst strings also goes through a real ``env.step`` on Chromium.
"""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from palaestra.envs import BrowserEnv
from palaestra.envs.actions import WEB_ACTIONS
from palaestra.envs.actions.types import Action
from palaestra.errors import ActionError
from palaestra.tasks.page import PageTask

#: Every action plus call_api and search_apis, so JSON arguments are fuzzed too.
ACTIONS = WEB_ACTIONS.with_tools()
NAMES = sorted(ACTIONS.actions)

HOSTILE = [
    "fill('1', '\ud800')",  # a lone surrogate in text
    "cl\udcffick('1')",  # ... and in a name
    "click(" + "-" * 9000 + "1)",  # a long chain of unary minus
    "click(" + "+".join(["1"] * 4000) + ")",  # a long operator chain
    "+".join(["1"] * 4900),  # ... as a statement (ast.unparse recursed on it)
    "click(" + "(" * 3000 + "1" + ")" * 3000 + ")",
    "click(" + "not " * 2400 + "1)",
    "click(" + "lambda:" * 1400 + "1)",
    "a" + ".b" * 4900,
    "call_api('x', '" + "[" * 4900 + "]" * 4900 + "')",  # json.loads recursed on it
    "call_api('x', " + "{'a': " * 60 + "1" + "}" * 60 + ")",
    "click('1')\x00",
    "noop(0)\n" * 1200,  # more calls than a step runs
    "x" * 100_001,  # longer than any action
    "mouse_click(1e308, -1e308)",
    "mouse_click(" + "9" * 400 + ", 1)",
    "mouse_click(float('nan'), 1)",
    "scroll(0, 1e300)",
    "noop(60000)",
    "tab_focus(" + "9" * 4000 + ")",
]


def _parses_or_refuses(text: str) -> None:
    try:
        parsed = ACTIONS.parse(text)
    except ActionError as exc:
        assert str(exc)
        assert len(str(exc)) < 2_000  # messages quote a shortened action, never all of it
    else:
        assert all(isinstance(a, Action) for a in parsed)


def test_hostile_strings_are_refused_with_action_errors() -> None:
    for text in HOSTILE:
        _parses_or_refuses(text)


FUZZ = settings(
    max_examples=1000,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
#: Any code point, surrogates and control characters included.
ANY_CHARACTER = st.characters(codec=None, categories=None)


@FUZZ
@given(st.text(ANY_CHARACTER, max_size=400))
def test_fuzz_any_text(text: str) -> None:
    _parses_or_refuses(text)


#: Pieces that nest, chain or break Python's parser, repeated many times.
PIECES = ["(", ")", "[", "]", "{", "}", "-", "+", "not ", "lambda:", "'", '"', "\\", ",", ":", "=",
          "1", "1e308", "'a'", "\n", ";", "*", "**", "f'{", "}'", "\ud800", "\x00", "#", "```"]  # fmt: skip


@st.composite
def action_like(draw: st.DrawFn) -> str:
    """A call of a real action whose arguments are made of hostile pieces, some repeated thousands
    of times."""
    name = draw(st.sampled_from(NAMES))
    parts = draw(
        st.lists(
            st.tuples(st.sampled_from(PIECES), st.integers(1, 3000) | st.integers(1, 3)),
            max_size=6,
        )
    )
    args = "".join(piece * count for piece, count in parts)
    return f"{name}({args})" if draw(st.booleans()) else f"{name}('1', {args})"


@FUZZ
@given(action_like())
def test_fuzz_hostile_calls(text: str) -> None:
    _parses_or_refuses(text)


@settings(FUZZ, max_examples=400)
@given(st.lists(action_like(), min_size=1, max_size=4).map("\n".join))
def test_fuzz_several_hostile_calls(text: str) -> None:
    _parses_or_refuses(text)


def test_hostile_strings_through_a_real_step(make_env: Callable[..., BrowserEnv]) -> None:
    page = "data:text/html,<title>t</title><input id=box><button onclick=\"box.value='ok'\">Go</button>"
    env = make_env(PageTask(page, "Press Go.", "document.getElementById('box').value == 'ok'"))
    obs, _ = env.reset(seed=0)
    go = next(e["id"] for e in obs["elements"] if e["tag"] == "button")
    for text in HOSTILE:
        obs, reward, terminated, truncated, info = env.step(text)
        assert obs["last_action_error"], text[:80]
        assert (reward, terminated, truncated, info["error"]) == (0.0, False, False, {}), text[:80]
    # The episode goes on: a good action still works.
    obs, reward, terminated, *_ = env.step(f"click('{go}')")
    assert obs["last_action_error"] == "" and terminated and reward == 1.0


def test_new_tabs_stop_at_the_tab_limit(make_env: Callable[..., BrowserEnv]) -> None:
    """``new_tab()`` fifty times a step opened fifty renderers a step, without end."""
    env = make_env(PageTask("data:text/html,<title>t</title><p>page", "Open tabs."))
    env.reset(seed=0)
    limit = env.action_limits.max_tabs
    obs, *_ = env.step("new_tab()\n" * 40)
    assert f"the most an episode may have ({limit}); close one with tab_close()" in obs["last_action_error"]
    assert len(obs["open_pages"]) == limit
    obs, *_ = env.step("new_tab()")
    assert len(obs["open_pages"]) == limit and "tab_close()" in obs["last_action_error"]
    obs, *_ = env.step("tab_close()\nnew_tab()")  # a tab closed makes room for another
    assert obs["last_action_error"] == "" and len(obs["open_pages"]) == limit
