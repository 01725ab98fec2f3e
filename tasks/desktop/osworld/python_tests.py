"""OSWorld's ``check_python_file_by_test_suite``: the agent edits Python files (a snake game that
cannot eat its food), and OSWorld's own test file, which imports them, says whether they now work.

OSWorld imports that test file into its own evaluator process and calls its ``test`` function. Here
the agent's code never runs in the Palaestra process: the check is one of the judge's commands
(`Getter.commands`), run before the verdict inside the desktop session, as the desktop user, in the
episode's HOME, and killed at the session's command timeout, like any ``vm_command_line``. The
command copies the files the ``vm_file`` getter names into a fresh folder under their ``dest``
names, writes the test file beside them (its text travels in the command, hex-encoded), imports it
from there and calls the test function; it prints `PASSED` as its last line and exits 0 only when
that function returned a true value.

Limits, said plainly: the agent's code runs in the same Python process as the test (as it does in
OSWorld), so code written to cheat could fake the verdict; it cannot reach more than the desktop
user can. The test runs under the desktop's Python (the session's), so it finds only packages that
Python has.
"""

from __future__ import annotations

import posixpath
from pathlib import Path
from typing import Any

from palaestra.tasks.desktop.base import CommandResult
from palaestra.tasks.desktop.osworld.errors import OSWorldTaskError
from palaestra.tasks.desktop.osworld.getters import Getter, Place, compile_getter
from palaestra.tasks.desktop.osworld.paths import home_relative

#: The last line the command prints when the test function returned a true value.
PASSED = "palaestra-test-suite: passed"
#: The largest test file handed to the session (it travels hex-encoded in one argument, and Linux
#: caps one argument at 128 KiB).
MAX_TEST_BYTES = 60_000

#: The command's program: arguments are the test file (hex), its name, the test function's name,
#: then pairs of (path relative to HOME, name to give the copy). A missing file fails the check.
RUNNER = """\
import binascii, importlib.util, os, shutil, sys, tempfile
code, test_name, function, *pairs = sys.argv[1:]
work = tempfile.mkdtemp(prefix="palaestra-test-suite-")
try:
    for relative, name in zip(pairs[::2], pairs[1::2]):
        if not os.path.isfile(relative):
            sys.exit("missing file: " + relative)
        shutil.copyfile(relative, os.path.join(work, name))
    path = os.path.join(work, test_name)
    with open(path, "wb") as out:
        out.write(binascii.unhexlify(code))
    sys.path.insert(0, work)
    os.chdir(work)
    spec = importlib.util.spec_from_file_location("dynamic_module", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["dynamic_module"] = module
    spec.loader.exec_module(module)
    passed = bool(getattr(module, function)())
finally:
    shutil.rmtree(work, ignore_errors=True)
print()
print("%s" if passed else "palaestra-test-suite: failed")
sys.exit(0 if passed else 1)
""".replace("%s", PASSED)


def suite_passed(result: CommandResult | None) -> float:
    """1 when the test command ran to its end, exited 0 and printed `PASSED` last; else 0 (a
    missing file, an import error, a false result, a test that ran out of time)."""
    if result is None or result.timed_out or result.returncode != 0:
        return 0.0
    lines = result.stdout.strip().splitlines()
    return float(bool(lines) and lines[-1].strip() == PASSED)


def _file_name(value: object, source: str, where: str) -> str:
    if not isinstance(value, str) or not value or "/" in value or value in (".", ".."):
        raise OSWorldTaskError(source, where, f"`dest` must be a plain file name, got {value!r}")
    return value


def _copies(spec: dict[str, Any], place: Place) -> list[tuple[str, str]]:
    """(path relative to HOME, name of its copy) for each file the ``vm_file`` getter names."""
    paths = spec.get("path") if spec.get("multi") else [spec.get("path")]
    if not isinstance(paths, list) or not paths:
        raise OSWorldTaskError(place.source, place.where, '"multi": true needs a list of paths')
    dests = spec.get("dest") if spec.get("multi") else [spec.get("dest")]
    if not isinstance(dests, list) or len(dests) != len(paths):
        dests = [None] * len(paths)
    copies = []
    for path, dest in zip(paths, dests, strict=True):
        relative = home_relative(path, place.source, place.where)
        name = posixpath.basename(relative) if dest is None else dest
        copies.append((relative, _file_name(name, place.source, f"{place.where}.dest")))
    return copies


def compile_test_suite(result: object, expected: object, options: dict[str, Any], place: Place) -> Getter:
    """The getter whose command runs the test file (``expected``, a ``cloud_file``) against the
    agent's files (``result``, a ``vm_file``); every rule checked now, when the task is loaded."""
    source, where = place.source, place.where
    if not isinstance(result, dict) or result.get("type") != "vm_file":
        raise OSWorldTaskError(
            source,
            f"{where}.result",
            "`check_python_file_by_test_suite` tests the files a `vm_file` getter names",
        )
    if not isinstance(expected, dict) or expected.get("type") != "cloud_file" or expected.get("multi"):
        raise OSWorldTaskError(
            source,
            f"{where}.expected",
            "`check_python_file_by_test_suite` takes its test file from one `cloud_file`",
        )
    test_path = Path(str(compile_getter(expected, place).read(None)))  # type: ignore[arg-type]
    test = test_path.read_bytes()
    if len(test) > MAX_TEST_BYTES:
        raise OSWorldTaskError(
            source,
            f"{where}.expected",
            f"the test file {test_path.name} has {len(test)} bytes; "
            f"at most {MAX_TEST_BYTES} are handed to the desktop",
        )
    function = options.get("test_function_name", "test")
    if not isinstance(function, str) or not function.isidentifier():
        raise OSWorldTaskError(
            source, f"{where}.options", f"`test_function_name` must be a Python name, got {function!r}"
        )
    copies = _copies(result, place)
    test_name = _file_name(expected.get("dest") or test_path.name, source, f"{where}.expected.dest")
    names = [name for _, name in copies] + [test_name]
    if len(set(names)) != len(names):
        raise OSWorldTaskError(source, where, f"the files' `dest` names must differ, got {names}")
    argv: tuple[str, ...] = ("python3", "-c", RUNNER, test.hex(), test_name, function)
    argv += tuple(part for pair in copies for part in pair)

    def read(outcome: Any) -> CommandResult | None:
        return outcome.command_results.get(argv)

    return Getter("python_test_suite", read, (argv,))
