"""A prompt longer than the model's window: a typed error, known by the error body's code.

Before, a 400 "context_length_exceeded" was a plain `LLMRequestError`, like a bad tool schema, so an
agent could not tell that a shorter prompt would be answered, except by reading the message.
"""

from __future__ import annotations

import asyncio

import pytest

from palaestra.agents.llm import ChatModel, LLMConfig, LLMContextLengthError, LLMRequestError
from palaestra.testing import HTTPFault, ScriptedLLMServer, context_length_exceeded, http_error

USER = [{"role": "user", "content": "click the OK button"}]


def ask(server: ScriptedLLMServer) -> None:
    config = LLMConfig(model="scripted-model", base_url=server.base_url, api_key="k", max_retries=3)

    async def main() -> None:
        async with ChatModel(config) as model:
            await model.complete(USER)

    asyncio.run(main())


@pytest.mark.parametrize(
    "fault",
    [
        context_length_exceeded(8192, 9000),  # OpenAI's, vLLM's and LiteLLM's `code`
        HTTPFault(400, "the request exceeds the context size", error_type="exceed_context_size_error"),
    ],  # llama.cpp's server says it in the `type`
)
def test_a_prompt_past_the_window_is_a_context_length_error_and_not_retried(
    llm_server: ScriptedLLMServer, fault: HTTPFault
) -> None:
    llm_server.script = fault
    with pytest.raises(LLMContextLengthError, match="context window") as error:
        ask(llm_server)
    assert error.value.status == 400 and "obs_tokens" in str(error.value)
    assert isinstance(error.value, LLMRequestError)  # code that catches request errors still does
    assert len(llm_server.chat_requests) == 1


def test_the_message_alone_does_not_make_a_context_length_error(llm_server: ScriptedLLMServer) -> None:
    llm_server.script = http_error(400, "This model's maximum context length is 8192 tokens.")
    with pytest.raises(LLMRequestError) as error:
        ask(llm_server)
    assert not isinstance(error.value, LLMContextLengthError)
