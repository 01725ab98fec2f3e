"""``EmbeddedModel``: the ``Model`` protocol over the embedded llama.cpp runtime, in this process.

No server, no port: what a single agent or a test uses when no endpoint is configured. Decoding
runs in a worker thread so the event loop (and the browser it drives) keeps going. Several agents
in one process share one runtime; processes share a model by ``palaestra llm serve`` instead.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Mapping, Sequence
from typing import Any

from ..completion import Completion
from ..errors import LLMCapabilityError
from ..model import Capabilities, Message, Model
from ..usage import Budget, Usage
from .chat_format import TEXT_ONLY, TURN_STOPS, has_image, read_tool_calls, render_chat, tool_call_schema
from .runtime import Generation, LlamaRuntime, Sampling, shared_runtime

EMBEDDED_CAPABILITIES = Capabilities(chat=True, completion=True, tools=True, embeddings=True, grammar=True)
_calls = itertools.count()


def chat_sampling(
    base: Sampling, tools: Sequence[Mapping[str, Any]] | None, tool_choice: Any
) -> tuple[Sampling, bool]:
    """The sampling of a chat turn, and whether a tool call is required (then decoding is
    constrained to the call's JSON and the transcript's turn stops do not apply)."""
    schema = tool_call_schema(tools or [], tool_choice)
    if schema is not None:
        return Sampling(**{**base.__dict__, "json_schema": schema, "stop": ()}), True
    return Sampling(**{**base.__dict__, "stop": (*base.stop, *TURN_STOPS)}), False


def completion_of(generation: Generation, model_id: str, latency: float, **extra: Any) -> Completion:
    return Completion(
        text=generation.text, finish_reason=generation.finish_reason, model=model_id,
        input_tokens=generation.prompt_tokens, output_tokens=generation.completion_tokens,
        latency=latency, **extra,
    )  # fmt: skip


class EmbeddedModel(Model):
    """The embedded model in-process. ``runtime`` defaults to the process's shared one."""

    capabilities = EMBEDDED_CAPABILITIES

    def __init__(
        self,
        runtime: LlamaRuntime | None = None,
        *,
        temperature: float = 0.0,
        max_tokens: int = 256,
        budget: Budget | None = None,
    ) -> None:
        self.runtime = runtime or shared_runtime()
        self.name = self.runtime.model_id
        self.sampling = Sampling(max_tokens=max_tokens, temperature=temperature)
        self.usage = Usage()
        self.budget = budget if budget is not None else Budget()

    async def _run(self, prompt: str, sampling: Sampling) -> tuple[Generation, float]:
        self.budget.check()
        started = time.monotonic()
        generation = await asyncio.to_thread(self.runtime.generate, prompt, sampling)
        self.usage.add(generation.prompt_tokens, generation.completion_tokens, 0.0)
        self.budget.charge(generation.prompt_tokens, generation.completion_tokens, 0.0)
        return generation, time.monotonic() - started

    async def complete_text(
        self,
        prompt: str,
        *,
        stop: Sequence[str] = (),
        max_tokens: int | None = None,
        grammar: str | None = None,
    ) -> Completion:
        sampling = Sampling(
            max_tokens=max_tokens or self.sampling.max_tokens, temperature=self.sampling.temperature,
            stop=tuple(stop), grammar=grammar,
        )  # fmt: skip
        generation, latency = await self._run(prompt, sampling)
        return completion_of(generation, self.name, latency)

    async def complete(
        self,
        messages: Sequence[Message],
        tools: Sequence[Mapping[str, Any]] | None = None,
        tool_choice: Any = None,
    ) -> Completion:
        if has_image(messages):
            raise LLMCapabilityError(TEXT_ONLY)
        sampling, required = chat_sampling(self.sampling, tools, tool_choice)
        generation, latency = await self._run(render_chat(messages, tools), sampling)
        calls = read_tool_calls(generation.text, tools or [], f"call_{next(_calls)}") if tools else []
        text = "" if required and calls else generation.text.strip()
        finish = "tool_calls" if calls else generation.finish_reason
        completion = completion_of(generation, self.name, latency, tool_calls=tuple(calls))
        return Completion(**{**completion.__dict__, "text": text, "finish_reason": finish})

    async def embed(self, texts: Sequence[str]) -> list[list[float]]:
        return await asyncio.to_thread(self.runtime.embed, list(texts))

    async def aclose(self) -> None:
        """Nothing to release: the runtime is shared and lives as long as the process."""
