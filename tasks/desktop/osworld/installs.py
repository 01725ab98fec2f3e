"""``pip install`` in a task's steps: nothing may download at run time here.

OSWorld's VM reaches PyPI, so a few of its tasks install a package their checking script needs
(``pip install cssselect``) in a postconfig. Here such a step must not run: it would download at
run time, and the desktop user's ``pip`` is Debian's, which refuses to install anyway. Where every
package it names is already installed in Palaestra's environment (whose Python the task's
``python`` runs), the step is dropped, as already done; otherwise the file is refused at load,
naming the packages to install beforehand.
"""

from __future__ import annotations

import importlib.metadata
import posixpath
import re
import shlex

from palaestra.tasks.desktop.osworld.errors import UnsupportedStepError

PIPS = ("pip", "pip3")
PYTHONS = ("python", "python3")
#: A requirement's distribution name (``cssselect``, ``Pillow>=10``, ``pkg[extra]``).
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def pip_install_packages(argv: tuple[str, ...]) -> list[str] | None:
    """The packages a ``pip install`` command names (as a list or a simple shell line), or None
    when the command is not one."""
    words = argv
    if argv[:2] == ("bash", "-c") and len(argv) == 3:
        try:
            words = tuple(shlex.split(argv[2]))
        except ValueError:
            return None
        if any(w in (";", "&&", "||", "|") for w in words):
            return None
    if not words:
        return None
    program = posixpath.basename(words[0])
    if program in PYTHONS and words[1:3] == ("-m", "pip"):
        rest = words[3:]
    elif program in PIPS:
        rest = words[1:]
    else:
        return None
    if not rest or rest[0] != "install":
        return None
    return [w for w in rest[1:] if not w.startswith("-")]


def already_installed(argv: tuple[str, ...], source: str, where: str) -> bool:
    """True for a ``pip install`` whose packages are all installed here (the step is dropped);
    False for any other command; `UnsupportedStepError` when a package is missing."""
    packages = pip_install_packages(argv)
    if packages is None:
        return False
    missing = []
    for requirement in packages:
        match = NAME.match(requirement)
        try:
            importlib.metadata.distribution(match.group(0) if match else requirement)
        except importlib.metadata.PackageNotFoundError:
            missing.append(requirement)
    if missing:
        raise UnsupportedStepError(
            source,
            where,
            "command",
            " ".join(argv),
            ("a pip install of packages already installed",),
            reason=f"it installs {', '.join(missing)} at run time, and nothing downloads at run time here: "
            "install them into Palaestra's environment beforehand (the task's python is its Python)",
        )
    return True
