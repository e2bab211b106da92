"""/admin/: the worker's sessions and caches behind ADMIN_TOKEN (app/api/admin.py)."""

from __future__ import annotations

import pytest

from app.factory import create_app
from tests.fakes import FakeMemvid, ScriptedAnswerer

TOKEN = "admin-secret-0123"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
def admin_client(app_config):
    config = {**app_config, "admin_token": TOKEN, "rate_limit_per_minute": 1}
    return create_app(config, memvid=FakeMemvid(), llm=ScriptedAnswerer()).test_client()


def chat(client) -> str:
    reply = client.post("/api/v1/chat", json={"message": "Kubernetes?", "stream": False})
    return str(reply.get_json()["session_id"])


def test_without_admin_token_there_is_no_admin_endpoint(client):
    assert client.get("/admin/caches", headers=AUTH).status_code == 404


@pytest.mark.parametrize("header", [None, "Bearer wrong", f"Bearer {TOKEN}x", TOKEN, f"bearer  {TOKEN}"])
def test_a_missing_or_wrong_token_is_refused(admin_client, header):
    headers = {"Authorization": header} if header else {}
    response = admin_client.get("/admin/sessions", headers=headers)
    assert response.status_code == 401
    assert response.get_json()["code"] == "admin_unauthorized"


def test_sessions_listed_shown_and_expired(admin_client):
    sid = chat(admin_client)

    listed = admin_client.get("/admin/sessions", headers=AUTH).get_json()
    assert [s["id"] for s in listed["sessions"]] == [sid]
    assert listed["worker"]["scope"] == "this worker's memory"
    shown = admin_client.get(f"/admin/sessions/{sid}", headers=AUTH).get_json()["session"]
    assert [m["role"] for m in shown["messages"]] == ["user", "assistant"]

    assert admin_client.delete(f"/admin/sessions/{sid}", headers=AUTH).status_code == 200
    missing = admin_client.get(f"/admin/sessions/{sid}", headers=AUTH)
    assert (missing.status_code, missing.get_json()["code"]) == (404, "session_not_found")


def test_stats_and_clear(admin_client):
    chat(admin_client)
    caches = {row["name"]: row for row in admin_client.get("/admin/caches", headers=AUTH).get_json()["caches"]}
    assert set(caches) == {"sessions", "retrieval", "profile", "health"}
    assert (caches["sessions"]["entries"], caches["sessions"]["misses"]) == (1, 1)
    assert (caches["sessions"]["evictions"], caches["sessions"]["expiries"]) == (0, 0)
    assert caches["sessions"]["memory_bytes"] > 0

    cleared = admin_client.delete("/admin/caches/sessions", headers=AUTH).get_json()["cleared"]
    assert cleared == {"sessions": 1}
    assert admin_client.delete("/admin/caches/nope", headers=AUTH).get_json()["code"] == "cache_not_found"
    assert set(admin_client.delete("/admin/caches", headers=AUTH).get_json()["cleared"]) == set(caches)


def test_admin_is_not_rate_limited(admin_client):
    chat(admin_client)
    assert admin_client.post("/api/v1/chat", json={"message": "again", "stream": False}).status_code == 429
    assert all(admin_client.get("/admin/caches", headers=AUTH).status_code == 200 for _ in range(5))
