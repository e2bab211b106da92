"""Logging: one JSON line per event, from structlog, the stdlib and gunicorn alike."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

import pytest
import requests
from gunicorn.config import Config
from gunicorn.glogging import Logger

from app.telemetry.logs import MAX_ATOM_CHARS, configure_logging, gunicorn_logconfig
from tests.fake_memvid import FakeMemvidServer
from tests.servers import gunicorn


def json_lines(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


class FakeResponse:
    status = "200 OK"
    sent = 123
    headers = [("Content-Type", "application/json"), ("X-Trace-ID", "t-42")]


@pytest.fixture
def restored_logging():
    """Put back the root logger and gunicorn's loggers as they were: dictConfig changes them."""
    loggers = [logging.getLogger(name) for name in ("", "gunicorn.error", "gunicorn.access")]
    saved = [(logger, logger.handlers[:], logger.level, logger.propagate) for logger in loggers]
    yield
    for logger, handlers, level, propagate in saved:
        logger.handlers[:] = handlers
        logger.setLevel(level)
        logger.propagate = propagate


@pytest.fixture
def gunicorn_logger(restored_logging) -> Logger:
    """gunicorn's own logger class, configured the way gunicorn.conf.py configures it."""
    cfg = Config()
    cfg.set("logconfig_dict", gunicorn_logconfig("INFO", "json"))
    return Logger(cfg)


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


ENVIRON = {
    "REQUEST_METHOD": "POST",
    "RAW_URI": "/api/v1/chat",
    "PATH_INFO": "/api/v1/chat",
    "SERVER_PROTOCOL": "HTTP/1.1",
    "REMOTE_ADDR": "10.0.0.5",
    "HTTP_USER_AGENT": 'curl/8 "quoted"',
}


def test_gunicorn_access_log_is_structured(gunicorn_logger, capsys):
    headers = [("X-Forwarded-For", "203.0.113.9")]

    gunicorn_logger.access(FakeResponse(), headers, ENVIRON, timedelta(seconds=1, microseconds=250_000))

    (line,) = json_lines(capsys.readouterr().err)
    assert line["event"] == "http.request"
    assert line["logger"] == "gunicorn.access"
    assert (line["method"], line["path"], line["status"], line["bytes"]) == ("POST", "/api/v1/chat", 200, 123)
    assert line["duration_ms"] == 1250.0
    assert (line["remote_addr"], line["forwarded_for"]) == ("10.0.0.5", "203.0.113.9")
    assert line["user_agent"] == 'curl/8 "quoted"'
    assert line["trace_id"] == "t-42"
    assert "positional_args" not in line


def test_a_client_chosen_path_or_user_agent_is_cut_short_in_the_access_line(gunicorn_logger, capsys):
    environ = {**ENVIRON, "PATH_INFO": "/" + "p" * 4000, "RAW_URI": "/" + "p" * 4000, "HTTP_USER_AGENT": "u" * 6000}

    gunicorn_logger.access(FakeResponse(), [], environ, timedelta(seconds=1))

    (line,) = json_lines(capsys.readouterr().err)
    assert len(line["user_agent"]) == len(line["path"]) == MAX_ATOM_CHARS + 1  # and an ellipsis
    assert line["user_agent"].endswith("…")


def test_access_line_without_optional_headers_has_nulls(gunicorn_logger, capsys):
    class Bare(FakeResponse):
        headers = []

    gunicorn_logger.access(Bare(), [], {**ENVIRON, "HTTP_USER_AGENT": "x"}, timedelta(0))

    (line,) = json_lines(capsys.readouterr().err)
    assert (line["forwarded_for"], line["trace_id"], line["duration_ms"]) == (None, None, 0.0)


def test_gunicorn_lines_read_like_the_apps_in_console_format(restored_logging, capsys):
    cfg = Config()
    cfg.set("logconfig_dict", gunicorn_logconfig("INFO", "console"))

    Logger(cfg).access(FakeResponse(), [], ENVIRON, timedelta(milliseconds=5))

    (line,) = capsys.readouterr().err.splitlines()
    assert "http.request" in line
    assert "method=POST" in line
    assert "status=200" in line
    assert "trace_id=t-42" in line


def test_stdlib_loggers_render_as_json_once(capsys):
    configure_logging("INFO", "json")
    configure_logging("INFO", "json")  # every create_app does this again

    logging.getLogger("urllib3.connectionpool").warning("Retrying %s", "request")

    (line,) = json_lines(capsys.readouterr().err)
    assert line == {**line, "event": "Retrying request", "logger": "urllib3.connectionpool", "level": "warning"}


def test_every_line_of_a_real_gunicorn_is_json(tmp_path):
    memvid = FakeMemvidServer()
    memvid.start()
    try:
        with gunicorn({"MEMVID_GRPC_URL": memvid.target}, tmp_path) as service:
            requests.get(f"{service.url}/health", headers={"X-Trace-ID": "log-test-1"}, timeout=5)
            service.process.terminate()
            service.process.wait(timeout=15)
            lines = json_lines(service.log())
    finally:
        memvid.stop()

    events = [line["event"] for line in lines]
    assert "Booting worker with pid: " in " ".join(events)  # gunicorn's error log
    assert "grpc.gevent_ready" in events  # logged in the worker before its create_app
    (access,) = [line for line in lines if line.get("trace_id") == "log-test-1" and line["event"] == "http.request"]
    assert (access["method"], access["path"], access["status"]) == ("GET", "/health", 200)
    assert access["bytes"] > 0
    assert access["remote_addr"] == "127.0.0.1"
