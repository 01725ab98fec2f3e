"""Ctrl-C while the `palaestra` command is still importing the package (its suites register for
about 0.35 s) ends it with one line and exit status 130, as a Ctrl-C in a command does; a program
that imports `palaestra` keeps Python's own Ctrl-C.

Before, the console script's `from palaestra.cli import main` was interrupted outside `main`, and
Python printed a traceback of wherever the import was.

The interrupt lands at a known point: a suite of the test's own (`PALAESTRA_SUITES`) writes a file
when it is being listed, then waits; the test sends SIGINT once the file is there.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

SUITE = """
import pathlib, time

def listing():
    pathlib.Path({marker!r}).write_text("listing")
    time.sleep(120)
    return []
"""
#: What pip writes as the `palaestra` console script (`palaestra = "palaestra.cli:main"`).
CONSOLE_SCRIPT = """import sys
from palaestra.cli import main
if __name__ == '__main__':
    sys.exit(main())
"""

#: Runs the script as from a terminal, where Ctrl-C is not ignored. A shell that starts a job in the
#: background without job control (a CI runner's `cmd &`) starts it with SIGINT ignored, and that is
#: inherited: Python then installs no handler of its own and the command rightly keeps ignoring it.
AT_A_TERMINAL = (
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
    "os.execv(sys.executable, [sys.executable, *sys.argv[1:]])"
)


def _interrupted_while_listing(tmp_path: Path, script: Path) -> subprocess.CompletedProcess[str]:
    marker = tmp_path / "listing"
    (tmp_path / "slow_suite.py").write_text(SUITE.format(marker=str(marker)))
    # The palaestra under test, as this process found it (a checkout first on the path, or the install).
    paths = [os.environ.get("PYTHONPATH", ""), str(tmp_path)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in paths if p)}
    env["PALAESTRA_SUITES"] = "slow=slow_suite:listing"
    process = subprocess.Popen(
        [sys.executable, "-c", AT_A_TERMINAL, str(script), "list", "suites"], env=env, cwd=tmp_path,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        for _ in range(1200):  # up to two minutes on a loaded machine; no timing is asserted
            if marker.exists() or process.poll() is not None:
                break
            time.sleep(0.1)
        assert marker.exists(), process.communicate()
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def test_ctrl_c_while_the_command_imports_ends_it_with_one_line(tmp_path: Path) -> None:
    script = tmp_path / "bin" / "palaestra"
    script.parent.mkdir()
    script.write_text(CONSOLE_SCRIPT)
    ended = _interrupted_while_listing(tmp_path, script)
    assert ended.returncode == 130, ended.stderr
    assert ended.stderr.strip().splitlines() == ["palaestra: interrupted (Ctrl-C)."]


def test_a_program_importing_palaestra_keeps_pythons_ctrl_c(tmp_path: Path) -> None:
    script = tmp_path / "my_program.py"
    script.write_text("import palaestra\n")
    ended = _interrupted_while_listing(tmp_path, script)
    assert ended.returncode != 130 and "KeyboardInterrupt" in ended.stderr
