"""structlog set-up: JSON lines by default, a readable console for development.

Everything the process logs goes through the same renderer to stderr: the app's
structlog events, and through `stderr_handler` on the stdlib root logger, the records of
libraries (werkzeug, urllib3, grpc) and gunicorn's error and access logs, which
gunicorn routes there by `gunicorn_logconfig` (its `logconfig_dict`, gunicorn.conf.py).
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping, MutableMapping
from typing import Any

import structlog

_Processor = structlog.typing.Processor
_ACCESS_LOGGER = "gunicorn.access"
# An access line's fields, from the "atoms" gunicorn passes as the access record's
# arguments (the letters of its `access_log_format`; a missing header reads "-").
MAX_ATOM_CHARS = 256
_ACCESS_ATOMS = {
    "method": "m",
    "path": "U",
    "status": "s",
    "bytes": "B",
    "remote_addr": "h",
    "forwarded_for": "{x-forwarded-for}i",
    "user_agent": "a",
    "trace_id": "{x-trace-id}o",
}


def _add_pid(logger: object, method_name: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    # Several gunicorn workers share one stderr: the pid tells their lines apart.
    event_dict.setdefault("pid", os.getpid())
    return event_dict


def _gunicorn_access_fields(
    logger: object, method_name: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """Turn a gunicorn access record into an `http.request` event with one field per atom."""
    args = event_dict.pop("positional_args", None)
    record = event_dict.get("_record")
    if getattr(record, "name", None) != _ACCESS_LOGGER or not isinstance(args, Mapping):
        return event_dict
    fields = {name: _atom(args[atom]) for name, atom in _ACCESS_ATOMS.items()}
    status = str(fields["status"])
    fields["status"] = int(status) if status.isdigit() else status
    event_dict.update(fields, event="http.request", duration_ms=round(args["D"] / 1000, 1))
    return event_dict


def _atom(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    # gunicorn escapes double quotes for its quoted text format; JSON escapes them itself.
    text = value.replace('\\"', '"')
    if text == "-":
        return None
    # A client chooses its path and User-Agent: 6,000 characters made 10 KB lines on endpoints
    # with no rate limit. The start says what it was.
    return text if len(text) <= MAX_ATOM_CHARS else text[:MAX_ATOM_CHARS] + "…"


_SHARED: list[_Processor] = [
    structlog.processors.add_log_level,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    _add_pid,
]


def _renderer(fmt: str) -> _Processor:
    return structlog.dev.ConsoleRenderer(colors=False) if fmt == "console" else structlog.processors.JSONRenderer()


class _CurrentStderr:
    """`sys.stderr` as it is at each write: test runners swap it between tests."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


_STDERR = _CurrentStderr()


def stderr_handler(fmt: str) -> logging.Handler:
    """Return a stdlib handler that renders records as the app's events: `json` or `console` lines on stderr."""
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[structlog.stdlib.add_logger_name, *_SHARED, _gunicorn_access_fields],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            _renderer(fmt),
        ],
        pass_foreign_args=True,  # gunicorn's access atoms, read by _gunicorn_access_fields
    )
    handler = logging.StreamHandler(_STDERR)
    handler.setFormatter(formatter)
    return handler


def configure_logging(level: str, fmt: str) -> None:
    """Configure structlog and the stdlib root logger for the whole process (idempotent)."""
    structlog.configure(
        processors=[
            # Values bound per request (trace id) live in contextvars, which are per greenlet.
            structlog.contextvars.merge_contextvars,
            *_SHARED,
            structlog.processors.format_exc_info,
            _renderer(fmt),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelNamesMapping()[level]),
        logger_factory=structlog.WriteLoggerFactory(_STDERR),  # type: ignore[arg-type]
        cache_logger_on_first_use=False,
    )
    root = logging.getLogger()
    # Every create_app configures logging again: replace our handler, never stack another.
    for handler in [h for h in root.handlers if getattr(h, "stream", None) is _STDERR]:
        root.removeHandler(handler)
    root.addHandler(stderr_handler(fmt))
    root.setLevel(level)


def gunicorn_logconfig(level: str, fmt: str) -> dict[str, Any]:
    """Return gunicorn's `logconfig_dict`: its error and access records go to `stderr_handler`."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "handlers": {"stderr": {"()": stderr_handler, "fmt": fmt}},
        "root": {"level": level, "handlers": ["stderr"]},
        # gunicorn gives both loggers plain-text handlers of their own: none, so records reach the root.
        "loggers": {
            "gunicorn.error": {"level": level, "handlers": [], "propagate": True},
            _ACCESS_LOGGER: {"level": "INFO", "handlers": [], "propagate": True},
        },
    }
