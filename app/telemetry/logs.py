"""structlog set-up: JSON lines by default, a readable console for development.

Everything the process logs goes through the same renderer to stderr: the app's
structlog events, stdlib loggers of libraries (werkzeug, urllib3, grpc), and gunicorn's
error and access logs (`GunicornLogger`, named by `logger_class` in gunicorn.conf.py).
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import MutableMapping
from datetime import timedelta
from typing import Any

import structlog
from gunicorn import glogging

_Processor = structlog.typing.Processor
_LEVELS = ("critical", "error", "warning", "info", "debug")


def _add_pid(logger: object, method_name: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    # Several gunicorn workers share one stderr: the pid tells their lines apart.
    event_dict.setdefault("pid", os.getpid())
    return event_dict


class _CurrentStderr:
    """`sys.stderr` as it is at each write: test runners swap it between tests."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


_STDERR = _CurrentStderr()


def configure_logging(level: str, fmt: str) -> None:
    """Configure structlog and the stdlib root logger for the whole process (idempotent)."""
    renderer: _Processor = (
        structlog.dev.ConsoleRenderer(colors=False) if fmt == "console" else structlog.processors.JSONRenderer()
    )
    shared: list[_Processor] = [
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _add_pid,
    ]
    structlog.configure(
        processors=[
            # Values bound per request (trace id) live in contextvars, which are per greenlet.
            structlog.contextvars.merge_contextvars,
            *shared,
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelNamesMapping()[level]),
        logger_factory=structlog.WriteLoggerFactory(_STDERR),  # type: ignore[arg-type]
        cache_logger_on_first_use=False,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[structlog.stdlib.add_logger_name, *shared],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )
    root = logging.getLogger()
    # Every create_app configures logging again: replace our handler, never stack another.
    for handler in [h for h in root.handlers if getattr(h, "stream", None) is _STDERR]:
        root.removeHandler(handler)
    handler = logging.StreamHandler(_STDERR)
    handler.setFormatter(formatter)
    root.addHandler(handler)
    root.setLevel(level)


def _format(msg: object, args: tuple[Any, ...]) -> str:
    if not args:
        return str(msg)
    try:
        return str(msg) % args
    except (TypeError, ValueError):
        return f"{msg} {args!r}"


def _response_header(resp: Any, name: str) -> str | None:
    lowered = name.lower()
    for key, value in getattr(resp, "headers", None) or ():
        if str(key).lower() == lowered:
            return str(value)
    return None


class GunicornLogger(glogging.Logger):
    """gunicorn's error and access logs as structlog events."""

    def setup(self, cfg: Any) -> None:
        """Configure logging in the master, before gunicorn logs its first line."""
        from app.config import load_settings

        self.cfg = cfg
        settings = load_settings()
        configure_logging(str(cfg.loglevel).upper(), settings.log_format)
        self._access_log_enabled = cfg.accesslog is not None
        for stdlib_logger in (self.error_log, self.access_log):
            # gunicorn's own handlers would print its plain-text format; ours renders JSON.
            stdlib_logger.handlers.clear()
            stdlib_logger.propagate = True

    def _emit(self, level: str, msg: object, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        # `extra` (statsd metric hints) is dropped; exc_info renders as a traceback field.
        exc_info = kwargs.get("exc_info")
        fields = {"exc_info": exc_info} if exc_info else {}
        # Looked up per line: the worker's create_app configures structlog again after the fork.
        getattr(structlog.get_logger(), level)(_format(msg, args), logger="gunicorn.error", **fields)

    def critical(self, msg: object, *args: Any, **kwargs: Any) -> None:
        self._emit("critical", msg, args, kwargs)

    def error(self, msg: object, *args: Any, **kwargs: Any) -> None:
        self._emit("error", msg, args, kwargs)

    def warning(self, msg: object, *args: Any, **kwargs: Any) -> None:
        self._emit("warning", msg, args, kwargs)

    def info(self, msg: object, *args: Any, **kwargs: Any) -> None:
        self._emit("info", msg, args, kwargs)

    def debug(self, msg: object, *args: Any, **kwargs: Any) -> None:
        self._emit("debug", msg, args, kwargs)

    def exception(self, msg: object, *args: Any, **kwargs: Any) -> None:
        self._emit("error", msg, args, {**kwargs, "exc_info": True})

    def log(self, lvl: int | str, msg: object, *args: Any, **kwargs: Any) -> None:
        if isinstance(lvl, str):
            lvl = self.LOG_LEVELS.get(lvl.lower(), logging.INFO)
        name = logging.getLevelName(lvl).lower()
        self._emit(name if name in _LEVELS else "info", msg, args, kwargs)

    def access(self, resp: Any, req: Any, environ: dict[str, Any], request_time: timedelta) -> None:
        """Log one finished request (streams too, when they end)."""
        if not self._access_log_enabled:
            return
        status = str(getattr(resp, "status", "") or "").split(" ", 1)[0]
        structlog.get_logger().info(
            "http.request",
            logger="gunicorn.access",
            method=environ.get("REQUEST_METHOD"),
            path=environ.get("PATH_INFO"),
            status=int(status) if status.isdigit() else status,
            bytes=getattr(resp, "sent", None),
            duration_ms=round(request_time.total_seconds() * 1000, 1),
            remote_addr=environ.get("REMOTE_ADDR"),
            forwarded_for=environ.get("HTTP_X_FORWARDED_FOR"),
            user_agent=environ.get("HTTP_USER_AGENT"),
            trace_id=_response_header(resp, "X-Trace-ID"),
        )
