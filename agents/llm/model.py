"""``Model``: what the LLM layer asks of a model, whoever runs it.

Like openai-agents' ``Model``, a small abstract class, so that an OpenAI-compatible endpoint
(``ChatModel``), the embedded model in this process (``palaestra.agents.llm.embedded``) or a fake
in a test plug in the same way. A model says what it can do (``Capabilities``) and callers pick
their prompt style from that: Synapse was designed for completion prompting (exemplar
trajectories, then the current one to continue), which small local models follow far better than
a chat template, while hosted chat models only take messages.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from types import TracebackType
from typing import Any, Literal

from palaestra.errors import did_you_mean

from .completion import Completion
from .errors import LLMCapabilityError, LLMConfigError
from .usage import Budget, Usage

Message = Mapping[str, Any]
PromptStyle = Literal["chat", "completion"]
STYLES: tuple[str, ...] = ("auto", "chat", "completion")


@dataclass(frozen=True)
class Capabilities:
    """What a model serves: chat messages, plain-text continuation, tool calls, embeddings,
    text continuation constrained by a GBNF grammar (as llama.cpp's servers take it), and images
    in chat messages (OpenAI's ``image_url`` parts; a text-only model's server refuses them)."""

    chat: bool = True
    completion: bool = False
    tools: bool = False
    embeddings: bool = False
    grammar: bool = False
    images: bool = False

    @classmethod
    def names(cls) -> list[str]:
        return [f.name for f in fields(cls)]

    @classmethod
    def parse(cls, value: str | Iterable[str]) -> Capabilities:
        """From ``"chat,completion"`` or ``["chat", "tools"]``; unknown names get a did-you-mean."""
        items = value.split(",") if isinstance(value, str) else list(value)
        wanted = {str(item).strip().lower() for item in items if str(item).strip()}
        for name in sorted(wanted):
            if name not in cls.names():
                raise LLMConfigError(
                    f"Unknown model capability `{name}`.{did_you_mean(name, cls.names())} "
                    f"Known: {', '.join(cls.names())}."
                )
        return cls(**{name: name in wanted for name in cls.names()})

    def listed(self) -> tuple[str, ...]:
        return tuple(name for name in self.names() if getattr(self, name))


class Model(ABC):
    """A language model. Subclasses implement what their ``capabilities`` claim.

    ``usage`` is this model's own tally; ``budget`` is shared by the models of one run and is
    checked before anything is sent.
    """

    name: str = ""
    capabilities: Capabilities = Capabilities()
    usage: Usage
    budget: Budget

    async def complete(
        self,
        messages: Sequence[Message],
        tools: Sequence[Mapping[str, Any]] | None = None,
        tool_choice: Any = None,
    ) -> Completion:
        """Answer chat ``messages`` (OpenAI format), optionally offering ``tools``."""
        raise self.unable("chat")

    async def complete_text(
        self,
        prompt: str,
        *,
        stop: Sequence[str] = (),
        max_tokens: int | None = None,
        grammar: str | None = None,
    ) -> Completion:
        """Continue ``prompt`` as plain text, stopping before any of ``stop``; with ``grammar`` (a
        llama.cpp GBNF grammar; only when ``capabilities.grammar``), only with text it accepts."""
        raise self.unable("completion")

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """One vector per text."""
        raise self.unable("embeddings")

    @abstractmethod
    async def aclose(self) -> None:
        """Release connections, threads or weights."""

    def unable(self, capability: str) -> LLMCapabilityError:
        offered = ", ".join(self.capabilities.listed()) or "nothing"
        return LLMCapabilityError(
            f"The model `{self.name}` does not offer {capability} (it offers: {offered}). Fix: choose a "
            f"model that does, or declare it with PALAESTRA_LLM_CAPABILITIES if the server supports it."
        )

    async def __aenter__(self) -> Model:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()


def prompt_style(model: Model, wanted: str = "auto") -> PromptStyle:
    """The prompt style to use with ``model``: ``auto`` prefers completion when the model has it."""
    if wanted not in STYLES:
        hint = did_you_mean(wanted, list(STYLES))
        raise LLMConfigError(f"Unknown prompt style `{wanted}`.{hint} Known: {', '.join(STYLES)}.")
    if wanted == "auto":
        return "completion" if model.capabilities.completion else "chat"
    if not getattr(model.capabilities, wanted):
        raise model.unable(wanted)
    return "completion" if wanted == "completion" else "chat"
