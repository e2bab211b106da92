"""Checks a JSON body must pass before pydantic sees it (pydantic cannot tell these apart)."""

from __future__ import annotations

from flask import request
from werkzeug.exceptions import BadRequest

from app.errors import InvalidJSON, UnsupportedMediaType


def require_json_body() -> None:
    """Reject a POST whose body is not JSON: 415 for the content type, 400 for the bytes."""
    if request.method != "POST":
        return
    if not request.is_json:
        raise UnsupportedMediaType()
    try:
        # Parsed once here; the validator reads the cached result. Oversized bodies raise
        # 413 from get_data before parsing.
        request.get_json()
    except (BadRequest, RecursionError):
        # RecursionError: deeply nested arrays are valid JSON syntax but blow the parser.
        raise InvalidJSON() from None
