"""create_app only wires: it makes no network call and writes no file."""

from __future__ import annotations

import pytest

from app.components import components
from app.factory import create_app


def test_create_app_writes_no_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    index = tmp_path / "resume.mv2"

    app = create_app({"memvid_file": str(index)})

    assert components(app).retriever.backend_name == "embedded"
    assert list(tmp_path.iterdir()) == []


def test_the_api_description_is_valid_openapi():
    from openapi_spec_validator import validate

    validate(create_app({}).api_doc)


@pytest.mark.parametrize(("enabled", "status"), [(True, 200), (False, 404)])
def test_docs_can_be_turned_off(enabled, status):
    client = create_app({"docs_enabled": enabled}).test_client()

    assert client.get("/openapi.json").status_code == status
    assert client.get("/docs/swagger").status_code == status
    if not enabled:
        assert client.get("/docs").get_json()["code"] == "not_found"


def test_the_docs_redirect_has_a_json_body_not_an_html_page():
    response = create_app({}).test_client().get("/docs")

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/docs/swagger")
    assert response.get_json() == {"detail": "This is now at /docs/swagger.", "code": "moved"}
