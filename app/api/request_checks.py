"""Checks a JSON body must pass before pydantic sees it (pydantic cannot tell these apart)."""

from __future__ import annotations

from flask import current_app, request
from werkzeug.exceptions import BadRequest

from app.errors import InvalidJSON, PayloadTooLarge, UnsupportedMediaType


def require_json_body() -> None:
    """Reject a POST whose body is not JSON: 415 for the content type, 400 for the bytes."""
    if request.method != "POST":
        return
    if not request.is_json:
        raise UnsupportedMediaType()
    _refuse_cut_chunked_body()
    try:
        # Parsed once here; the validator reads the cached result. Oversized bodies with a
        # Content-Length raise 413 from get_data before parsing.
        request.get_json()
    except (BadRequest, RecursionError):
        # RecursionError: deeply nested arrays are valid JSON syntax but blow the parser.
        raise InvalidJSON() from None


def _refuse_cut_chunked_body() -> None:
    # A chunked body has no Content-Length: Werkzeug stops reading it at the limit and
    # hands over the first bytes as if they were all of it, so a 10 MB body would be
    # answered "invalid JSON" instead of "too large". A body that fills the limit is refused.
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if request.content_length is None and limit is not None and len(request.get_data(cache=True)) >= limit:
        raise PayloadTooLarge()
