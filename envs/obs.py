"""The observation, declared once: its keys, their types, their spaces and their blank values.

An observation is a plain ``dict`` at run time (Gymnasium's ``Dict`` space and every agent read it
as one), typed for readers as a ``TypedDict``. Each key's annotation also carries a ``Key``: what
kind of value it holds (text, records, an image) and which *part* of the observation it belongs to.
Environments compute only the parts that are switched on (``ObsConfig`` for the browser); the
observation space, the blank observation shown after a crash and the set of keys an environment
fills are all derived from the same declaration, so adding a key is one line here plus the code
that computes it.

Parts: ``always`` keys are in every observation; the others are in it when the environment turns
that part on (``axtree``, ``dom``, ``elements``, ``screenshot``, ``som`` from ``ObsConfig``;
``tools`` when the task offers tools).
"""

from __future__ import annotations

import dataclasses
import functools
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Annotated, Any, Literal, TypedDict

import numpy as np
from gymnasium import spaces

from palaestra.envs.spaces import Records, Unicode, screenshot_space
from palaestra.errors import ConfigError, check_choice

KeyKind = Literal["text", "records", "image"]

#: The longest text an observation key holds, in characters: far more than any page's AXTree or
#: DOM (a 100k-element page renders to a few MB), and small enough for ``sample()`` to return.
MAX_TEXT_CHARS = 10_000_000


ScreenshotFormat = Literal["png", "jpeg"]
#: The parts an ``ObsConfig`` switches, each a boolean field of it.
PARTS = ("axtree", "dom", "elements", "screenshot", "som")
#: Foreign observation shapes an agent may ask for beside the parts (`Agent.observation_parts`);
#: made by `palaestra.envs.views` and handed over (`Agent.see_views`). ``including``
#: switches on what each is made from: ``browsergym`` BrowserGym's page objects
#: (``ObsConfig.browsergym``), ``osworld`` the screenshot and the accessibility tree.
VIEWS = ("browsergym", "osworld")
#: JPEG quality: text stays legible to a vision model at 90; lower saves nothing measurable here.
JPEG_QUALITY = 90


@dataclass(frozen=True)
class ObsConfig:
    """Which parts of the observation to compute. An agent that reads only text skips the pixels.

    ``screenshot_format`` is how the browser hands the pixels over; the observation is the same
    ``uint8`` array of shape (height, width, 3) either way. PNG is the default because it is
    lossless and, at these viewport sizes, no slower where it counts: a screenshot's time goes in
    waiting for the compositor's next frame (a 60 Hz frame is about 16 ms), and JPEG (quality 90)
    saved only about 1 ms of browser CPU and 0.3 ms of decoding per MiniWoB++ screenshot, with
    no measurable change in step time (Chromium 156). JPEG is there for large viewports, where
    PNG's encoding grows with the pixels.

    ``som`` adds a set-of-marks screenshot (``som_screenshot``: the screenshot with a numbered box
    over each visible interactive element, numbered with the ids actions take) and its list
    (``som_marks``: ``[id] role 'name'`` lines), drawn in Python over the screenshot
    (`palaestra.envs.som`). Off by default: it costs a few milliseconds of drawing per step, and
    it needs the screenshot and the element boxes, which it computes even when their parts are off.

    ``axtree_max_lines`` (0, the default: no cut, as BrowserGym's and WebArena's trees) cuts
    the ``axtree`` text of a huge page (a 24,000-element table renders to ~680,000 characters) to
    that many lines, starting where the viewport starts, with a line before and after saying how
    many lines were left out and that scrolling shows them (`palaestra.envs.axtree.cut_to_viewport`).
    The other parts are whole.

    ``browsergym`` keeps BrowserGym's raw page objects (the DOM snapshot and AXTree CDP answers
    with our ids, and per-id element properties) beside the observation, for
    `palaestra.envs.browsergym_compat` to hand to BrowserGym-shaped agents. It is not an
    observation part (the keys it feeds are the wrapper's); off, it costs nothing.
    """

    axtree: bool = True
    dom: bool = True
    elements: bool = True
    screenshot: bool = True
    screenshot_format: ScreenshotFormat = "png"
    max_text_chars: int = 200
    axtree_max_lines: int = 0
    som: bool = False
    browsergym: bool = False

    def parts(self) -> list[str]:
        """The observation parts (see `palaestra.envs.obs`) this configuration switches on."""
        return [part for part in PARTS if getattr(self, part)]

    def __post_init__(self) -> None:
        check_choice("screenshot_format", self.screenshot_format, ("png", "jpeg"))
        if self.axtree_max_lines < 0:
            raise ConfigError(
                f"ObsConfig(axtree_max_lines={self.axtree_max_lines}): give a number of lines, "
                "or 0 to keep the whole tree."
            )

    def including(self, parts: Iterable[str]) -> ObsConfig:
        """This configuration with ``parts`` switched on too (what an agent asks for,
        `Agent.observation_parts`), and what the `VIEWS` among them are made from; an unknown part
        is refused with the known ones."""
        wanted = set(parts)
        for part in sorted(wanted):
            check_choice("observation part", part, (*PARTS, *VIEWS))
        if "osworld" in wanted:
            wanted |= {"screenshot", "axtree"}
        switched: dict[str, Any] = {part: True for part in wanted - set(VIEWS) if not getattr(self, part)}
        if "browsergym" in wanted:
            switched["browsergym"] = True
        return dataclasses.replace(self, **switched)

    def switches(self) -> list[str]:
        """`parts`, and ``browsergym`` when on: what tells two environments' observations apart."""
        return self.parts() + (["browsergym"] if self.browsergym else [])


@dataclass(frozen=True)
class Key:
    """How one observation key is typed, sampled and blanked, and which part it belongs to."""

    kind: KeyKind
    part: str = "always"

    def space(self, viewport: tuple[int, int]) -> spaces.Space[Any]:
        if self.kind == "text":
            return Unicode(max_length=MAX_TEXT_CHARS)
        if self.kind == "records":
            return Records()
        return screenshot_space(*viewport)

    def blank(self, viewport: tuple[int, int]) -> Any:
        if self.kind == "text":
            return ""
        if self.kind == "records":
            return []
        width, height = viewport
        return np.zeros((height, width, 3), dtype=np.uint8)


def text(part: str = "always") -> Key:
    return Key("text", part)


def records(part: str = "always") -> Key:
    return Key("records", part)


def image(part: str = "always") -> Key:
    return Key("image", part)


class PageInfo(TypedDict):
    """One tab in ``open_pages``."""

    title: str
    url: str
    active: bool


class Observation(TypedDict, total=False):
    """Every key any environment shows; each environment fills the parts it has (see the module doc).

    ``always``: every environment. ``web``: browser environments. ``desktop``: X11 desktops
    (the window list and the active window's title). ``focus``: environments that know the focused
    element (both). ``axtree``, ``dom``, ``elements``, ``screenshot``, ``som``: the parts an
    ``ObsConfig`` switches. ``tools``: tasks with tools.
    """

    goal: Annotated[str, text()]
    last_action: Annotated[str, text()]
    last_action_error: Annotated[str, text()]
    url: Annotated[str, text("web")]
    open_pages: Annotated[list[PageInfo], records("web")]
    focused_element: Annotated[str, text("focus")]
    axtree: Annotated[str, text("axtree")]
    dom: Annotated[str, text("dom")]
    elements: Annotated[list[dict[str, Any]], records("elements")]
    screenshot: Annotated[np.ndarray, image("screenshot")]
    som_screenshot: Annotated[np.ndarray, image("som")]
    som_marks: Annotated[str, text("som")]
    tools: Annotated[str, text("tools")]
    focused_window: Annotated[str, text("desktop")]
    windows: Annotated[list[dict[str, Any]], records("desktop")]
    tool_results: Annotated[str, text("tools")]


@functools.cache
def keys_of() -> Mapping[str, Key]:
    """The declared keys of ``Observation``, in declaration order."""
    hints = typing.get_type_hints(Observation, include_extras=True)
    out: dict[str, Key] = {}
    for name, hint in hints.items():
        found = [a for a in getattr(hint, "__metadata__", ()) if isinstance(a, Key)]
        if len(found) != 1:
            raise TypeError(f"Observation key `{name}` needs exactly one Key annotation.")
        out[name] = found[0]
    return MappingProxyType(out)


@dataclass(frozen=True)
class ObservationLayout:
    """The keys one environment fills, given which parts it turned on, and what follows from them."""

    keys: Mapping[str, Key]
    viewport: tuple[int, int]

    @classmethod
    def of(cls, parts: Iterable[str], viewport: tuple[int, int]) -> ObservationLayout:
        """The keys of the parts ``parts`` (``always`` is implied)."""
        on = {"always", *parts}
        return cls({n: k for n, k in keys_of().items() if k.part in on}, viewport)

    @property
    def parts(self) -> frozenset[str]:
        return frozenset(key.part for key in self.keys.values())

    def space(self) -> spaces.Dict:
        return spaces.Dict({name: key.space(self.viewport) for name, key in self.keys.items()})

    def blank(self, **values: Any) -> Observation:
        """A blank observation (every key present, empty), with ``values`` filled in."""
        out = {name: key.blank(self.viewport) for name, key in self.keys.items()}
        return self.build({**out, **values})

    def build(self, values: dict[str, Any]) -> Observation:
        """``values`` as an observation, once checked to hold exactly this layout's keys.

        A key computed but not declared, or declared but not computed, is a bug in the
        environment; it is caught here, on the first observation, not by an agent much later.
        """
        if values.keys() != self.keys.keys():
            extra, missing = set(values) - set(self.keys), set(self.keys) - set(values)
            raise KeyError(
                f"Observation keys not declared: {sorted(extra)}; declared but missing: {sorted(missing)}"
            )
        return typing.cast(Observation, values)
