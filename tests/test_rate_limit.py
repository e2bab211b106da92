"""The per-client rate limit (app/api/rate_limit.py)."""

from __future__ import annotations

import pytest

from app.factory import create_app


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
