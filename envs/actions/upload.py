"""``upload_file``: files from the environment's upload directory into a page's file input.

The agent names files; the environment says where they come from (``BrowserEnv(upload_dir=...)``).
A name is a path relative to that directory. One that leads out of it (``..``, an absolute path
elsewhere, a link pointing out) is refused with `UploadPathError`, as a name of no file there is,
and the step reports it as ``last_action_error``: artifact paths stay confined to their directory,
whatever a model writes.

An ``<input type=file>`` gets the files straight away (Playwright's ``set_input_files``), even when
hidden: styled upload buttons cover or hide theirs, and a person clicks the button, not the input.
Any other element is clicked, and the file chooser its click opens gets the files.
"""

from __future__ import annotations

import itertools
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

from playwright.async_api import BrowserContext, FileChooser, Page
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from palaestra.envs.actions.locate import Locating, locate
from palaestra.errors import ActionError, UploadPathError, did_you_mean

#: Files of the upload directory named in an error message (a directory may hold many).
LISTED = 20
#: What kind of file input an element is: "" (none), "one" or "many" (``multiple``).
FILE_INPUT_JS = "e => e.tagName === 'INPUT' && e.type === 'file' ? (e.multiple ? 'many' : 'one') : ''"


def upload_paths(upload_dir: Path | None, files: str | Sequence[str]) -> list[Path]:
    """The files ``files`` names, resolved in ``upload_dir``; refused unless each is a file in it."""
    if upload_dir is None:
        raise ActionError(
            "upload_file(): this environment has no upload directory, so there are no files to "
            "upload (its operator sets one with BrowserEnv(upload_dir=...))."
        )
    root = upload_dir.resolve()
    names = [files] if isinstance(files, str) else list(files)
    if not names:
        raise ActionError("upload_file(): name at least one file, e.g. upload_file('14', 'report.pdf').")
    paths = []
    for name in names:
        try:
            path = (root / name).resolve()
            inside = path.is_relative_to(root) and path != root
            found = inside and path.is_file()
        except (OSError, ValueError):  # a NUL byte, a name too long for the file system
            inside, found = True, False
        if not inside:
            raise UploadPathError(
                f"upload_file(): {name!r} is outside the upload directory; name a file in it, "
                f"relative to it. {_listing(root)}"
            )
        if not found:
            available = _files(root)
            raise UploadPathError(
                f"upload_file(): there is no file {name!r} in the upload directory."
                f"{did_you_mean(name, available)} {_listing(root, available)}"
            )
        paths.append(path)
    return paths


def intercept_file_choosers(context: BrowserContext) -> None:
    """Keep every page of ``context`` intercepting file choosers for the whole episode.

    Playwright intercepts a page's file chooser only while a listener waits for one, and the first
    listener turns interception on without waiting for it: a click sent right after could open its
    chooser before, uninterceptable (measured: 4 of 25 ``mouse_upload_file`` steps found none).
    With a listener from the start, interception is on long before an action clicks; a chooser no
    upload waits for is left unanswered, as a headless browser leaves it anyway."""
    context.on("page", _keep_intercepting)
    for page in context.pages:
        _keep_intercepting(page)


def _keep_intercepting(page: Page) -> None:
    page.on("filechooser", _unclaimed)


def _unclaimed(chooser: FileChooser) -> None:
    """A chooser opened by a click that uploads nothing (a plain ``click`` on an upload button)."""


async def upload(state: Locating, element_id: str, paths: list[Path], timeout: float) -> None:
    """Give ``paths`` to the file input with this id, or to the file chooser a click on it opens."""
    target = await locate(state, element_id, visible=False)
    kind = await target.locator.evaluate(FILE_INPUT_JS)
    if kind == "one" and len(paths) > 1:
        raise ActionError(
            f"upload_file(): [{element_id}] takes one file (it has no `multiple` attribute), "
            f"got {len(paths)}; upload one."
        )
    if kind:
        await target.locator.set_input_files(paths, timeout=timeout)
        return
    target = await locate(state, element_id)  # clicked: it must be visible
    await _into_chooser(
        state.page,
        lambda: target.locator.click(timeout=timeout, force=True),
        paths,
        timeout,
        f"upload_file(): [{element_id}] is no file input and clicking it opened no file chooser; "
        "name the <input type=file> or the button that opens one.",
        f"upload_file(): the file chooser [{element_id}] opens",
    )


async def upload_at(page: Page, x: float, y: float, paths: list[Path], timeout: float) -> None:
    """BrowserGym's ``mouse_upload_file``: click at (x, y); the file chooser it opens gets ``paths``."""
    await _into_chooser(
        page,
        lambda: page.mouse.click(x, y),
        paths,
        timeout,
        f"mouse_upload_file(): clicking at ({x:g}, {y:g}) opened no file chooser; click where "
        "the page's upload button or file input is.",
        f"mouse_upload_file(): the file chooser at ({x:g}, {y:g})",
    )


async def _into_chooser(
    page: Page,
    click: Callable[[], Awaitable[None]],
    paths: list[Path],
    timeout: float,
    none_opened: str,
    chooser_named: str,
) -> None:
    """Click, and give ``paths`` to the file chooser the click opens; ``none_opened`` is the error
    when none opens, ``chooser_named`` how the error names a single-file chooser given several."""
    try:
        async with page.expect_file_chooser(timeout=timeout) as opened:
            await click()
        chooser = await opened.value
    except PlaywrightTimeoutError:
        raise ActionError(none_opened) from None
    if len(paths) > 1 and not chooser.is_multiple():
        raise ActionError(f"{chooser_named} takes one file, got {len(paths)}.")
    await chooser.set_files(paths, timeout=timeout)


def _files(root: Path) -> list[str]:
    """Some files of the upload directory, as the names ``upload_file`` takes (not links out)."""
    found = (p for p in root.rglob("*") if p.is_file() and p.resolve().is_relative_to(root))
    return sorted(p.relative_to(root).as_posix() for p in itertools.islice(found, 200))


def _listing(root: Path, available: list[str] | None = None) -> str:
    names = _files(root) if available is None else available
    if not names:
        return "The upload directory is empty."
    more = f" (and {len(names) - LISTED} more)" if len(names) > LISTED else ""
    return "Files: " + ", ".join(repr(n) for n in names[:LISTED]) + more + "."
