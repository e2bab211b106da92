"""Every bad input gets a clear JSON error with the right status (SPEC §3)."""

from __future__ import annotations

import pytest

CHAT = "/api/v1/chat"
JSON = "application/json"


@pytest.mark.parametrize(
    ("body", "content_type", "status", "code"),
    [
        (b"{not json", JSON, 400, "invalid_json"),
        (b"\xff\xfe{}", JSON, 400, "invalid_json"),
        (b"[" * 5000 + b"]" * 5000, JSON, 400, "invalid_json"),
        (b'{"message": "hi"}', "text/plain", 415, "unsupported_media_type"),
        (b'{"message": "hi"}', None, 415, "unsupported_media_type"),
        (b'{"message": "hi"}', "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
        (b"{}", JSON, 422, "validation_error"),
        (b'{"message": ""}', JSON, 422, "validation_error"),
        (b'{"message": "   \\n\\t "}', JSON, 422, "validation_error"),
        (b'{"message": 42}', JSON, 422, "validation_error"),
        (b'{"message": null}', JSON, 422, "validation_error"),
        (b'{"message": "' + b"x" * 2001 + b'"}', JSON, 422, "validation_error"),
        (b'{"message": "hi", "stream": "no"}', JSON, 422, "validation_error"),
        (b'{"message": "hi", "stream": 1}', JSON, 422, "validation_error"),
        (b'{"message": "hi", "session_id": "not-a-uuid"}', JSON, 422, "validation_error"),
        (b'{"message": "hi", "session_id": 7}', JSON, 422, "validation_error"),
        (b'["message", "hi"]', JSON, 422, "validation_error"),
        (b'"hi"', JSON, 422, "validation_error"),
        (b"null", JSON, 422, "validation_error"),
        (b'{"message": "' + b"x" * 270_000 + b'"}', JSON, 413, "payload_too_large"),
    ],
)
def test_bad_chat_input(client, body, content_type, status, code):
    headers = {"Content-Type": content_type} if content_type else {}

    response = client.post(CHAT, data=body, headers=headers)

    assert response.status_code == status
    assert response.mimetype == "application/json"
    payload = response.get_json()
    assert payload["code"] == code
    assert isinstance(payload["detail"], str)
    assert payload["detail"]
    assert "Traceback" not in response.get_data(as_text=True)


def test_validation_error_names_the_field(client):
    response = client.post(CHAT, json={"message": "hi", "stream": "no"})

    payload = response.get_json()
    assert payload["errors"] == [{"field": "stream", "message": "Input should be a valid boolean"}]
    assert "stream" in payload["detail"]


def test_unknown_fields_are_ignored(client):
    response = client.post(CHAT, json={"message": "hi", "stream": False, "extra": {"a": 1}})
    assert response.status_code == 200


def test_json_with_charset_is_accepted(client):
    response = client.post(
        CHAT, data=b'{"message": "hi", "stream": false}', headers={"Content-Type": "application/json; charset=utf-8"}
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/nope", 404, "not_found"),
        ("GET", "/api/v1/chat", 405, "method_not_allowed"),
        ("DELETE", "/api/v1/health", 405, "method_not_allowed"),
        ("POST", "/api/v1/profile", 405, "method_not_allowed"),
        # A doubled slash is no alias: Werkzeug redirected it (308) to a URL built from the Host header.
        ("POST", "/api//v1/chat", 404, "not_found"),
        ("GET", "/api/v1//health", 404, "not_found"),
    ],
)
def test_unknown_paths_and_methods(client, method, path, status, code):
    response = client.open(path, method=method, headers={"Host": "evil.example"})

    assert response.status_code == status
    assert response.get_json()["code"] == code
    assert "Location" not in response.headers
    if status == 405:
        assert "Allow" in response.headers
