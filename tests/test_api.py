"""Health, profile, suggested questions, trace ids, rate limit, metrics and docs."""

from __future__ import annotations

import pytest

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


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("abc-123_X.y", True),
        ("a" * 64, True),
        ("a" * 65, False),
        ("has space", False),
        ("<script>", False),
        ("", False),
    ],
)
def test_trace_id_kept_only_when_sane(client, sent, kept):
    response = client.get("/health", headers={"X-Trace-ID": sent})

    trace_id = response.headers["X-Trace-ID"]
    assert (trace_id == sent) is kept
    assert 1 <= len(trace_id) <= 64


def test_trace_id_on_errors(client):
    assert client.get("/missing").headers["X-Trace-ID"]
    assert client.post("/api/v1/chat", data="x").headers["X-Trace-ID"]


def test_rate_limit_on_chat_only(app_config, fake_memvid, scripted_answerer):
    app_config["rate_limit_per_minute"] = 2
    client = create_app(app_config, memvid=fake_memvid, llm=scripted_answerer).test_client()

    statuses = [client.post("/api/v1/chat", json={"message": "hi", "stream": False}).status_code for _ in range(3)]
    limited = client.post("/api/v1/chat", json={"message": "hi", "stream": False})

    assert statuses == [200, 200, 429]
    assert limited.get_json()["code"] == "rate_limited"
    assert int(limited.headers["Retry-After"]) > 0
    assert limited.headers["X-RateLimit-Limit"] == "2"
    assert limited.headers["X-RateLimit-Remaining"] == "0"
    assert "X-RateLimit-Reset" in limited.headers
    # Exempt endpoints keep answering.
    for path in ("/health", "/api/v1/profile", "/api/v1/suggested-questions", "/metrics", "/openapi.json"):
        assert client.get(path).status_code == 200, path


@pytest.mark.parametrize(
    ("first", "second", "same_client"),
    [
        ("2001:db8:1:2::1", "2001:db8:1:2:ffff::e", True),  # one subscriber's /64
        ("2001:db8:1:2::1", "2001:db8:1:3::1", False),  # the next /64: another subscriber
        ("::ffff:10.0.0.1", "10.0.0.1", True),  # an IPv4 client seen through an IPv6 socket
        ("10.0.0.1", "10.0.0.2", False),
    ],
)
def test_an_ipv6_client_is_counted_by_its_64_not_by_each_address(
    app_config, fake_memvid, scripted_answerer, first, second, same_client
):
    app_config["rate_limit_per_minute"] = 1
    client = create_app(app_config, memvid=fake_memvid, llm=scripted_answerer).test_client()
    body = {"message": "hi", "stream": False}

    statuses = [
        client.post("/api/v1/chat", json=body, environ_base={"REMOTE_ADDR": a}).status_code for a in (first, second)
    ]

    assert statuses == ([200, 429] if same_client else [200, 200])


def test_rate_limit_is_per_client_ip(app_config, fake_memvid, scripted_answerer):
    app_config["rate_limit_per_minute"] = 1
    client = create_app(app_config, memvid=fake_memvid, llm=scripted_answerer).test_client()
    body = {"message": "hi", "stream": False}

    first = client.post("/api/v1/chat", json=body, environ_base={"REMOTE_ADDR": "10.0.0.1"})
    other = client.post("/api/v1/chat", json=body, environ_base={"REMOTE_ADDR": "10.0.0.2"})
    # Without trusted proxies a client's own X-Forwarded-For is ignored.
    spoofed = client.post(
        "/api/v1/chat", json=body, environ_base={"REMOTE_ADDR": "10.0.0.1"}, headers={"X-Forwarded-For": "9.9.9.9"}
    )

    assert (first.status_code, other.status_code, spoofed.status_code) == (200, 200, 429)


def test_trusted_proxy_hop_gives_real_client(app_config, fake_memvid, scripted_answerer):
    app_config.update(rate_limit_per_minute=1, trusted_proxy_count=1)
    client = create_app(app_config, memvid=fake_memvid, llm=scripted_answerer).test_client()
    body = {"message": "hi", "stream": False}

    def post(forwarded: str) -> int:
        return client.post(
            "/api/v1/chat", json=body, environ_base={"REMOTE_ADDR": "127.0.0.1"}, headers={"X-Forwarded-For": forwarded}
        ).status_code

    assert post("1.2.3.4") == 200
    assert post("5.6.7.8") == 200
    assert post("9.9.9.9, 1.2.3.4") == 429  # a forged first hop does not escape the limit


def test_metrics_exposition(client):
    client.post("/api/v1/chat", json={"message": "hi"}).get_data()

    text = client.get("/metrics").get_data(as_text=True)

    assert 'chat_streams_total{outcome="completed"}' in text
    assert "flask_http_request_total" in text
    assert "chat_stream_duration_seconds_bucket" in text


def test_made_up_methods_get_their_405_but_no_metric_series_of_their_own(client):
    statuses = [client.open("/api/v1/health", method=f"XMADEUP{i}").status_code for i in range(3)]
    client.delete("/api/v1/health")

    text = client.get("/metrics").get_data(as_text=True)

    assert statuses == [405, 405, 405]
    assert "XMADEUP" not in text  # each would have been a new label value, without bound
    assert 'method="DELETE"' in text  # a method HTTP defines is still counted


def test_openapi_document_is_generated_from_models(client):
    spec = client.get("/openapi.json").get_json()

    assert spec["openapi"].startswith("3.")
    assert "/api/v1/chat" in spec["paths"]
    schema = spec["components"]["schemas"]["ChatRequest"]
    assert schema["properties"]["message"]["maxLength"] == 2000
    assert client.get("/docs", follow_redirects=True).status_code == 200


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
