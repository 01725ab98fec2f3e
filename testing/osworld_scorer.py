"""Scores cases with OSWorld's own metric functions, in the venv ``scripts/setup`` makes for them.

Run by ``tests/tasks/test_osworld_against_osworld*.py`` with the Python of
``share/palaestra/venv-osworld`` (OSWorld's PyPI package ``desktop-env`` installed without its
dependencies, plus the few libraries its metric modules import). Reads a JSON list of cases on
stdin, each ``{"module": "table", "metric": "compare_table", "args": [result, expected],
"options": {...}}``, and prints a JSON list with, per case, ``{"score": float}`` or ``{"error":
"ExceptionType: message"}`` (OSWorld lets a metric's exception escape; the test says which it
expects).

The metric modules are loaded by file path under a private package name, so that the package's
``__init__`` (which imports every module, and with them torch-sized dependencies) never runs. The
modules' absolute imports of their siblings (``desktop_env.evaluators.metrics.utils``) are pointed
at the same private modules. Imports nothing of ours: what it prints is OSWorld's verdict.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import sys
import traceback
import types
from pathlib import Path
from typing import Any

PRIVATE = "osworld_metrics"
PUBLIC = "desktop_env.evaluators.metrics"


def metrics_folder() -> Path:
    """Where the installed ``desktop_env`` keeps its metric modules (found, not imported)."""
    spec = importlib.util.find_spec("desktop_env")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("desktop_env is not installed in this venv: run scripts/setup")
    return Path(next(iter(spec.submodule_search_locations))) / "evaluators" / "metrics"


def stub_easyocr() -> None:
    """docs.py imports easyocr at its top; easyocr downloads its recognition model the first time a
    Reader is made, which cannot happen offline. Only compare_image_text uses it, and no case here
    calls that metric: the stub's Reader refuses to be made, so a case that did would fail loudly."""

    class Reader:
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            raise RuntimeError("easyocr is stubbed in the differential tests (its model downloads)")

    module = types.ModuleType("easyocr")
    setattr(module, "Reader", Reader)  # noqa: B010
    sys.modules["easyocr"] = module


def offline_tldextract() -> None:
    """utils.compare_urls splits host names with tldextract, whose default extractor fetches the
    public suffix list from the internet on first use; this one reads the copy tldextract ships."""
    tldextract = importlib.import_module("tldextract")
    setattr(tldextract, "extract", tldextract.TLDExtract(suffix_list_urls=()))  # noqa: B010


def install_packages(folder: Path) -> None:
    """The private package (searched in OSWorld's folder, so relative imports find the files) and
    empty parents for the public name, so that nothing of ``desktop_env`` runs but our loads."""
    private = types.ModuleType(PRIVATE)
    private.__path__ = [str(folder)]
    sys.modules[PRIVATE] = private
    parts = PUBLIC.split(".")
    for depth in range(1, len(parts) + 1):
        parent = types.ModuleType(".".join(parts[:depth]))
        parent.__path__ = []
        sys.modules[parent.__name__] = parent


def load(folder: Path, name: str) -> types.ModuleType:
    """OSWorld's ``metrics/<name>.py``, loaded once, known by both names."""
    private_name = f"{PRIVATE}.{name}"
    if private_name in sys.modules:
        return sys.modules[private_name]
    spec = importlib.util.spec_from_file_location(private_name, folder / f"{name}.py")
    if spec is None or spec.loader is None:
        raise SystemExit(f"no OSWorld metric module {name!r} in {folder}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[private_name] = module
    sys.modules[f"{PUBLIC}.{name}"] = module
    spec.loader.exec_module(module)
    return module


def score(folder: Path, case: dict[str, Any]) -> dict[str, Any]:
    metric = getattr(load(folder, case["module"]), case["metric"])
    try:
        return {"score": float(metric(*case["args"], **case.get("options", {})))}
    except Exception as exc:  # OSWorld's metric raised: reported, the test decides
        traceback.print_exc(file=sys.stderr)
        return {"error": f"{type(exc).__name__}: {exc}"}


def main() -> None:
    folder = metrics_folder()
    stub_easyocr()
    offline_tldextract()
    install_packages(folder)
    load(folder, "utils")  # the others import it by its public name
    cases = json.load(sys.stdin)
    with contextlib.redirect_stdout(sys.stderr):  # OSWorld's metrics print as they go
        verdicts = [score(folder, case) for case in cases]
    print(json.dumps(verdicts))


if __name__ == "__main__":
    main()
