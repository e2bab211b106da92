"""Logging: one JSON line per event, from structlog, the stdlib and gunicorn alike."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

import pytest
from gunicorn.config import Config

from app.telemetry.logs import GunicornLogger, configure_logging


def json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


class FakeResponse:
    status = "200 OK"
    sent = 123
    headers = [("Content-Type", "application/json"), ("X-Trace-ID", "t-42")]


@pytest.fixture
def gunicorn_logger() -> GunicornLogger:
    cfg = Config()
    cfg.set("accesslog", "-")
    return GunicornLogger(cfg)


def test_gunicorn_error_log_is_json(gunicorn_logger, capsys):
    gunicorn_logger.info("Booting worker with pid: %s", 4321)
    gunicorn_logger.warning("odd %s", "thing", extra={"metric": "x"})

    first, second = json_lines(capsys.readouterr().err)

    assert first["event"] == "Booting worker with pid: 4321"
    assert (first["logger"], first["level"]) == ("gunicorn.error", "info")
    assert {"timestamp", "pid"} <= first.keys()
    assert (second["event"], second["level"]) == ("odd thing", "warning")


def test_gunicorn_exception_carries_the_traceback(gunicorn_logger, capsys):
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        gunicorn_logger.exception("Error handling request")

    (line,) = json_lines(capsys.readouterr().err)

    assert line["level"] == "error"
    assert "RuntimeError: boom" in line["exception"]


def test_gunicorn_access_log_is_structured(gunicorn_logger, capsys):
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/api/v1/chat",
        "REMOTE_ADDR": "10.0.0.5",
        "HTTP_X_FORWARDED_FOR": "203.0.113.9",
        "HTTP_USER_AGENT": "curl/8",
    }

    gunicorn_logger.access(FakeResponse(), None, environ, timedelta(seconds=1, microseconds=250_000))

    (line,) = json_lines(capsys.readouterr().err)
    assert line["event"] == "http.request"
    assert line["logger"] == "gunicorn.access"
    assert (line["method"], line["path"], line["status"], line["bytes"]) == ("POST", "/api/v1/chat", 200, 123)
    assert line["duration_ms"] == 1250.0
    assert (line["remote_addr"], line["forwarded_for"]) == ("10.0.0.5", "203.0.113.9")
    assert line["trace_id"] == "t-42"


def test_access_log_off_when_gunicorn_has_none(capsys):
    quiet = GunicornLogger(Config())

    quiet.access(FakeResponse(), None, {"REQUEST_METHOD": "GET"}, timedelta(0))

    assert capsys.readouterr().err == ""


def test_stdlib_loggers_render_as_json_once(capsys):
    configure_logging("INFO", "json")
    configure_logging("INFO", "json")  # every create_app does this again

    logging.getLogger("urllib3.connectionpool").warning("Retrying %s", "request")

    (line,) = json_lines(capsys.readouterr().err)
    assert line == {**line, "event": "Retrying request", "logger": "urllib3.connectionpool", "level": "warning"}
