"""The one JSON error shape (SPEC §3) for every non-2xx answer."""

from __future__ import annotations

import json

import structlog
from flask import Flask, Response, jsonify
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException

from app.api.hang_up import ClientGone, client_gone_response
from app.errors import (
    MethodNotAllowed,
    NotFound,
    PayloadTooLarge,
    RateLimited,
    RequestError,
    ServiceError,
    UnsupportedMediaType,
    retry_after_seconds,
    validation_message,
)
from app.telemetry.metrics import RATE_LIMITED

log = structlog.get_logger(__name__)

# Werkzeug's HTTP errors -> our coded errors (the sentences live in app.errors, once).
_HTTP_ERRORS: dict[int, type[ServiceError]] = {
    400: RequestError,
    404: NotFound,
    405: MethodNotAllowed,
    413: PayloadTooLarge,
    415: UnsupportedMediaType,
    429: RateLimited,
}


def error_response(error: ServiceError) -> Response:
    """Render a coded error as the JSON error body with its status."""
    response = jsonify(error.body())
    response.status_code = error.status
    if error.retry_after is not None:
        response.headers["Retry-After"] = str(retry_after_seconds(error.retry_after))
    return response


def validation_error_response(error: ValidationError) -> Response:
    """Render a pydantic validation failure as a 422 with one entry per broken field."""
    items = [
        {"field": ".".join(str(part) for part in item["loc"]) or "body", "message": validation_message(item)}
        for item in error.errors(include_url=False, include_input=False)
    ]
    summary = "; ".join(f"{item['field']}: {item['message']}" for item in items)
    return error_response(
        RequestError(f"The request is not valid ({summary}).", code="validation_error", status=422, errors=items)
    )


def _handle_service_error(error: ServiceError) -> Response:
    if error.status >= 500:
        log.warning("request.upstream_error", code=error.code, status=error.status)
    return error_response(error)


def _handle_http_error(error: HTTPException) -> Response:
    status = error.code or 500
    known = _HTTP_ERRORS.get(status)
    coded = known() if known else ServiceError(error.name, code=f"http_{status}", status=status)
    response = error_response(coded)
    for name, value in error.get_headers():
        if name.lower() in ("allow", "retry-after"):
            response.headers[name] = value
    if status == 429:
        RATE_LIMITED.inc()
    return response


def _handle_unexpected(error: Exception) -> Response:
    log.exception("request.unhandled_error", error_type=type(error).__name__)
    return error_response(ServiceError())


def _redirect_as_json(response: Response) -> Response:
    # Werkzeug's redirects (GET /docs -> /docs/swagger) carry a small HTML page; every
    # non-2xx body of this API is JSON (SPEC §3).
    location = response.headers.get("Location")
    if 300 <= response.status_code < 400 and location and response.mimetype == "text/html":
        response.set_data(json.dumps({"detail": f"This is now at {location}.", "code": "moved"}))
        response.mimetype = "application/json"
    return response


def init_app(app: Flask) -> None:
    """Register the error handlers, and JSON bodies for redirects."""
    app.register_error_handler(ServiceError, _handle_service_error)
    app.register_error_handler(ClientGone, client_gone_response)
    app.register_error_handler(HTTPException, _handle_http_error)
    app.register_error_handler(Exception, _handle_unexpected)
    app.after_request(_redirect_as_json)
