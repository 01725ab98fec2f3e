"""Redacted logging keeps records that formatters read by their args working (uvicorn's access log)."""

from __future__ import annotations

import logging

from uvicorn.logging import AccessFormatter

from palaestra.redaction import REDACTED, redact_logs


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
