"""Secrets out of everything a run records: API keys, tokens and passwords, by name and by value.

A run's records are meant to be shared (the HTML report is mailed and attached to issues), so a key
given as `--agent-arg api_key=...` must not reach `results.sqlite`, the reproducibility record, the
report, `palaestra show` or a log. Two rules, applied together:

- **by name**: a value stored under a secret-looking key (`api_key`, `token`, `password`,
  `client_secret`, `Authorization`...) is replaced, and so is `key=value` / `"key": "value"` text,
  and a URL's password (`https://user:[redacted]@host`);
- **by value**: every secret value this process has seen (`remember`: the run's agent arguments, and
  secret-named environment variables such as `OPENAI_API_KEY`) is replaced wherever it reappears,
  in an error message, a traceback or a model's prompt.

Counts of tokens are not secrets: `max_tokens`, `budget_tokens` and `tokens_in` keep their values.
This module is the one place that decides; the store, the reproducibility record, the report, the
CLI and the workers' logs all call it.
"""

from __future__ import annotations

import itertools
import logging
import os
import re
import threading
from collections.abc import Iterable, Mapping
from typing import Any

REDACTED = "[redacted]"
#: Shorter values are not searched for as text: they would blank out ordinary words.
MIN_SECRET_CHARS = 6

_SECRET_WORDS = frozenset(
    {
        "token", "password", "passwd", "passphrase", "secret", "credential", "credentials",
        "authorization", "cookie", "bearer", "apikey",
    }
)  # fmt: skip
_SECRET_PAIRS = frozenset(
    {("api", "key"), ("access", "key"), ("private", "key"), ("secret", "key"), ("session", "key"),
     ("client", "secret"), ("signing", "key"), ("encryption", "key")}
)  # fmt: skip
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
# `api_key=abc`, `"api_key": "abc"`, `token: abc` (a value runs to the next delimiter). A key is a
# whole run of name characters with a letter in it, taken possessively from the run's first
# character: matching could otherwise start at every letter of a long run (a base64 blob) and
# scan to its end each time, quadratic in the run's length.
_ASSIGNMENT = re.compile(
    r"""(?<![A-Za-z0-9_.-])(?P<key>["']?[0-9_.-]*+[A-Za-z][A-Za-z0-9_.-]*+["']?)(?P<sep>\s*[:=]\s*)"""
    r"""(?P<value>["'][^"'\n]*["']|[^\s,;&"'}\]\)]+)"""
)
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}")
_SCHEMES = frozenset({"bearer", "basic"})
# A password in a URL: `https://user:pw@proxy/v1`, `ws://user:TOKEN@host/ws` (how OpenEnv's client
# sends a server token). The user name stays readable; what follows its colon goes.
_URL_PASSWORD = re.compile(r"(?i)(?<![a-z0-9+.-])([a-z][a-z0-9+.-]*://[^\s/?#@:]*):[^\s/?#@]+@")
# An HTTP Authorization header's credential, as a page or a model may write one out
# (`Authorization: Bearer abc...`, `"Proxy-Authorization": "Basic ..."`, quotes JSON-escaped in a
# recorded line): after a scheme, 8 characters or more; without one, a token of 20 or more, so that
# a page's "Authorization: Required" stays as written.
_AUTH_HEADER = re.compile(
    r"""(?i)\b((?:proxy-)?authorization(?:\\?["'])?\s*[:=]\s*(?:\\?["'])?)"""
    r"""((?:bearer|basic|token)\s+[A-Za-z0-9._~+/=-]{8,}|[A-Za-z0-9._~+/=-]{20,})"""
)


def key_words(name: str) -> list[str]:
    """`OPENAI_API_KEY` -> `['openai', 'api', 'key']`; `apiKey` -> `['api', 'key']`."""
    return [w for w in re.split(r"[^a-z0-9]+", _CAMEL.sub("_", name).lower()) if w]


def is_secret_key(name: str) -> bool:
    """Whether a value stored under `name` is a secret (`api_key`, `hf_token`, `DB_PASSWORD`,
    `basic_auth`; but not `auth_mode`, whose last word says it is a setting)."""
    words = key_words(name)
    if any(w in _SECRET_WORDS for w in words) or words[-1:] == ["auth"]:
        return True
    return any(pair in _SECRET_PAIRS for pair in itertools.pairwise(words))


class Redactor:
    """Replaces secrets in text and in JSON-like values. Thread-safe; `remember` adds values."""

    def __init__(self, values: Iterable[str] = ()) -> None:
        self._values: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        self._lock = threading.Lock()
        self.remember(values)

    def remember(self, values: Iterable[Any]) -> None:
        """Treat each of `values` as a secret wherever it appears from now on."""
        fresh = {str(v) for v in values if v is not None and len(str(v)) >= MIN_SECRET_CHARS}
        with self._lock:
            if fresh - self._values:
                self._values |= fresh
                ordered = sorted(self._values, key=len, reverse=True)  # longest first: no partial leaks
                self._pattern = re.compile("|".join(map(re.escape, ordered)))

    def remember_mapping(self, values: Mapping[str, Any]) -> None:
        """Remember the values stored under secret-looking keys of `values` (nested too)."""
        self.remember(secret_values(values))

    def known(self, text: str) -> str:
        """`text` with the known secret values replaced, and nothing else: for page text and model
        prompts, where a page's own `password: ...` label is data, not a leak."""
        pattern = self._pattern
        return pattern.sub(REDACTED, text) if pattern is not None and text else text

    def recorded(self, text: str) -> str:
        """`text` with the known secret values replaced, and the credentials whose shape says what
        they are: an Authorization header's and a URL's password. For what a run records of pages and
        prompts (trajectories, actions, a refused prompt): a page's own `password: ...` label stays,
        as in `known`, but a token a page or model wrote out in a header or a URL does not."""
        text = self.known(text)
        if not text:
            return text
        text = _AUTH_HEADER.sub(_mask_header, text)
        return _URL_PASSWORD.sub(lambda m: f"{m.group(1)}:{REDACTED}@", text)

    def text(self, text: str) -> str:
        """`text` with every known secret value, `key=value` secret and bearer credential replaced."""
        text = self.known(text)
        if not text:
            return text
        text = _BEARER.sub(lambda m: f"{m.group(1)} {REDACTED}", text)
        text = _URL_PASSWORD.sub(lambda m: f"{m.group(1)}:{REDACTED}@", text)
        return _ASSIGNMENT.sub(_mask_assignment, text)

    def value(self, value: Any) -> Any:
        """A copy of a JSON-like `value` with secrets replaced: by key name in mappings, by value and
        by `key=value` form in every string (keys of mappings are kept)."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, Mapping):
            return {
                k: REDACTED if is_secret_key(str(k)) and v not in (None, "") else self.value(v)
                for k, v in value.items()
            }
        if isinstance(value, list | tuple):
            items = [self.value(v) for v in value]
            if _is_secret_pair(value):
                items[1] = REDACTED  # a (key, value) pair, as in AgentEntry.args
            return tuple(items) if isinstance(value, tuple) else items
        return value

    def argv(self, argv: Iterable[str]) -> list[str]:
        """A command line with secrets replaced: `k=v` arguments and the value after `--x-token`."""
        out: list[str] = []
        hide_next = False
        for arg in map(str, argv):
            if hide_next:
                out.append(REDACTED)
                hide_next = False
                continue
            name, sep, _ = arg.partition("=")
            if arg.startswith("-") and is_secret_key(name):
                hide_next = not sep
                out.append(f"{name}={REDACTED}" if sep else arg)
                continue
            out.append(self.text(arg))
        return out


def _is_secret_pair(items: list[Any] | tuple[Any, ...]) -> bool:
    """`("api_key", "sk-...")`: a key and its value, as agent arguments are kept (and as JSON has them)."""
    return len(items) == 2 and isinstance(items[0], str) and is_secret_key(items[0]) and items[1] != ""


def _mask_header(match: re.Match[str]) -> str:
    """An Authorization header with its scheme kept and its credential replaced."""
    scheme, _, credential = match.group(2).rpartition(" ")
    return f"{match.group(1)}{scheme + ' ' if scheme else ''}{REDACTED}" if credential else match.group(0)


def _mask_assignment(match: re.Match[str]) -> str:
    # The name starts at the run's first letter (`-_token` names `token`).
    if not is_secret_key(match.group("key").strip("\"'").lstrip("0123456789_.-")):
        return match.group(0)
    value = match.group("value")
    if value.strip("\"'").startswith(REDACTED[:-1]) or value.lower() in _SCHEMES:
        return match.group(0)  # a scheme (`Authorization: Bearer ...`): `_BEARER` takes what follows
    quote = value[0] if value[:1] in ("'", '"') else ""
    return f"{match.group('key')}{match.group('sep')}{quote}{REDACTED}{quote}"


def secret_values(values: Any) -> list[str]:
    """Values stored under secret-looking keys anywhere in a JSON-like value."""
    found: list[str] = []
    if isinstance(values, Mapping):
        for k, v in values.items():
            if is_secret_key(str(k)) and isinstance(v, str | int):
                found.append(str(v))
            else:
                found.extend(secret_values(v))
    elif isinstance(values, list | tuple):
        if _is_secret_pair(values):
            found.append(str(values[1]))
        else:
            for v in values:
                found.extend(secret_values(v))
    return found


def environment_secrets(environ: Mapping[str, str] | None = None) -> list[str]:
    """Values of secret-named environment variables (`OPENAI_API_KEY`, `HF_TOKEN`, ...)."""
    environ = os.environ if environ is None else environ
    return [value for name, value in environ.items() if value and is_secret_key(name)]


#: The process's redactor: it knows the environment's secrets and whatever `remember` was given.
SECRETS = Redactor(environment_secrets())


def remember(values: Iterable[Any]) -> None:
    """Add secret values to the process's redactor."""
    SECRETS.remember(values)


def redact(value: Any) -> Any:
    """`value` (text or JSON-like) with every secret the process knows replaced."""
    return SECRETS.value(value)


def redact_text(text: str) -> str:
    """`text` with known secret values, `key=value` secrets and bearer credentials replaced."""
    return SECRETS.text(text)


def redact_known(text: str) -> str:
    """`text` with the known secret values replaced (see `Redactor.known`)."""
    return SECRETS.known(text)


def redact_recorded(text: str) -> str:
    """`text` with the known secret values, Authorization headers' credentials and URLs' passwords
    replaced (see `Redactor.recorded`): what runs record of pages and prompts."""
    return SECRETS.recorded(text)


class _RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is logging's problem; leave it alone
            return True
        if redact_text(message) == message:
            return (
                True  # nothing to hide: the args stay, for formatters that read them (uvicorn's access log)
            )
        if isinstance(record.msg, str) and isinstance(record.args, tuple):  # hide each part, keep the shape
            msg = redact_text(record.msg)
            args = tuple(redact_text(a) if isinstance(a, str) else a for a in record.args)
            try:
                whole = msg % args if args else msg
            except (TypeError, ValueError):
                whole = ""
            if whole and redact_text(whole) == whole:
                record.msg, record.args = msg, args
                return True
        record.msg, record.args = redact_text(message), ()
        return True


_FILTER = _RedactingFilter()


def redact_logs() -> None:
    """Redact every log record of this process, whichever logger or handler it goes through."""
    factory = logging.getLogRecordFactory()
    if getattr(factory, "_palaestra_redacting", False):
        return

    def make(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = factory(*args, **kwargs)
        _FILTER.filter(record)
        return record

    make._palaestra_redacting = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(make)
