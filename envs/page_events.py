"""What a page does outside its DOM that the agent must hear about: dialogs, new tabs, downloads.

Without a listener, Playwright dismisses every ``alert``, ``confirm``, ``prompt`` and
``beforeunload`` dialog, silently: a ``confirm("Delete this item?")`` after the agent's click on
"Delete" answered Cancel, so the item stayed, and the agent never learnt that a dialog was there.
``PageEvents`` answers them as a user who meant the click would (OK; a prompt's default text;
leave the page) and tells the agent what the dialog said and how it was answered.

A link with ``target=_blank`` or a ``window.open`` opens a tab that a browser shows at once; before,
the agent stayed on the old tab, and only the tab list said there was another. A tab that the
active page opens now becomes the active one at the step's settling (not in the middle of the
step's actions, whose ids are the old page's), and when the active tab closes itself (a sign-in
popup's ``window.close()``), the tab that opened it becomes active again, instead of the step
failing as if the browser had crashed.

A download gave no sign at all; its file name is now said.

A page whose main document answered an HTTP error (a 404 after a mistyped ``goto``, a 500 or 502
from a site that broke) showed only its body, which may be a blank page or a styled one that looks
like any other: the agent could not tell it had not reached the page it meant. Its status is now
said. Redirects and successful answers say nothing; neither do errors of a frame's document, an
image or a ``fetch`` (the page's own scripts handle those, and the agent sees what they show).

What is said goes to the next observation's ``last_action_error``, after the action's own error,
as the other notes about the page do: it is the one text field every agent already reads.
"""

from __future__ import annotations

import asyncio
import contextlib
from http import HTTPStatus

from playwright.async_api import BrowserContext, CDPSession, Dialog, Download, Page, Response
from playwright.async_api import Error as PlaywrightError

from palaestra.envs.actions.executor import ActionState

#: At most this long a step waits for a tab the browser has opened to be announced by Playwright.
NEW_TAB_WAIT_S = 5.0
#: Dialog messages longer than this are cut in the note (a page may put a whole text in an alert).
MESSAGE_CHARS = 300


class PageEvents:
    """Answers the episode's dialogs, follows the tabs its pages open and close, notes downloads."""

    def __init__(self, context: BrowserContext, state: ActionState) -> None:
        self._state = state
        self._notes: list[str] = []
        #: Tabs opened by a page, with the page that opened them, not yet shown to the agent.
        self._opened: list[tuple[Page, Page]] = []
        self._openers: dict[Page, Page] = {}
        #: Downloads the episode's pages started, in order (an evaluator may read their files).
        self.downloads: list[Download] = []
        self._answers: set[asyncio.Future[None]] = set()
        self._context_id: str | None = None
        self._tab_actions = state.tab_actions
        self._page_seen = asyncio.Event()
        context.on("dialog", self._dialog)
        context.on("response", self._answered)
        context.on("page", self._watch)
        for page in context.pages:
            self._watch(page)

    def _watch(self, page: Page) -> None:
        self._page_seen.set()
        page.on("popup", lambda popup: self._popup(page, popup))
        page.on("close", self._closed)
        page.on("download", self._download)

    def _popup(self, opener: Page, popup: Page) -> None:
        self._openers[popup] = opener
        self._opened.append((opener, popup))

    def _closed(self, page: Page) -> None:
        """The active tab closed itself: the one that opened it (else the last one) is active now."""
        state = self._state
        if page is not state.page:
            return
        pages = [p for p in state.context.pages if not p.is_closed() and p is not page]
        if not pages:
            return
        opener = self._openers.get(page)
        state.page = opener if opener is not None and not opener.is_closed() else pages[-1]
        self._notes.append(
            f"The tab showing {page.url} closed itself; the tab showing {state.page.url} is active."
        )

    def _download(self, download: Download) -> None:
        self.downloads.append(download)
        self._notes.append(f"The page downloaded a file: {download.suggested_filename!r}.")

    def _answered(self, response: Response) -> None:
        """A tab's main document answered an HTTP error: say its status and address."""
        if response.status < 400 or not response.request.is_navigation_request():
            return
        with contextlib.suppress(PlaywrightError):  # a new tab's first document has no frame yet
            if response.request.frame.parent_frame is not None:
                return  # a frame's document: the page around it shows what it shows
        self._notes.append(f"The page answered HTTP {http_status(response)}: {response.url}")

    def _dialog(self, dialog: Dialog) -> None:
        answer = asyncio.ensure_future(self._answer(dialog))
        self._answers.add(answer)
        answer.add_done_callback(self._answers.discard)

    async def _answer(self, dialog: Dialog) -> None:
        message = dialog.message
        if len(message) > MESSAGE_CHARS:
            message = message[:MESSAGE_CHARS] + "…"
        kind = dialog.type
        if kind == "prompt":
            answered = f"answered with its default text {dialog.default_value!r} and OK"
        elif kind == "beforeunload":
            answered = "answered Leave"
        else:
            answered = "answered OK" if kind == "confirm" else "closed with OK"
        article = "an" if kind[0] in "aeiou" else "a"
        self._notes.append(f"The page showed {article} {kind} dialog: {message!r}; it was {answered}.")
        with contextlib.suppress(PlaywrightError):  # the page may have gone meanwhile
            await dialog.accept(dialog.default_value if kind == "prompt" else None)

    async def await_new_tabs(self, cdp: CDPSession) -> None:
        """Wait until Playwright has announced every tab the browser has opened in the context.

        A click on a ``target=_blank`` link returns before Playwright announces the tab (it sets the
        tab up first): the step would settle and observe the old tab alone, and the new one would
        turn up a step later. The browser's own list of tabs (one round trip) says whether one is
        still to come; then its announcement is waited for, at most ``NEW_TAB_WAIT_S``.
        """
        with contextlib.suppress(PlaywrightError):
            if self._context_id is None:
                own = await cdp.send("Target.getTargetInfo")
                self._context_id = str(own["targetInfo"]["browserContextId"])
            targets = (await cdp.send("Target.getTargets"))["targetInfos"]
            tabs = sum(1 for t in targets if self._is_tab(t))
            deadline = asyncio.get_running_loop().time() + NEW_TAB_WAIT_S
            while len(self._state.context.pages) < tabs:
                self._page_seen.clear()
                left = deadline - asyncio.get_running_loop().time()
                if left <= 0:
                    return
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._page_seen.wait(), left)

    def _is_tab(self, target: dict[str, object]) -> bool:
        """A tab of this context; a page a site prerenders (speculation rules) is none until shown."""
        return (
            target.get("type") == "page"
            and target.get("browserContextId") == self._context_id
            and not target.get("subtype")
        )

    def agent_chose_tab(self) -> bool:
        """Whether the agent ran a tab action since the last call: then the tabs the page opened
        meanwhile stay in the background (the agent's choice holds)."""
        chose, self._tab_actions = self._state.tab_actions != self._tab_actions, self._state.tab_actions
        if chose:
            self._opened.clear()
        return chose

    def show_opened_tab(self) -> bool:
        """Make the last tab the active page opened the active one; whether it did. Called when the
        step's actions are over, so that they all ran on the page whose ids the agent read."""
        state = self._state
        opened = [popup for opener, popup in self._opened if opener is state.page and not popup.is_closed()]
        self._opened.clear()
        if not opened:
            return False
        state.page = opened[-1]
        self._notes.append("The page opened a new tab; it is the active one now (see the tab list).")
        return True

    def take_notes(self) -> str:
        """What happened since the last observation, one line each (empty when nothing did)."""
        notes, self._notes = self._notes, []
        return "\n".join(notes)


def http_status(response: Response) -> str:
    """``404 Not Found``: the server's own reason phrase, else the standard one (HTTP/2 has none)."""
    reason = response.status_text
    if not reason:
        with contextlib.suppress(ValueError):
            reason = HTTPStatus(response.status).phrase
    return f"{response.status} {reason}".strip()
