"""Does llama.cpp's build decode on this CPU? Asked in a child process, since when it cannot it crashes.

pip caches the wheel it compiles llama-cpp-python into and reuses it on any machine that shares the
cache, whatever CPU it was compiled for. A build for the compiling CPU (llama.cpp's default,
``GGML_NATIVE``) uses every instruction that CPU has: on a Xeon with AMX it emits tile instructions
the kernel only allows a process that asked for them, and the first decode dies of a general
protection fault, taking the agent, the server or the test worker with it. No Python error is raised
to catch, so the question is put to a child: load the model, decode one token, exit 0.
``scripts/setup`` asks it after installing and rebuilds a crashing wheel for any x86-64 CPU.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from .weights import EmbeddedModelError

#: What ``palaestra llm prepare`` exits with when the build crashes (``scripts/setup`` rebuilds it).
EXIT_RUNTIME_CRASHES = 3
#: The flags ``scripts/setup`` builds llama.cpp with: for any x86-64 CPU with AVX2, so that the wheel
#: pip caches is safe wherever that cache is shared; no multimodal library (not needed).
PORTABLE_CMAKE_ARGS = "-DLLAVA_BUILD=OFF -DGGML_NATIVE=OFF"

_CHILD = """
import sys
from llama_cpp import Llama
model = Llama(model_path=sys.argv[1], n_ctx=256, n_batch=64, n_threads=1, verbose=False)
model.create_completion("The capital of France is", max_tokens=1, temperature=0.0)
"""


class EmbeddedRuntimeCrash(EmbeddedModelError):
    """llama-cpp-python's compiled library crashes on this machine: built for other instructions."""


def check_runtime_decodes(model_path: Path, timeout: float = 180.0) -> None:
    """Raise `EmbeddedRuntimeCrash` if decoding one token with `model_path` kills the process."""
    from .runtime import import_llama

    import_llama()  # not installed: its own error, with the fix
    child = subprocess.run(
        [sys.executable, "-c", _CHILD, str(model_path)],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if child.returncode == 0:
        return
    if child.returncode < 0:
        name = signal.Signals(-child.returncode).name
        raise EmbeddedRuntimeCrash(
            f"llama-cpp-python's compiled library crashes ({name}) when it decodes on this machine: "
            "it was built for instructions this machine does not run (a build for the compiling CPU, "
            "e.g. AMX tile instructions the kernel refuses, or a wheel pip compiled on another machine "
            "and reuses from its cache). Fix: ./scripts/setup rebuilds it, or run: pip cache remove "
            f"llama_cpp_python && CMAKE_ARGS='{PORTABLE_CMAKE_ARGS}' pip install --force-reinstall "
            "--no-deps llama-cpp-python==0.3.36"
        )
    tail = "\n".join(child.stderr.strip().splitlines()[-5:])
    raise EmbeddedModelError(
        f"llama.cpp could not decode with {model_path} (exit status {child.returncode}):\n{tail}"
    )
