"""Tools that hang, path parameters that climb, numbers too large to print: none breaks a call."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator

import pytest

from palaestra.routing import Annotations, ApiExecutor, ApiRegistry, OpenApiSource
from palaestra.routing.sources.python import from_callable
from palaestra.routing.tools._common import CalculatorError
from palaestra.routing.tools.calculator import calculate
from palaestra.testing.loopback import QuietHandler, serve

SAFE = Annotations(read_only=True, destructive=False, idempotent=True)


def test_hung_synchronous_tools_do_not_starve_other_calls() -> None:
    release = threading.Event()

    stuck_calls: list[int] = []

    def stuck(x: int) -> int:
        """Never answers until released."""
        stuck_calls.append(x)
        release.wait(60)
        return x

    def quick(x: int) -> int:
        """Answers at once."""
        return x + 1

    registry = ApiRegistry()
    registry.add(*from_callable(stuck, namespace="t", annotations=SAFE))
    registry.add(*from_callable(quick, namespace="t", annotations=SAFE))
    executor = ApiExecutor(registry, timeout_s=0.5, max_retries=0)

    async def scenario() -> None:
        # More hung calls than the default thread pool has threads (min(32, cores + 4)).
        hung = await asyncio.gather(*(executor.call("t/stuck", {"x": i}) for i in range(10)))
        assert [r.error_kind for r in hung] == ["timeout"] * 10
        # Other tools, and anything else the loop runs in threads, still answer at once.
        answers = await asyncio.gather(*(executor.call("t/quick", {"x": i}) for i in range(20)))
        assert [r.content for r in answers] == [i + 1 for i in range(20)]
        assert await asyncio.wait_for(asyncio.to_thread(lambda: "free"), 5) == "free"
        # The hung tool itself is refused at once while its calls hang.
        refused = await executor.call("t/stuck", {"x": 0})
        assert refused.error_kind == "api_error" and "appears to hang" in refused.message
        assert len(stuck_calls) == 10  # refused without being called again

    try:
        asyncio.run(scenario())
    finally:
        release.set()
    for _ in range(100):  # once the hung calls return, the tool is called again
        result = asyncio.run(executor.call("t/stuck", {"x": 7}))
        if result.ok:
            break
        threading.Event().wait(0.05)
    assert result.content == 7


class _Recorder(QuietHandler):
    """Answers every GET with the raw path it received."""

    def do_GET(self) -> None:
        self.reply(200, {"path": self.path})


@pytest.fixture
def recorder_url() -> Iterator[str]:
    with serve(_Recorder) as served:
        yield served.url


@pytest.mark.parametrize(
    ("item", "path"),
    [
        ("..", "/items/%2E%2E"), (".", "/items/%2E"), ("../admin", "/items/..%2Fadmin"),
        ("a/b?c#d", "/items/a%2Fb%3Fc%23d"), ("..%2F", "/items/..%252F"), ("42", "/items/42"),
    ],
)  # fmt: skip
def test_openapi_path_parameters_cannot_change_the_endpoint(recorder_url: str, item: str, path: str) -> None:
    document = {
        "openapi": "3.0.3",
        "info": {"title": "Items", "version": "1"},
        "paths": {
            "/items/{id}": {
                "get": {
                    "operationId": "getItem",
                    "parameters": [
                        {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
                    ],
                    "responses": {"200": {"description": "ok"}},
                }
            }
        },
    }
    registry = ApiRegistry()
    OpenApiSource(document, base_url=recorder_url).register(registry)
    result = ApiExecutor(registry).call_sync("items/getItem", {"id": item})
    assert result.ok, result.message
    assert result.content == {"path": path}


def test_an_empty_path_parameter_is_refused(recorder_url: str) -> None:
    document = {
        "openapi": "3.0.3",
        "info": {"title": "Items", "version": "1"},
        "paths": {"/items/{id}": {"get": {"operationId": "getItem", "parameters": [
            {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {"200": {"description": "ok"}}}}},
    }  # fmt: skip
    registry = ApiRegistry()
    OpenApiSource(document, base_url=recorder_url).register(registry)
    result = ApiExecutor(registry).call_sync("items/getItem", {"id": ""})
    assert result.error_kind == "api_error" and "is empty" in result.message


BIG = "(2**1023 + (2**1023 - 1))"  # fits the calculator's integer cap, but no float


@pytest.mark.parametrize(
    "expression",
    [f"sqrt(-{BIG})", f"log(-{BIG})", f"log({BIG}, -{BIG})", f"3**{BIG}", f"(-{BIG})**0.5",
     f"(-3)**(1/{BIG})", f"round({BIG}, {BIG})", f"floor(-{BIG})**{BIG}", f"exp({BIG})", f"min({BIG}) % 0"],
)  # fmt: skip
def test_calculator_errors_about_huge_numbers_are_messages(expression: str) -> None:
    with pytest.raises(CalculatorError) as caught:
        calculate(expression)
    assert str(caught.value)
