"""Runs one example of the docs as its reader would: in a fresh interpreter, in a working directory of
its own, with what the text around it says the reader already has running (the environment server on
the port the example names, an OpenAI-compatible model on the port the example names).

`tests/test_doc_examples.py` starts this file as a script; when the example names a fixed loopback port,
it moves into a network namespace of its own first (so no other test, nor a real server on this
machine, can hold that port).
The example's code runs unchanged; what it prints is noted with the line that printed it, so the test
can compare each printed value with the comment that says what it prints.

    python tests/doc_examples_runner.py SPEC.json   # writes the outcome to the spec's "result" path
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

#: Run in the example's interpreter before its file: what the example writes to stdout is also noted,
#: with the example's line that wrote it, in a side file (argv[1]); then the file runs as `__main__`
#: (argv[2]). `print` itself is left alone (numba, which bm25s imports, refuses a replaced `print`).
PRINT_NOTES = """
import io, json, runpy, sys
_notes, _path = open(sys.argv[1], "a"), sys.argv[2]
class _Noted(io.TextIOWrapper):
    def write(self, text):
        frame = sys._getframe(1)
        while frame is not None and frame.f_code.co_filename != _path:
            frame = frame.f_back
        if frame is not None:
            _notes.write(json.dumps({"line": frame.f_lineno, "text": text}) + "\\n")
            _notes.flush()
        return super().write(text)
_out = sys.stdout
sys.stdout = _Noted(
    _out.buffer, encoding=_out.encoding, errors=_out.errors, line_buffering=_out.line_buffering
)
sys.argv = [_path]
runpy.run_path(_path, run_name="__main__")
"""


def wait_for_port(port: int, server: subprocess.Popen[bytes], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"`palaestra serve --port {port}` exited with {server.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return
        time.sleep(0.2)
    raise RuntimeError(f"`palaestra serve --port {port}` did not listen within {timeout:.0f} s")


@contextlib.contextmanager
def environment_server(port: int | None, cwd: Path) -> Iterator[None]:
    """`palaestra serve --port PORT`, as the docs start it, for the example's lifetime."""
    if port is None:
        yield
        return
    script = Path(sys.executable).parent / "palaestra"
    with open(cwd / "serve.log", "wb") as log:
        server = subprocess.Popen(
            [str(script), "serve", "--port", str(port)], cwd=cwd, stdout=log, stderr=log
        )
        try:
            wait_for_port(port, server)
            yield
        finally:
            server.terminate()
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


@contextlib.contextmanager
def model_server(port: int | None, answers: list[str], chat: list[str]) -> Iterator[dict[str, str]]:
    """The scripted OpenAI-compatible server on PORT (0: any free port), answering `answers` in order
    (then FAIL, which OSWorld's agents read as giving up), and the variables a user of such a server
    exports; the model named by each request it got is appended to `chat`."""
    if port is None:
        yield {}
        return
    from palaestra.testing import ScriptedLLMServer, ScriptedSequence, reply_text

    script = ScriptedSequence([reply_text(a) for a in answers], then=reply_text("FAIL"))
    with ScriptedLLMServer(script, port=port) as server:
        yield {"PALAESTRA_LLM_BASE_URL": server.base_url, "OPENAI_BASE_URL": server.base_url}
        chat.extend(str(r.model) for r in server.chat_requests)


def private_network() -> str:
    """Move this process (and so the servers and the example it starts) into a network namespace of
    its own, with its loopback up, so that the port an example names is free whatever else runs on
    the machine. A kernel that refuses (no CAP_SYS_ADMIN) leaves us on the host's loopback, where the
    port must be free: a server that cannot bind it fails the test saying so."""
    from palaestra.envs.desktop import net_namespace

    try:
        os.close(net_namespace.isolate())
    except OSError as exc:
        print(f"no private network ({exc}); using the host's loopback", file=sys.stderr)
        return "host"
    return "private"


def main(spec_path: str) -> None:
    spec = json.loads(Path(spec_path).read_text())
    cwd = Path(spec["cwd"])
    network = "host"
    if spec["private_network"]:
        network = private_network()
    notes = cwd.parent / "prints.jsonl"
    notes.write_text("")
    chat: list[str] = []
    with (
        environment_server(spec["serve_port"], cwd.parent),
        model_server(spec["llm_port"], spec["llm_answers"], chat) as exported,
    ):
        done = subprocess.run(
            [sys.executable, "-c", PRINT_NOTES, str(notes), str(cwd / spec["file"])],
            cwd=cwd,
            env={**os.environ, **exported, **spec["env"]},
            capture_output=True,
            text=True,
            timeout=spec["timeout"],
        )
    prints = [json.loads(line) for line in notes.read_text().splitlines()]
    result = {"returncode": done.returncode, "stdout": done.stdout, "stderr": done.stderr, "prints": prints}
    Path(spec["result"]).write_text(json.dumps({**result, "chat": chat, "network": network}))


if __name__ == "__main__":
    main(sys.argv[1])
