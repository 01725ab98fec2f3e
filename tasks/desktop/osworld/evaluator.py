"""An OSWorld ``evaluator`` compiled into a judge of our desktop outcomes.

``func`` names one metric or a list of them; ``result``, ``expected`` and ``options`` are then one
spec each or lists of the same length (``options`` may also be one object for all); ``conj`` joins
the scores as OSWorld does: with ``and`` a zero fails the task, else the score is the mean; with
``or`` a one passes it, else the score is the best. A feasible task that the agent declared
infeasible (fail()) scores 0; an ``infeasible`` task scores 1 exactly when the agent declared so.

``postconfig`` holds the steps run on the live desktop before the verdict (`steps.plan_postconfig`).
One that acts (saves a file, closes a window) makes the task judged once, at the end of the episode
(`Judging.AT_END`), as OSWorld judges; one of sleeps only is dropped, and the task is judged after
every step. Everything unsupported is refused when the file is loaded.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from palaestra.tasks.desktop.base import DesktopOutcome
from palaestra.tasks.desktop.live_steps import LiveStep, RunCommand, acts
from palaestra.tasks.desktop.osworld.calc_rules import check_table_spec
from palaestra.tasks.desktop.osworld.errors import OSWorldTaskError, UnsupportedEvaluatorError
from palaestra.tasks.desktop.osworld.getters import Getter, Place, compile_getter
from palaestra.tasks.desktop.osworld.metric_spec import Metric
from palaestra.tasks.desktop.osworld.metrics import INFEASIBLE, METRICS, REFUSED_METRICS, SUPPORTED
from palaestra.tasks.desktop.osworld.steps import plan_postconfig
from palaestra.tasks.desktop.osworld.vscode_getters import VSCodeCommandError

#: What a getter or metric may raise on a result it cannot read (a binary file, a malformed CSV, a
#: path out of HOME, an editor that wrote no file): a score of 0.
UNREADABLE = (OSError, ValueError, TypeError, KeyError, IndexError, UnicodeError, VSCodeCommandError)
#: The getters that give a metric its rules (``rule_relativeTime``'s with dates filled in): their
#: rules are checked when the file is loaded.
RULE_GETTERS = frozenset({"rule", "rule_relativeTime"})


@dataclass(frozen=True)
class Check:
    name: str
    metric: Metric
    result: Getter
    expected: Getter | None
    options: dict[str, Any]

    def score(self, outcome: DesktopOutcome) -> tuple[float, dict[str, Any]]:
        # The getters read what the agent left, which the agent controls (a result file made a
        # link out of HOME, a folder where a file should be): what they cannot read scores 0 too.
        try:
            result = self.result.read(outcome)
            args = [result] if self.expected is None else [result, self.expected.read(outcome)]
            score = float(self.metric.fn(*args, **self.options))
        except UNREADABLE as exc:
            return 0.0, {"func": self.name, "score": 0.0, "error": f"{type(exc).__name__}: {exc}"}
        return score, {"func": self.name, "score": score}


@dataclass(frozen=True)
class Judge:
    checks: tuple[Check, ...] = ()
    conj: str = "and"
    infeasible: bool = False
    commands: tuple[tuple[str, ...], ...] = field(default=())
    #: The postconfig's steps, run before a verdict at the end; empty when it only sleeps.
    final_steps: tuple[LiveStep, ...] = ()
    #: Judged once, at the end, even without final steps: a check runs the agent's own code (a
    #: test suite), which must not run half-edited after every step, nor cost its time each step;
    #: or a getter types into an app's window (`Getter.at_end`).
    at_end: bool = False

    def score(self, outcome: DesktopOutcome) -> tuple[float, dict[str, Any]]:
        """The task's score (0 to 1) and what each check gave."""
        if self.infeasible:
            return float(outcome.failed), {"func": INFEASIBLE, "declared_infeasible": outcome.failed}
        if outcome.failed:
            return 0.0, {"reason": "the agent declared a feasible task infeasible"}
        scores, details = [], []
        for check in self.checks:
            score, detail = check.score(outcome)
            details.append(detail)
            if self.conj == "and" and score == 0.0:
                return 0.0, {"checks": details}
            if self.conj == "or" and score == 1.0:
                return 1.0, {"checks": details}
            scores.append(score)
        total = sum(scores) / len(scores) if self.conj == "and" else max(scores)
        return total, {"checks": details}


def _listed(value: Any, n: int, name: str, source: str, optional: bool = False) -> list[Any]:
    """``value`` as a list of ``n`` (one per metric); a single value stands for all when n is 1."""
    if value is None and optional:
        return [None] * n
    if isinstance(value, list):
        if len(value) != n:
            raise OSWorldTaskError(source, f"evaluator.{name}", f"has {len(value)} entries for {n} funcs")
        return value
    if n != 1 and name != "options":
        raise OSWorldTaskError(source, f"evaluator.{name}", f"must be a list of {n}, one per func")
    return [value] * n


def compile_judge(spec: object, place: Place) -> Judge:
    source = place.source
    if not isinstance(spec, dict):
        raise OSWorldTaskError(source, "evaluator", 'must be {"func": ..., "result": ..., ...}')
    funcs = spec.get("func")
    names = funcs if isinstance(funcs, list) else [funcs]
    if not names or not all(isinstance(n, str) for n in names):
        raise OSWorldTaskError(
            source, "evaluator.func", f"must be a metric name or a list of them, got {funcs!r}"
        )
    for i, name in enumerate(names):
        if name not in SUPPORTED:
            raise UnsupportedEvaluatorError(
                source, f"evaluator.func[{i}]", "metric", name, SUPPORTED, REFUSED_METRICS.get(name, "")
            )
    final = plan_postconfig(spec.get("postconfig"), source, place.cache)
    final = final if any(acts(s) for s in final) else ()
    conj = spec.get("conj", "and")
    if conj not in ("and", "or"):
        raise OSWorldTaskError(source, "evaluator.conj", f"must be 'and' or 'or', got {conj!r}")
    if names == [INFEASIBLE]:
        return Judge(infeasible=True, final_steps=final)
    if INFEASIBLE in names:
        raise OSWorldTaskError(source, "evaluator.func", "`infeasible` stands alone, never in a list")
    n = len(names)
    results = _listed(spec.get("result"), n, "result", source)
    expecteds = _listed(spec.get("expected"), n, "expected", source, optional=True)
    options = _listed(spec.get("options") or {}, n, "options", source)
    checks = []
    for i, (name, result, expected, opts) in enumerate(zip(names, results, expecteds, options, strict=True)):
        metric = METRICS[name]
        at = f"[{i}]" if isinstance(funcs, list) else ""
        got = compile_getter(result, _at(place, f"evaluator.result{at}"))
        want = compile_getter(expected, _at(place, f"evaluator.expected{at}")) if expected else None
        if metric.expected and want is None:
            raise OSWorldTaskError(source, f"evaluator.expected{at}", f"`{name}` needs an expected value")
        if metric.check_rules is not None and (want is None or want.kind not in RULE_GETTERS):
            raise OSWorldTaskError(
                source, f"evaluator.expected{at}", f'`{name}` takes its rules from a "rule" getter'
            )
        checked = _options(opts or {}, metric, name, source, at)
        if metric.check_options is not None:
            metric.check_options(checked, source, f"evaluator.options{at}")
        if metric.runs is not None:  # judged by a command run in the desktop session
            ran = metric.runs(result, expected, checked, _at(place, f"evaluator{at}"))
            checks.append(Check(name, metric, ran, None, {}))
            continue
        if name == "compare_table":
            check_table_spec(result, expected, checked, source, f"evaluator.func{at}")
        checks.append(Check(name, metric, got, want, checked))
        if want is not None and want.kind in RULE_GETTERS:
            _check_rules(want.read(None), metric, name, source, at)  # type: ignore[arg-type]
    _check_kept_outputs([*results, *expecteds], final, source)
    commands = tuple(c for check in checks for g in (check.result, check.expected) if g for c in g.commands)
    getters = [g for check in checks for g in (check.result, check.expected) if g]
    at_end = any(check.metric.runs is not None for check in checks) or any(g.at_end for g in getters)
    return Judge(tuple(checks), conj, False, tuple(dict.fromkeys(commands)), final, at_end)


def _check_kept_outputs(specs: list[Any], final: tuple[LiveStep, ...], source: str) -> None:
    """Every ``cache_file`` getter reads an output a postconfig command keeps (OSWorld's
    ``"stdout": NAME``): one that none keeps would read nothing, and score 0 whatever the agent did."""
    kept = {s.keep_output for s in final if isinstance(s, RunCommand) and s.keep_output}
    for spec in specs:
        if isinstance(spec, dict) and spec.get("type") == "cache_file":
            name = str(spec.get("path", "")).strip()
            if name not in kept:
                raise OSWorldTaskError(
                    source,
                    "evaluator",
                    f"`cache_file` reads {name!r}, which no postconfig command keeps: give the command "
                    f'that prints it "stdout": "{name}" (kept: {sorted(kept)})',
                )


def _at(place: Place, where: str) -> Place:
    return replace(place, where=where)


def _options(opts: object, metric: Metric, name: str, source: str, at: str) -> dict[str, Any]:
    if not isinstance(opts, dict):
        raise OSWorldTaskError(source, f"evaluator.options{at}", f"must be an object, got {opts!r}")
    for key, value in opts.items():
        if key not in metric.options and not (key in metric.refused_options and not value):
            kind = f"option of `{name}`"
            reason = metric.refused_options.get(key, "")
            raise UnsupportedEvaluatorError(
                source, f"evaluator.options{at}", kind, key, metric.options, reason
            )
    return {k: v for k, v in opts.items() if k in metric.options}


def _check_rules(rules: object, metric: Metric, name: str, source: str, at: str) -> None:
    if metric.check_rules is not None:
        metric.check_rules(rules, source, f"evaluator.expected{at}")
        return
    missing = [k for k in metric.rule_keys if not isinstance(rules, dict) or k not in rules]
    if missing:
        raise OSWorldTaskError(source, f"evaluator.expected{at}", f"`{name}` needs rules with {missing}")
