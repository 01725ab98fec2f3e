"""An episode's network events kept as evidence: a HAR 1.2 file, secrets out, size bounded.

WebArena-Verified judges an official task's episode by the requests it sent (URL, method, a few
headers, the posted form or JSON) and their responses' status and redirect; the task records them
live as HAR entries (`tasks.webarena.official_task.har_entry`). `write` keeps them for
`palaestra judge` in a file any HAR reader opens (one entry a line, so that `grep` reads it too),
after two rules:

- **Secrets out.** Cookie values (the `Cookie` and `Set-Cookie` headers, HAR's cookie lists),
  `Authorization` and every other header, query or posted field named like a secret
  (`redaction.is_secret_key`: `authenticity_token`, `password`, `x-csrf-token`...), and any secret
  value this process knows, wherever it appears (`redaction`). Two cookies keep their values,
  as Verified's checks read them and they hold no secret: `_osm_directions_engine`, the map's
  router (car, bicycle or foot), in the request's `Cookie` header (tasks 267, 268, 759 and 760),
  and `mage-messages`, the shop's next message ("... has been added to your wish list"), among
  the response's cookies (tasks 511-515).
- **Bounded.** Responses' bodies are never recorded; a posted text longer than `MAX_POST_CHARS`
  is cut (and says so); at most `MAX_ENTRIES` entries are kept, the latest ones, since Verified's
  checks read the last event that matches, and the number dropped is in the file (`_palaestra`)
  and in the evidence record.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from palaestra.files import write_whole
from palaestra.redaction import REDACTED, is_secret_key, redact_text

NETWORK = "network.har"
#: Entries kept per episode (about 2 KB each): a page load sends one to a few; WebArena allows 30 steps.
MAX_ENTRIES = 1000
#: Posted text kept per request; a file upload's body beyond this is cut.
MAX_POST_CHARS = 64_000
#: Cookies whose values Verified's checks read, and which hold no secret (see the module's doc).
KEPT_COOKIES = frozenset({"_osm_directions_engine", "mage-messages"})
_MULTIPART_FIELD = re.compile(
    r'(name="(?P<name>[^"]+)"[^\r\n]*\r\n(?:[^\r\n]+\r\n)*\r\n)(?P<value>.*?)(?=\r\n--)', re.S
)


def write(path: Path, entries: Sequence[Mapping[str, Any]], max_entries: int = MAX_ENTRIES) -> dict[str, Any]:
    """`entries` (the latest `max_entries` of them), redacted, as a HAR 1.2 file at `path`, written
    whole or not at all; returns what the evidence record keeps of it."""
    dropped = max(0, len(entries) - max_entries)
    kept = [redacted_entry(e) for e in entries[dropped:]]
    log = {"version": "1.2", "creator": {"name": "palaestra", "version": "1"}, "pages": [],
           "_palaestra": {"entries": len(kept), "dropped": dropped}}  # fmt: skip
    head = json.dumps({"log": log}, ensure_ascii=False)[:-2]  # open: the entries go in before `}}`
    lines = ",\n".join(json.dumps(e, ensure_ascii=False, separators=(",", ":")) for e in kept)
    write_whole(path, f'{head}, "entries": [\n{lines}\n]}}}}\n')
    return {"file": path.name, "entries": len(kept), "dropped": dropped}


def read(path: Path) -> list[dict[str, Any]]:
    """The entries of a HAR file (`OSError` or `ValueError` when it is missing or not HAR)."""
    document = json.loads(path.read_text())
    entries = document["log"]["entries"] if isinstance(document, dict) and "log" in document else None
    if not isinstance(entries, list):
        raise ValueError(f"{path} is not a HAR file (no log.entries)")
    return entries


def redacted_entry(entry: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of one HAR entry with its secrets replaced (see the module's doc)."""
    out = dict(entry)
    request = dict(entry.get("request") or {})
    request["url"] = _url(str(request.get("url", "")))
    request["headers"] = [_header(h) for h in request.get("headers") or []]
    request["cookies"] = [_pair(c, cookie=True) for c in request.get("cookies") or []]
    request["queryString"] = [_pair(q) for q in request.get("queryString") or []]
    if isinstance(request.get("postData"), Mapping):
        request["postData"] = _post(request["postData"])
    response = dict(entry.get("response") or {})
    response["headers"] = [_header(h) for h in response.get("headers") or []]
    response["cookies"] = [_pair(c, cookie=True) for c in response.get("cookies") or []]
    if "redirectURL" in response:
        response["redirectURL"] = _url(str(response["redirectURL"]))
    out["request"], out["response"] = request, response
    return out


def _header(header: Mapping[str, Any]) -> dict[str, Any]:
    name, value = str(header.get("name", "")), str(header.get("value", ""))
    lowered = name.lower()
    if lowered == "cookie":
        value = "; ".join(_cookie(part.strip()) for part in value.split(";") if part.strip())
    elif lowered == "set-cookie":  # Playwright joins several with new lines; attributes stay
        value = "\n".join(_set_cookie(line) for line in value.split("\n"))
    elif is_secret_key(name):
        value = REDACTED if value else value
    elif lowered in ("referer", "location"):
        value = _url(value)
    else:
        value = _text(value)
    return {**header, "name": name, "value": value}


def _url(url: str) -> str:
    """A URL with the values of its secret-named query parameters replaced (`?private_token=...`)."""
    rest, hash_, fragment = url.partition("#")
    base, sep, query = rest.partition("?")
    return _text(base + sep + _form(query) + hash_ + fragment)


def _form(text: str) -> str:
    """Form-encoded fields (a query, a posted form) with secret-named ones' values replaced, and
    every other byte as it was sent."""
    pieces = []
    for piece in text.split("&"):
        key, sep, value = piece.partition("=")
        hidden = sep and value and is_secret_key(urllib.parse.unquote_plus(key))
        pieces.append(f"{key}={REDACTED}" if hidden else piece)
    return "&".join(pieces)


def _text(text: str) -> str:
    """Known secret values, ``key=value`` secrets and bearer credentials out of a header or URL."""
    return redact_text(text)


def _cookie(pair: str) -> str:
    name, sep, _ = pair.partition("=")
    return pair if not sep or name.strip() in KEPT_COOKIES else f"{name}={REDACTED}"


def _set_cookie(line: str) -> str:
    first, sep, attributes = line.partition(";")
    return _cookie(first.strip()) + sep + attributes


def _pair(item: Mapping[str, Any], cookie: bool = False) -> dict[str, Any]:
    """A HAR name/value pair (a cookie, a query or form parameter) with a secret value replaced."""
    name, value = str(item.get("name", "")), item.get("value", "")
    hidden = (cookie and name not in KEPT_COOKIES) or is_secret_key(name)
    return {**item, "value": REDACTED if hidden and value else _text(str(value))}


def _post(post: Mapping[str, Any]) -> dict[str, Any]:
    mime, text = str(post.get("mimeType", "")).lower(), post.get("text")
    out = {**post, "params": [_pair(p) for p in post.get("params") or []]} if "params" in post else dict(post)
    if not isinstance(text, str):
        return out
    if len(text) > MAX_POST_CHARS:
        out["comment"] = f"cut to {MAX_POST_CHARS} of its {len(text)} characters"
        text = text[:MAX_POST_CHARS]
    if "x-www-form-urlencoded" in mime:
        text = _form(text)
    elif "json" in mime:
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if data is not None and _masked(data) != data:
            text = json.dumps(_masked(data), ensure_ascii=False)
    elif "multipart/form-data" in mime:
        text = _MULTIPART_FIELD.sub(
            lambda m: m.group(1) + (REDACTED if is_secret_key(m.group("name")) else m.group("value")), text
        )
    out["text"] = _text(text)  # the fields named like secrets are replaced above, at any length
    return out


def _masked(value: Any) -> Any:
    """JSON with the values under secret-named keys replaced, at any depth."""
    if isinstance(value, dict):
        return {
            k: REDACTED if is_secret_key(str(k)) and v not in (None, "") else _masked(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_masked(v) for v in value]
    return value
