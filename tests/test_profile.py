"""GET /api/v1/profile and /api/v1/suggested-questions (app/api/profile.py)."""

from __future__ import annotations

import pytest

from app.factory import create_app


def test_profile_hides_system_prompt(client):
    response = client.get("/api/v1/profile")

    assert response.status_code == 200
    body = response.get_json()
    assert body["name"] == "Ada Example"
    assert body["linkedin"] == ""
    assert body["skills"] == {"strong": ["Kubernetes"], "moderate": [], "gaps": ["COBOL"]}
    assert "system_prompt" not in body
    assert "SECRET" not in response.get_data(as_text=True)


def test_suggested_questions_in_order(client):
    body = client.get("/api/v1/suggested-questions").get_json()
    assert body == {
        "questions": [
            {"question": "What cloud work has Ada done?", "category": "general"},
            {"question": "Is Ada open to remote roles?", "category": "general"},
        ]
    }


@pytest.mark.parametrize("path", ["/api/v1/profile", "/api/v1/suggested-questions"])
@pytest.mark.parametrize(
    ("profile_json", "available", "status", "code"),
    [
        (None, True, 404, "profile_not_found"),
        ("{not json", True, 404, "profile_not_found"),
        ('{"name": "x"}', False, 503, "memvid_unavailable"),
    ],
)
def test_profile_errors(app_config, fake_memvid, scripted_answerer, path, profile_json, available, status, code):
    fake_memvid.profile_json = profile_json
    fake_memvid.available = available
    client = create_app(app_config, memvid=fake_memvid, llm=scripted_answerer).test_client()

    response = client.get(path)

    assert response.status_code == status
    assert response.get_json()["code"] == code


def test_profile_is_cached(app_config, fake_memvid, scripted_answerer):
    client = create_app(app_config, memvid=fake_memvid, llm=scripted_answerer).test_client()
    assert client.get("/api/v1/profile").status_code == 200
    fake_memvid.available = False
    assert client.get("/api/v1/profile").status_code == 200
