"""Checks a request must pass before its view runs: its path's slashes, and what a JSON body
must pass before pydantic sees it (pydantic cannot tell these apart)."""

from __future__ import annotations

from typing import Any

import gevent
import structlog
from flask import current_app, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.exceptions import BadRequest, HTTPException

from app.errors import (
    BodyTooSlow,
    InvalidJSON,
    NotFound,
    PayloadTooLarge,
    RequestError,
    ServiceError,
    UnsupportedMediaType,
)
from app.strict_json import strict_json_loads

log = structlog.get_logger(__name__)

ENCODED_BODY = "Send the body uncompressed: this service accepts no Content-Encoding."
OTHER_CHARSET = "Send the body as UTF-8: JSON is UTF-8 text (RFC 8259), so charset may only be utf-8."
TOO_DEEP = "The request body nests too deeply to be read: send one flat JSON object."


class StrictJSONProvider(DefaultJSONProvider):
    """Flask's JSON, parsing request bodies with `strict_json_loads`."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return strict_json_loads(s, **kwargs)


def body_is_encoded() -> bool:
    """Whether the client declared a compressed body, which would otherwise be read as raw JSON (RFC 7694)."""
    encodings = request.headers.get("Content-Encoding", "").replace(",", " ").split()
    return any(encoding.casefold() != "identity" for encoding in encodings)


def refuse_doubled_slashes() -> None:
    """Answer a path with an empty segment ("/api//v1/chat", "//api/v1/chat") as unknown: 404.

    Werkzeug merged "a//b" and redirected (308) to a URL it built from the Host header, so to
    any host a client named, and without nginx's port; it strips leading slashes before
    matching, so "//api/v1/chat" was served. Read from PATH_INFO: `request.path` is stripped too.
    """
    if "//" in request.environ.get("PATH_INFO", ""):
        raise NotFound()


def require_json_body() -> None:
    """Reject a POST whose body is not JSON: 415 for the content type, 400 for the bytes."""
    if request.method != "POST":
        return
    if not request.is_json:
        raise UnsupportedMediaType()
    if body_is_encoded():
        raise UnsupportedMediaType(ENCODED_BODY, code="unsupported_content_encoding")
    if request.mimetype_params.get("charset", "utf-8").strip().casefold() not in ("utf-8", "utf8"):
        raise UnsupportedMediaType(OTHER_CHARSET)
    _refuse_cut_chunked_body(read_body())
    try:
        # Parsed once here; the validator reads the cached result. Oversized bodies with a
        # Content-Length raise 413 from get_data before parsing.
        body = request.get_json()
    except BadRequest:
        raise InvalidJSON() from None
    except RecursionError:
        # Deeply nested arrays are valid JSON syntax but blow the parser: SPEC's code, a truer reason.
        raise InvalidJSON(TOO_DEEP) from None
    if not isinstance(body, dict):
        # Checked here: given a JSON string, the validator would parse its text as JSON again.
        raise RequestError(
            "The request is not valid (body: send one JSON object).",
            code="validation_error",
            status=422,
            errors=[{"field": "body", "message": "Input should be a JSON object"}],
        )


def read_body() -> bytes:
    """Return the request body (read once, then cached); 400 when it cannot be read, 408 when it
    has not arrived within BODY_READ_TIMEOUT seconds."""
    try:
        with gevent.Timeout(current_app.config.get("BODY_READ_TIMEOUT"), BodyTooSlow()):
            return request.get_data(cache=True)
    except (HTTPException, ServiceError):
        raise  # already coded: 413 over the limit, 400 for a client gone mid-body, 408
    except Exception as exc:
        # The WSGI server's reader failed on what the client sent: gunicorn raises its own
        # parse errors (an invalid chunk size, a missing chunk terminator) from inside the read.
        log.warning("request.body_unreadable", error_type=type(exc).__name__)
        raise RequestError("The request body could not be read.") from None


def _refuse_cut_chunked_body(body: bytes) -> None:
    # A chunked body has no Content-Length: Werkzeug stops reading it at the limit and
    # hands over the first bytes as if they were all of it, so a 10 MB body would be
    # answered "invalid JSON" instead of "too large". A body that fills the limit is refused.
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if request.content_length is None and limit is not None and len(body) >= limit:
        raise PayloadTooLarge()
