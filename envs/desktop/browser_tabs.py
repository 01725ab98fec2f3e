"""The episode's browser's tabs, through its DevTools pipe (`devtools_pipe`): OSWorld's tab steps
(``chrome_open_tabs``, ``chrome_close_tabs``) and what the judge's tab getters read.

Every browser the session launches has a pipe of its own; the episode's browser is the newest one
that still answers. A launch while a browser of the same profile runs hands its window to that one
and exits (Chromium's single instance per profile), so its pipe ends at once and the one before
it answers. A browser the agent starts itself (from a terminal) has no pipe: nothing reaches its
DevTools, neither another user nor the judge (OSWorld's getters too reach only the browser its
setup started with a debugging port).

Imported beside `session` in the session process (not through Palaestra), as its siblings are.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from typing import Any, TypeVar

from devtools_pipe import BrowserGone, CommandFailed, DevToolsError, DevToolsPipe

#: How long the first command waits for a browser launched just before to read its pipe.
START_TIMEOUT = 15.0
#: How long a tab step waits for a page it opened to finish loading.
LOAD_TIMEOUT = 10.0
#: The addresses of Chromium's New Tab page (a task's ``chrome://newtab`` shows as the others).
NEW_TAB = ("chrome://newtab", "chrome://new-tab-page", "chrome://new-tab-page-third-party")
#: Asked of a tab a step opened, until its page has loaded.
LOADED = "[document.readyState, document.title, location.href]"
#: Asked of each tab for the judge: whether its window shows it, and whether it has the focus.
SHOWN = "[document.visibilityState === 'visible', document.hasFocus()]"
#: The most of a page's HTML read (characters): a reply longer than the pipe's `MAX_MESSAGE` would
#: end the pipe, and a page the agent made that large would leave the judge without the browser.
MAX_CONTENT = 2_000_000
#: Asked of each tab when the judge reads pages' HTML: its document as it is now, on a copy (the
#: page is not touched) whose fields carry what was typed or ticked into them, which the
#: document's own HTML does not say (OSWorld's ``input`` category reads those values); its first
#: `MAX_CONTENT` characters.
CONTENT = """(() => {
  const page = document.documentElement;
  if (!page) return '';
  const copy = page.cloneNode(true);
  const fields = 'input, textarea, select';
  const live = page.querySelectorAll(fields), copied = copy.querySelectorAll(fields);
  live.forEach((field, i) => {
    const twin = copied[i];
    if (!twin) return;
    if (field.tagName === 'SELECT') {
      Array.from(field.options).forEach((option, j) => twin.options[j] &&
        twin.options[j].toggleAttribute('selected', option.selected));
    } else if (field.type === 'checkbox' || field.type === 'radio') {
      twin.toggleAttribute('checked', field.checked);
    } else if (field.tagName === 'TEXTAREA') {
      twin.textContent = field.value;
    } else {
      twin.setAttribute('value', field.value);
    }
  });
  return ('<!DOCTYPE html>' + copy.outerHTML).slice(0, MAX_CONTENT);
})()""".replace("MAX_CONTENT", str(MAX_CONTENT))

T = TypeVar("T")


def newest(pipes: list[DevToolsPipe], use: Callable[[DevToolsPipe], T]) -> T | None:
    """``use`` of the newest browser that answers (see the module's docstring); None when none
    does. Pipes of browsers that quit are closed on the way."""
    for pipe in reversed(pipes):
        if pipe.closed:
            continue
        try:
            pipe.call("Target.getTargets", timeout=START_TIMEOUT)  # up, and not handed over
        except BrowserGone:
            continue
        except DevToolsError:
            return None
        return use(pipe)
    return None


def pages(pipe: DevToolsPipe) -> list[dict[str, Any]]:
    """The browser's tabs (``targetId``, ``title``, ``url``), in the order they were made."""
    targets = pipe.call("Target.getTargets").get("targetInfos", [])
    return [t for t in targets if isinstance(t, dict) and t.get("type") == "page"]


def open_tabs(pipe: DevToolsPipe, urls: list[str]) -> dict[str, Any]:
    """Open each URL in a new tab, in order, each loaded (or given up on) before the next, as
    OSWorld's ``chrome_open_tabs`` does; the last one opened is the active tab."""
    opened: list[str] = []
    title = ""
    for url in urls:
        # A step that fails is reported and the next one runs (a browser that quit meanwhile, a
        # URL the browser refuses): the episode goes on, as OSWorld's setup does.
        try:
            target = str(pipe.call("Target.createTarget", {"url": url}).get("targetId", ""))
            title = wait_loaded(pipe, target, url)
        except DevToolsError as exc:
            return {"error": f"could not open {url!r}: {exc}", "opened": opened, "title": title}
        opened.append(url)
    return {"opened": opened, "title": title}


def wait_loaded(pipe: DevToolsPipe, target: str, url: str) -> str:
    """The tab's title once its page has loaded, or "" after a deadline. Asked of the page itself:
    the tab's title in the target list is the file's name until the page's own title is parsed, and
    the tab shows an empty about:blank before its page's navigation commits."""
    session = str(pipe.call("Target.attachToTarget", {"targetId": target, "flatten": True}).get("sessionId"))
    asked = {"expression": LOADED, "returnByValue": True}
    try:
        deadline = time.monotonic() + LOAD_TIMEOUT
        while time.monotonic() < deadline:
            with contextlib.suppress(CommandFailed):  # its document replaced while it was asked
                state = pipe.call("Runtime.evaluate", asked, session=session).get("result", {}).get("value")
                if isinstance(state, list) and len(state) == 3:
                    ready, title, href = state
                    if ready == "complete" and (href != "about:blank" or url == "about:blank"):
                        return str(title)
            time.sleep(0.1)
        return ""
    finally:
        with contextlib.suppress(DevToolsError):
            pipe.call("Target.detachFromTarget", {"sessionId": session})


def close_tabs(pipe: DevToolsPipe, urls: list[str]) -> dict[str, Any]:
    """Close every tab showing one of ``urls`` (OSWorld's ``chrome_close_tabs``)."""
    wanted = {_plain(u) for u in urls}
    try:
        tabs = pages(pipe)
    except DevToolsError as exc:
        return {"error": f"could not list the browser's tabs: {exc}", "closed": []}
    closed = []
    for tab in tabs:
        if _plain(str(tab.get("url"))) in wanted:
            with contextlib.suppress(DevToolsError):
                pipe.call("Target.closeTarget", {"targetId": tab["targetId"]})
                closed.append(tab["url"])
    return {"closed": closed}


def _plain(url: str) -> str:
    url = url.rstrip("/")
    return NEW_TAB[0] if url in NEW_TAB else url


def tab_states(pipe: DevToolsPipe, content: bool = False) -> list[dict[str, Any]]:
    """Every tab's ``title`` and ``url``, and whether its window shows it (``visible``) and it has
    the keyboard focus (``focused``): what the judge's tab getters read; with ``content``, its
    page's HTML too (`CONTENT`; None when it could not be read). A tab that cannot be asked (it
    closed meanwhile, its page hangs) is neither visible nor focused."""
    states = []
    for tab in pages(pipe):
        visible = focused = False
        html: str | None = None
        with contextlib.suppress(DevToolsError):
            attached = pipe.call("Target.attachToTarget", {"targetId": tab["targetId"], "flatten": True})
            session = str(attached.get("sessionId", ""))
            try:
                asked = {"expression": SHOWN, "returnByValue": True}
                value = pipe.call("Runtime.evaluate", asked, session=session).get("result", {}).get("value")
                if isinstance(value, list) and len(value) == 2:
                    visible, focused = bool(value[0]), bool(value[1])
                if content:
                    asked = {"expression": CONTENT, "returnByValue": True}
                    page = pipe.call("Runtime.evaluate", asked, session=session).get("result", {})
                    html = page.get("value") if isinstance(page.get("value"), str) else None
            finally:
                pipe.call("Target.detachFromTarget", {"sessionId": session})
        title, url = str(tab.get("title", "")), str(tab.get("url", ""))
        state: dict[str, Any] = {"title": title, "url": url, "visible": visible, "focused": focused}
        if content:
            state["content"] = html
        states.append(state)
    return states
