"""`key=value` secrets in text, whatever glues the key; redacted logging keeps records that
formatters read by their args working (uvicorn's access log)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from uvicorn.logging import AccessFormatter

from palaestra.cli import main
from palaestra.redaction import REDACTED, redact_logs, redact_recorded, redact_text
from palaestra.server.auth import Auth, AuthError
from palaestra.testing import ScriptedLLMServer, reply_text

R = REDACTED


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("api_key=abc123", f"api_key={R}"), ('"api_key": "abc"', f'"api_key": "{R}"'),
        ("--api-key=zzz", f"--api-key={R}"), ("-_token=secret1", f"-_token={R}"),
        ("9token=abc", f"9token={R}"), ('abc"token": "x"', f'abc"token": "{R}"'),
        ("9:e.rno.token:.", f"9:e.rno.token:{R}"), ("x token: abcd", f"x token: {R}"),
        ("max_tokens=5", "max_tokens=5"), ("a9token=abc", "a9token=abc"),
        ("ab1" * 3000 + " password=hunter22", "ab1" * 3000 + f" password={R}"),
        # The scheme names how the credential after it is sent: the credential goes, the scheme stays.
        ("Authorization: Bearer s3cr3t-value", f"Authorization: Bearer {R}"),
        ("authorization=Basic dXNlcjpwYXNz", f"authorization=Basic {R}"),
        ("Authorization: Bearer", "Authorization: Bearer"),
        # A URL's password: the user name and address stay readable.
        ("https://alice:pw-2f9c@proxy.example/v1", f"https://alice:{R}@proxy.example/v1"),
        ("ws://user:T0KEN@10.0.0.5:8765/ws", f"ws://user:{R}@10.0.0.5:8765/ws"),
        ("http://host:8080/a@b", "http://host:8080/a@b"), ("mailto:x@y.org", "mailto:x@y.org"),
    ],
)  # fmt: skip
def test_key_value_secrets_are_found_where_the_key_starts(text: str, expected: str) -> None:
    """A key is the run of name characters from its first letter (``-_token`` names ``token``,
    ``a9token`` is a name of its own); a long blob before it is no obstacle."""
    assert redact_text(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Authorization: Bearer hdrtok-77aa88bb99cc x", f"Authorization: Bearer {R} x"),
        ('{\\"Authorization\\": \\"Basic dXNlcjpwYXNz\\"}', f'{{\\"Authorization\\": \\"Basic {R}\\"}}'),
        ("proxy-authorization=abcdefghijklmnopqrstuvwxyz1", f"proxy-authorization={R}"),
        ("see https://me:urlpw-31415@proxy.example/v1", f"see https://me:{R}@proxy.example/v1"),
        # What a page says is data: its labels and plain words stay, unlike in `redact_text`.
        ("Authorization: Required", "Authorization: Required"), ("password: hunter22", "password: hunter22"),
        ("basic household items", "basic household items"), ("token=abc123", "token=abc123"),
    ],
)  # fmt: skip
def test_recorded_pages_and_prompts_lose_header_credentials_and_url_passwords_only(
    text: str, expected: str
) -> None:
    """What a run records of pages and prompts (trajectories, actions, a refused prompt): a credential
    whose shape says what it is goes; a page's own labels stay (`Redactor.recorded`)."""
    assert redact_recorded(text) == expected


def test_the_servers_token_advice_survives_redaction() -> None:
    """A 401 recorded in a run (`palaestra eval --env-server`) said "needs a token: [redacted]
    `Authorization: [redacted] <token>`": its own advice looked like secrets."""
    with pytest.raises(AuthError) as refused:
        Auth(["s3cr3t-value"]).owner({})
    message = str(refused.value)
    assert redact_text(message) == message and "Authorization: Bearer <token>" in message


def _access_line(path: str) -> str:
    """What `palaestra serve` logs for one request, through uvicorn's own formatter."""
    redact_logs()
    record = logging.getLogRecordFactory()(
        "uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "POST", path, "1.1", 200), None,
    )  # fmt: skip
    return AccessFormatter('%(client_addr)s - "%(request_line)s" %(status_code)s', use_colors=False).format(
        record
    )


def test_an_access_log_line_formats_with_and_without_a_secret() -> None:
    assert _access_line("/sessions/abc/step") == '127.0.0.1:5000 - "POST /sessions/abc/step HTTP/1.1" 200 OK'
    line = _access_line("/sessions?token=s3cr3t-value-123")
    assert "s3cr3t" not in line and REDACTED in line and line.endswith('HTTP/1.1" 200 OK')


def test_a_password_in_an_endpoint_url_is_used_but_never_recorded(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An endpoint behind a proxy that takes its password in the URL (`--agent-arg
    base_url=https://user:PASSWORD@proxy/v1`) reached the run's database, its reproducibility
    record, the report and `palaestra show` as given."""
    password = "pw-8c1f0e5a77d3"
    run = tmp_path / "run"
    with ScriptedLLMServer(reply_text("noop(0)")) as server:
        base_url = server.base_url.replace("http://", f"http://alice:{password}@")
        argv = ["eval", "--agent", "synapse", "--agent-arg", "model=scripted-model",
                "--agent-arg", f"base_url={base_url}", "--tasks", "click-test", "--seeds", "0",
                "--workers", "1", "--max-steps", "1", "--no-screenshots", "--out", str(run)]  # fmt: skip
        assert main(argv) == 0
        assert server.chat_requests  # the endpoint was used, through its URL
    assert main(["show", str(run)]) == 0
    assert main(["report", str(run)]) == 0
    shown = capsys.readouterr()
    files = {str(p.relative_to(run)): p.read_bytes() for p in run.rglob("*") if p.is_file()}
    assert "results.sqlite" in files and "report/index.html" in files
    assert [name for name, data in files.items() if password.encode() in data] == []
    assert password not in shown.out + shown.err
    assert f"alice:{REDACTED}@127.0.0.1" in files["report/index.html"].decode()
