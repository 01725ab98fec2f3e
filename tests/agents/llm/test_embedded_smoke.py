"""The check that llama.cpp's compiled library decodes on this CPU, in a child process.

The real build must pass it (decoding one token with the embedded model); a child that dies of a
signal, as a wheel built for another CPU does, must be told apart from other failures, because
`scripts/setup` rebuilds the library on exactly that (exit status 3 of `palaestra llm prepare`).
"""

from __future__ import annotations

import pytest

from palaestra.agents.llm.embedded import smoke
from palaestra.agents.llm.embedded.weights import EmbeddedModelError, ensure_weights
from palaestra.cli import main


def test_the_installed_build_decodes_with_the_embedded_model() -> None:
    smoke.check_runtime_decodes(ensure_weights().path)


def test_a_child_killed_by_a_signal_is_a_crash_that_names_the_rebuild(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(smoke, "_CHILD", "import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)")
    with pytest.raises(smoke.EmbeddedRuntimeCrash, match="SIGSEGV") as caught:
        smoke.check_runtime_decodes(ensure_weights().path)
    assert smoke.PORTABLE_CMAKE_ARGS in str(caught.value)


def test_a_child_that_fails_otherwise_is_not_called_a_crash(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(smoke, "_CHILD", "import sys\nsys.exit('the file is not a model')")
    with pytest.raises(EmbeddedModelError, match="exit status 1") as caught:
        smoke.check_runtime_decodes(ensure_weights().path)
    assert not isinstance(caught.value, smoke.EmbeddedRuntimeCrash)
    assert "the file is not a model" in str(caught.value)


def test_llm_prepare_exits_3_on_a_crash_so_setup_rebuilds(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(smoke, "_CHILD", "import os, signal\nos.kill(os.getpid(), signal.SIGSEGV)")
    assert main(["llm", "prepare"]) == smoke.EXIT_RUNTIME_CRASHES
    assert "pip cache remove llama_cpp_python" in capsys.readouterr().err
