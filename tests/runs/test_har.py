"""The network trace an official episode keeps as evidence (`runs.har`): no secret in the file,
the fields WebArena-Verified's checks read kept as sent, at most `max_entries` entries (the latest),
and a file that Verified's own HAR loader reads."""

from __future__ import annotations

import json
from pathlib import Path

from palaestra.redaction import remember
from palaestra.runs import har
from palaestra.tasks.webarena.official_task import har_record

MULTIPART = (
    '--XyZ\r\nContent-Disposition: form-data; name="user[login]"\r\n\r\nbyteblaze\r\n'
    '--XyZ\r\nContent-Disposition: form-data; name="user[password]"\r\n\r\nhello1234\r\n--XyZ--\r\n'
)


def posted(mime: str, text: str) -> dict[str, object]:
    sent = {"content-type": mime, "referer": "http://gitlab.test/users/sign_in"}
    return har_record("POST", "http://gitlab.test/users/sign_in", sent, 302, {"location": "/"}, text)


def test_secrets_are_replaced_and_what_verified_reads_is_kept() -> None:
    remember(["sk-known-secret-value"])  # a secret this process knows, wherever it reappears
    sent = {
        "cookie": "_gitlab_session=3f9a8b7c; _osm_directions_engine=fossgis_osrm_bicycle",
        "authorization": "Bearer abc.def.ghi", "x-csrf-token": "Zm9vYmFy", "referer": "http://map.test/",
        "accept": "text/html", "x-note": "sk-known-secret-value",
    }  # fmt: skip
    got = {"set-cookie": "_gitlab_session=3f9a8b7c; path=/; HttpOnly\nlang=en; path=/", "location": ""}
    entry = har_record("GET", "http://map.test/route?private_token=tok123&q=a", sent, 200, got)
    headers = {h["name"]: h["value"] for h in har.redacted_entry(entry)["request"]["headers"]}
    assert headers == {
        "cookie": "_gitlab_session=[redacted]; _osm_directions_engine=fossgis_osrm_bicycle",
        "authorization": "[redacted]", "x-csrf-token": "[redacted]", "referer": "http://map.test/",
        "accept": "text/html", "x-note": "[redacted]",
    }  # fmt: skip
    out = har.redacted_entry(entry)
    assert out["request"]["url"] == "http://map.test/route?private_token=[redacted]&q=a"
    assert out["response"]["cookies"] == [
        {"name": "_gitlab_session", "value": "[redacted]", "path": "/", "httpOnly": True},
        {"name": "lang", "value": "[redacted]", "path": "/"},
    ]
    assert (
        out["response"]["headers"][0]["value"]
        == "_gitlab_session=[redacted]; path=/; HttpOnly\nlang=[redacted]; path=/"
    )

    form = har.redacted_entry(
        posted("application/x-www-form-urlencoded", "user=byteblaze&password=hello1234&q=1")
    )
    assert form["request"]["postData"]["text"] == "user=byteblaze&password=[redacted]&q=1"
    body = json.dumps({"note": {"note": "lgtm", "authenticity_token": "t0k3n-value"}})
    posted_json = har.redacted_entry(posted("application/json", body))["request"]["postData"]["text"]
    assert json.loads(posted_json) == {"note": {"note": "lgtm", "authenticity_token": "[redacted]"}}
    multipart = har.redacted_entry(posted("multipart/form-data; boundary=XyZ", MULTIPART))
    text = multipart["request"]["postData"]["text"]
    assert (
        "hello1234" not in text and "byteblaze" in text and 'name="user[password]"\r\n\r\n[redacted]' in text
    )
    unchanged = "qty=1&product=42&form_key=abc"  # Magento's form_key is not a secret by name: kept as sent
    assert (
        har.redacted_entry(posted("application/x-www-form-urlencoded", unchanged))["request"]["postData"][
            "text"
        ]
        == unchanged
    )


def test_the_file_keeps_the_latest_entries_says_how_many_it_dropped_and_verified_reads_it(
    tmp_path: Path,
) -> None:
    entries = [
        har_record("GET", f"http://gitlab.test/page/{i}", {"accept": "text/html"}, 200, {}) for i in range(5)
    ]
    entries.append(posted("text/plain", "x" * (har.MAX_POST_CHARS + 10)))
    kept = har.write(tmp_path / har.NETWORK, entries, max_entries=4)
    assert kept == {"file": "network.har", "entries": 4, "dropped": 2}
    log = json.loads((tmp_path / har.NETWORK).read_text())["log"]
    assert log["version"] == "1.2" and log["_palaestra"] == {"entries": 4, "dropped": 2}
    assert [e["request"]["url"][-1] for e in log["entries"][:3]] == ["2", "3", "4"]
    post = log["entries"][3]["request"]["postData"]
    assert len(post["text"]) == har.MAX_POST_CHARS and "cut to" in post["comment"]
    assert har.read(tmp_path / har.NETWORK) == log["entries"]

    from webarena_verified.types.tracing import NetworkTrace

    trace = NetworkTrace.from_har(tmp_path / har.NETWORK)
    assert [e.url for e in trace.events][:3] == [f"http://gitlab.test/page/{i}" for i in (2, 3, 4)]
    assert trace.events[0].is_navigation_event
