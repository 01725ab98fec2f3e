"""`palaestra.testing.loopback` over real sockets: what a handler's ``reply`` sends, where ``serve``
listens, and that nothing listens once its block ends."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request

import pytest

from palaestra.testing.loopback import QuietHandler, serve


class Replies(QuietHandler):
    """One reply of each kind, chosen by path."""

    def do_GET(self) -> None:
        if self.path == "/bytes":
            self.reply(200, b"\x00raw")
        elif self.path == "/text":
            self.reply(201, "<h1>caf\u00e9</h1>")
        elif self.path == "/json-string":
            self.reply(200, json.dumps("token"), "application/json")
        elif self.path == "/typed":
            self.reply(200, "plain", "text/plain", headers={"Set-Cookie": "s=1; Path=/"})
        else:
            self.reply(404, {"missing": self.path})


def fetch(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as answer:
            return answer.status, dict(answer.headers), answer.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_reply_sends_bytes_text_and_json_with_their_type_and_length(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with serve(Replies) as served:
        assert served.url == f"http://127.0.0.1:{served.port}"
        cases = {
            path: fetch(served.url + path) for path in ("/bytes", "/text", "/json-string", "/typed", "/x")
        }
    status, headers, body = cases["/bytes"]
    assert (status, headers["Content-Type"], body) == (200, "application/octet-stream", b"\x00raw")
    status, headers, body = cases["/text"]
    assert (status, headers["Content-Type"], body) == (
        201,
        "text/html; charset=utf-8",
        "<h1>café</h1>".encode(),
    )
    assert headers["Content-Length"] == str(len(body))
    assert cases["/json-string"][1]["Content-Type"] == "application/json"
    assert json.loads(cases["/json-string"][2]) == "token"
    status, headers, body = cases["/typed"]
    assert (headers["Content-Type"], headers["Set-Cookie"], body) == ("text/plain", "s=1; Path=/", b"plain")
    status, headers, body = cases["/x"]
    assert (status, headers["Content-Type"], json.loads(body)) == (404, "application/json", {"missing": "/x"})
    assert capsys.readouterr().err == ""  # quiet: no request log


def test_serve_listens_on_the_host_asked_and_closes_its_socket_on_exit() -> None:
    with serve(Replies) as first, serve(Replies, host="127.0.0.2", port=first.port) as second:
        assert second.url == f"http://127.0.0.2:{first.port}"
        assert fetch(second.url + "/bytes")[2] == b"\x00raw"
    for host in ("127.0.0.1", "127.0.0.2"):
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection((host, first.port), timeout=10).close()
