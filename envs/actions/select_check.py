"""What ``select_option`` checks before choosing: that the element is a ``<select>``, that each
option asked for exists and is enabled, and that a single-choice ``<select>`` gets one option.

Playwright's ``select_option`` waits, for the whole action timeout, for an option that does not
exist or is disabled, and then says only "Timeout 3000ms exceeded"; given two options for a
``<select>`` without ``multiple`` it chooses the first and says nothing. One round trip reads the
element's options (value, label, disabled) so that each mistake is named at once, with the options
there are. An option is asked for by its value or its label, as Playwright matches them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from playwright.async_api import ElementHandle, Locator

from palaestra.errors import ActionError, did_you_mean

#: The element's options as [value, label, disabled] (a disabled <optgroup> disables its own), and
#: whether it takes several; null when it is no <select>.
SELECT_JS = """e => e.tagName !== "SELECT" ? null : {
  multiple: e.multiple,
  options: [...e.options].map((o) => [o.value, o.label, o.disabled || !!o.closest("optgroup[disabled]")]),
}"""
#: The most options an error lists (a country list has about 250).
LISTED = 20


async def check_select(locator: Locator | ElementHandle, eid: str, wanted: Sequence[str]) -> None:
    """Raise ``ActionError`` unless ``wanted`` can be chosen in element ``eid`` as asked."""
    found: dict[str, Any] | None = await locator.evaluate(SELECT_JS)
    if found is None:
        raise ActionError(f"select_option: element [{eid}] is not a <select>; click its options instead.")
    options: list[tuple[str, str, bool]] = [
        (str(v), str(label), bool(off)) for v, label, off in found["options"]
    ]
    if len(wanted) > 1 and not found["multiple"]:
        raise ActionError(
            f"select_option: [{eid}] takes one option (it is a <select> without `multiple`), got "
            f"{len(wanted)}: {list(wanted)}. Choose one."
        )
    labels = [label for _, label, _ in options]
    for option in wanted:
        matches = [off for value, label, off in options if option in (value, label)]
        if not matches:
            shown = ", ".join(repr(label) for label in labels[:LISTED])
            more = f" and {len(labels) - LISTED} more" if len(labels) > LISTED else ""
            raise ActionError(
                f"select_option: [{eid}] has no option {option!r}.{did_you_mean(option, labels)} "
                f"Its options: {shown or 'none'}{more}."
            )
        if all(matches):
            raise ActionError(f"select_option: option {option!r} of [{eid}] is disabled; choose another.")
