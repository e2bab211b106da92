"""The OpenAPI document and /docs, generated from the models (app/api/schemas.py)."""

from __future__ import annotations


def test_openapi_document_is_generated_from_models(client):
    spec = client.get("/openapi.json").get_json()

    assert spec["openapi"].startswith("3.")
    assert "/api/v1/chat" in spec["paths"]
    schema = spec["components"]["schemas"]["ChatRequest"]
    assert schema["properties"]["message"]["maxLength"] == 2000
    assert client.get("/docs", follow_redirects=True).status_code == 200
