"""lxterminal tasks: organise files and answer questions with a shell, judged by the files left in
HOME (and, for questions, by the answer together with the terminal's own text, through AT-SPI)."""

from __future__ import annotations

import io
import os
import random
import re
import stat
import tarfile
from collections.abc import Generator
from typing import Any

from palaestra.tasks.base import Evaluation
from palaestra.tasks.desktop.base import DesktopOutcome, DesktopSetup, DesktopTask, verdict
from palaestra.tasks.desktop.oracles import oracle, quoted

APP = (("lxterminal",),)
WORDS = ["apple", "river", "stone", "cloud", "maple", "tiger", "lemon", "orbit", "piano", "quartz"]


class TerminalTask(DesktopTask):
    """A shell task in lxterminal; subclasses draw the files and say what must hold at the end."""

    short = ""

    def __init__(self) -> None:
        self.name = f"desktop.{self.short}"
        self.params: dict[str, Any] = {}

    def setup(self, rng: random.Random) -> DesktopSetup:
        goal, files, self.params = self.draw(rng)
        return DesktopSetup(goal=goal + " Use the terminal.", apps=APP, files=files)

    def draw(self, rng: random.Random) -> tuple[str, dict[str, bytes | str], dict[str, Any]]:
        raise NotImplementedError

    def evaluate(self, outcome: DesktopOutcome) -> Evaluation:
        return verdict(self.check(outcome), **self.params)

    def check(self, outcome: DesktopOutcome) -> bool:
        raise NotImplementedError


class MakeDirs(TerminalTask):
    """Create a nested folder path."""

    short = "term-mkdir"

    def draw(self, rng: random.Random) -> tuple[str, dict[str, bytes | str], dict[str, Any]]:
        path = "/".join(rng.sample(WORDS, 3))
        return f"Create the folder '{path}' (with its parents) in your home folder.", {}, {"path": path}

    def check(self, outcome: DesktopOutcome) -> bool:
        return outcome.path(self.params["path"]).is_dir()


class WriteFile(TerminalTask):
    """Create a file holding one given line."""

    short = "term-write-file"

    def draw(self, rng: random.Random) -> tuple[str, dict[str, bytes | str], dict[str, Any]]:
        name, line = f"{rng.choice(WORDS)}.txt", " ".join(rng.sample(WORDS, 4))
        return (
            f"Create the file '{name}' in your home folder holding exactly the line '{line}'.",
            {},
            {"name": name, "line": line},
        )

    def check(self, outcome: DesktopOutcome) -> bool:
        return outcome.read_text(self.params["name"]) in (self.params["line"], self.params["line"] + "\n")


class MoveByExtension(TerminalTask):
    """Move every file with one extension from one folder into another."""

    short = "term-move-logs"

    def draw(self, rng: random.Random) -> tuple[str, dict[str, bytes | str], dict[str, Any]]:
        logs = [f"inbox/{w}.log" for w in rng.sample(WORDS, 3)]
        others = [f"inbox/{w}.txt" for w in rng.sample(WORDS, 2)]
        files: dict[str, bytes | str] = {p: f"{p}\n" for p in logs + others}
        return (
            "Move every '.log' file from the folder 'inbox' into a new folder 'logs'.",
            files,
            {"logs": [p.split("/")[1] for p in logs], "others": [p.split("/")[1] for p in others]},
        )

    def check(self, outcome: DesktopOutcome) -> bool:
        moved = all(
            outcome.path(f"logs/{n}").is_file() and not outcome.path(f"inbox/{n}").exists()
            for n in self.params["logs"]
        )
        return moved and all(outcome.path(f"inbox/{n}").is_file() for n in self.params["others"])


class Archive(TerminalTask):
    """Pack a folder into a gzip tar archive."""

    short = "term-archive"

    def draw(self, rng: random.Random) -> tuple[str, dict[str, bytes | str], dict[str, Any]]:
        names = sorted(f"project/{w}.py" for w in rng.sample(WORDS, 3))
        return (
            "Make a gzip-compressed tar archive 'backup.tar.gz' of the folder 'project'.",
            {n: f"# {n}\n" for n in names},
            {"names": names},
        )

    def check(self, outcome: DesktopOutcome) -> bool:
        try:
            data = outcome.path("backup.tar.gz").read_bytes()
            with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
                members = {m.name.removeprefix("./") for m in archive.getmembers() if m.isfile()}
        except (OSError, tarfile.TarError):
            return False
        return set(self.params["names"]) <= members


class RenameExtension(TerminalTask):
    """Rename every .jpeg file of a folder to .jpg."""

    short = "term-rename-ext"

    def draw(self, rng: random.Random) -> tuple[str, dict[str, bytes | str], dict[str, Any]]:
        stems = rng.sample(WORDS, 3)
        return (
            "Rename every '.jpeg' file in the folder 'photos' so that it ends in '.jpg' instead.",
            {f"photos/{s}.jpeg": s for s in stems},
            {"stems": stems},
        )

    def check(self, outcome: DesktopOutcome) -> bool:
        return all(
            outcome.read_text(f"photos/{s}.jpg") == s and not outcome.path(f"photos/{s}.jpeg").exists()
            for s in self.params["stems"]
        )


class MakeExecutable(TerminalTask):
    """Make a script executable."""

    short = "term-chmod"

    def draw(self, rng: random.Random) -> tuple[str, dict[str, bytes | str], dict[str, Any]]:
        name = f"{rng.choice(WORDS)}.sh"
        return (
            f"Make the script '{name}' in your home folder executable.",
            {name: "#!/bin/sh\necho hi\n"},
            {"name": name},
        )

    def check(self, outcome: DesktopOutcome) -> bool:
        path = outcome.path(self.params["name"])
        return path.is_file() and bool(os.stat(path).st_mode & stat.S_IXUSR)


class DeleteEmpty(TerminalTask):
    """Delete the empty files of a folder, keeping the others."""

    short = "term-delete-empty"

    def draw(self, rng: random.Random) -> tuple[str, dict[str, bytes | str], dict[str, Any]]:
        empty, full = rng.sample(WORDS, 3), rng.sample(WORDS, 2)
        full = [f"{w}-kept" for w in full]
        files: dict[str, bytes | str] = {f"scratch/{w}": "" for w in empty}
        files |= {f"scratch/{w}": "data\n" for w in full}
        return (
            "Delete every empty file in the folder 'scratch' and keep the others.",
            files,
            {"empty": empty, "full": full},
        )

    def check(self, outcome: DesktopOutcome) -> bool:
        gone = not any(outcome.path(f"scratch/{w}").exists() for w in self.params["empty"])
        return gone and all(outcome.path(f"scratch/{w}").is_file() for w in self.params["full"])


class Question(TerminalTask):
    """Answer a question about a file: the answer must be right and be shown in the terminal."""

    def check(self, outcome: DesktopOutcome) -> bool:
        expected = str(self.params["answer"])
        said = any(re.search(rf"(?<![\d.]){re.escape(expected)}(?![\d.])", m) for m in outcome.messages)
        shown = any(
            re.search(rf"(?<![\d.]){re.escape(expected)}(?![\d.])", t) for t in outcome.texts("terminal")
        )
        return said and shown


class CountLines(Question):
    """Count the lines of a file and report the number."""

    short = "term-count-lines"

    def draw(self, rng: random.Random) -> tuple[str, dict[str, bytes | str], dict[str, Any]]:
        count = rng.randint(40, 400)
        lines = "".join(f"{rng.choice(WORDS)} {i}\n" for i in range(count))
        return (
            (
                "How many lines does the file 'data/log.txt' have? Tell me the number with "
                "send_msg_to_user('<number>')."
            ),
            {"data/log.txt": lines},
            {"answer": count},
        )


class SumNumbers(Question):
    """Add up the numbers of a file and report the sum."""

    short = "term-sum-numbers"

    def draw(self, rng: random.Random) -> tuple[str, dict[str, bytes | str], dict[str, Any]]:
        numbers = [rng.randint(1, 999) for _ in range(rng.randint(30, 80))]
        return (
            (
                "What is the sum of the numbers in 'numbers.txt' (one per line)? Tell me with "
                "send_msg_to_user('<number>')."
            ),
            {"numbers.txt": "".join(f"{n}\n" for n in numbers)},
            {"answer": sum(numbers)},
        )


TASKS: dict[str, type[DesktopTask]] = {
    cls.short: cls
    for cls in (
        MakeDirs,
        WriteFile,
        MoveByExtension,
        Archive,
        RenameExtension,
        MakeExecutable,
        DeleteEmpty,
        CountLines,
        SumNumbers,
    )
}


# Oracles ---------------------------------------------------------------------------------------

COMMANDS = {
    "term-mkdir": "mkdir -p {0}",
    "term-write-file": "printf '%s\\n' '{1}' > {0}",
    "term-move-logs": "mkdir -p logs && mv inbox/*.log logs/",
    "term-archive": "tar czf backup.tar.gz project",
    "term-rename-ext": 'for f in photos/*.jpeg; do mv "$f" "${{f%.jpeg}}.jpg"; done',
    "term-chmod": "chmod +x {0}",
    "term-delete-empty": "find scratch -type f -empty -delete",
    "term-count-lines": "wc -l < data/log.txt",
    "term-sum-numbers": "awk '{{s += $1}} END {{print s}}' numbers.txt",
}


def terminal_oracle(obs: dict[str, Any]) -> Generator[str, dict[str, Any], None]:
    short = next(s for s, cls in TASKS.items() if cls.__doc__ and _matches(s, obs["goal"]))
    command = COMMANDS[short].format(*quoted(obs["goal"]))
    obs = yield f"write({command + chr(10)!r})"
    if short in ("term-count-lines", "term-sum-numbers"):
        text = next(e["value"] for e in obs["elements"] if e["role"] == "terminal")
        lines = [line for line in text.splitlines() if line.strip()]
        answer = lines[lines.index(next(line for line in lines if command in line)) + 1].strip()
        yield f"send_msg_to_user({answer!r})"


def _matches(short: str, goal: str) -> bool:
    keys = {
        "term-mkdir": "Create the folder",
        "term-write-file": "Create the file",
        "term-move-logs": "'.log'",
        "term-archive": "tar archive",
        "term-rename-ext": "'.jpeg'",
        "term-chmod": "executable",
        "term-delete-empty": "empty file",
        "term-count-lines": "How many lines",
        "term-sum-numbers": "sum of the numbers",
    }
    return keys[short] in goal


for _name in TASKS:
    oracle(_name)(terminal_oracle)
