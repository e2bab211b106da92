"""GET /health and /api/v1/health (app/api/health.py)."""

from __future__ import annotations

from app.factory import create_app


def test_health_is_healthy_when_retrieval_holds_frames(client):
    for path in ("/health", "/api/v1/health"):
        body = client.get(path).get_json()
        assert body["status"] == "healthy"
        assert body["memvid_connected"] is True
        assert body["memvid_frame_count"] == 12
        assert body["memvid_backend"] == "grpc"
        assert body["llm"] == "openrouter"
        assert body["active_sessions"] == 0
        assert body["version"]
        assert body["retrieval_modes"] == ["lexical"]  # the fake has no semantic search


def test_health_degraded_when_retrieval_down(app_config, fake_memvid, scripted_answerer):
    fake_memvid.available = False
    client = create_app(app_config, memvid=fake_memvid, llm=scripted_answerer).test_client()

    body = client.get("/api/v1/health").get_json()

    assert body["status"] == "degraded"
    assert body["memvid_connected"] is False
    assert body["retrieval_modes"] == []


def test_health_degraded_when_retrieval_empty(app_config, fake_memvid, scripted_answerer):
    fake_memvid.frame_count = 0
    client = create_app(app_config, memvid=fake_memvid, llm=scripted_answerer).test_client()

    assert client.get("/api/v1/health").get_json()["status"] == "degraded"


def test_health_counts_sessions(client):
    client.post("/api/v1/chat", json={"message": "hi", "stream": False})
    assert client.get("/health").get_json()["active_sessions"] == 1
