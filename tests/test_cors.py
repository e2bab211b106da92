"""Cross-origin pages (app/api/cors.py)."""

from __future__ import annotations

import pytest

from app.factory import create_app


@pytest.mark.parametrize("path", ["/api/v1/chat", "/api/v1/assess-fit", "/mcp"])
def test_a_browser_preflight_is_neither_counted_nor_refused(app_config, fake_memvid, scripted_answerer, path):
    # A page on an allowed origin sends OPTIONS before each POST: its chats are the limit, not half of it.
    app_config["rate_limit_per_minute"] = 2
    app_config["cors_origins"] = "https://resume.example"
    client = create_app(app_config, memvid=fake_memvid, llm=scripted_answerer).test_client()
    preflight = {
        "Origin": "https://resume.example",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    }

    before = [client.options(path, headers=preflight).status_code for _ in range(3)]
    chats = [client.post("/api/v1/chat", json={"message": "hi", "stream": False}).status_code for _ in range(3)]
    after = client.options(path, headers=preflight)

    assert before == [200, 200, 200]
    assert chats == [200, 200, 429]
    assert after.status_code == 200
    assert after.headers["Access-Control-Allow-Origin"] == "https://resume.example"
    # Kept 10 minutes by the browser, not Chromium's default 5 s: one preflight, not one per question.
    assert after.headers["Access-Control-Max-Age"] == "600"
    assert set(after.headers["Access-Control-Allow-Methods"].split(", ")) == {"GET", "POST", "OPTIONS"}
    assert "Content-Type" not in after.headers  # an empty body, not an empty HTML page


@pytest.mark.parametrize("path", ["/api/v1/chat", "/mcp", "/metrics", "/api/v1/health"])
@pytest.mark.parametrize("origins", ["", "https://resume.example"])
def test_options_without_a_preflight_says_allow_with_no_body_type(
    app_config, fake_memvid, scripted_answerer, path, origins
):
    # Flask's answer claimed `Content-Type: text/html; charset=utf-8` for its empty body.
    app_config["cors_origins"] = origins
    client = create_app(app_config, memvid=fake_memvid, llm=scripted_answerer).test_client()

    response = client.options(path, headers={"Origin": "https://resume.example"})

    assert (response.status_code, response.get_data()) == (200, b"")
    assert "OPTIONS" in response.headers["Allow"]
    assert "Content-Type" not in response.headers


def test_a_page_can_read_the_rate_limit_and_trace_headers(app_config, fake_memvid, scripted_answerer):
    app_config["cors_origins"] = "https://resume.example"
    client = create_app(app_config, memvid=fake_memvid, llm=scripted_answerer).test_client()

    response = client.post(
        "/api/v1/chat", json={"message": "hi", "stream": False}, headers={"Origin": "https://resume.example"}
    )

    exposed = {name.strip().lower() for name in response.headers["Access-Control-Expose-Headers"].split(",")}
    assert {"x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset", "retry-after", "x-trace-id"} <= exposed
    assert "X-RateLimit-Remaining" in response.headers
    assert "Origin" in response.headers["Vary"]


def test_cors_only_for_configured_origins(app_config, fake_memvid, scripted_answerer):
    app_config["cors_origins"] = "https://resume.example"
    client = create_app(app_config, memvid=fake_memvid, llm=scripted_answerer).test_client()

    allowed = client.get("/api/v1/health", headers={"Origin": "https://resume.example"})
    denied = client.get("/api/v1/health", headers={"Origin": "https://evil.example"})

    assert allowed.headers["Access-Control-Allow-Origin"] == "https://resume.example"
    assert "Access-Control-Allow-Origin" not in denied.headers
