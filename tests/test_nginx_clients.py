"""Whom deploy/nginx.conf counts as one client, on the real nginx in front of real gunicorn.

Loopback has one IPv6 address (::1), so the clients' addresses here are given to nginx the
way a load balancer in front of it would give them (realip, trusted from loopback only):
nginx then keys its limits, and forwards to the app, exactly those addresses.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator

import pytest
import requests

from tests.conftest import REQUIRE_SERVERS
from tests.deploy_stack import has_ipv6_loopback, log_lines, nginx, stack_env, upstreams
from tests.servers import Service, gunicorn

# Only for the tests: what a load balancer in front of nginx would do (deploy/nginx.conf's header).
CLIENT_FROM_HEADER = """
    set_real_ip_from 127.0.0.1;
    set_real_ip_from ::1;
    real_ip_header X-Real-IP;
"""
CONNECTIONS_PER_CLIENT = 64  # deploy/nginx.conf's limit_conn


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[tuple[Service, str]]:
    """gunicorn trusting one proxy hop, nginx in front of it; yields (service, nginx url)."""
    tmp = tmp_path_factory.mktemp("nginx-clients")
    with upstreams() as fakes:
        env = stack_env(*fakes, TRUSTED_PROXY_COUNT="1", RATE_LIMIT_PER_MINUTE="3")
        with (
            gunicorn(env, tmp) as api,
            nginx(f"127.0.0.1:{api.port}", tmp / "nginx", http_extra=CLIENT_FROM_HEADER) as proxy,
        ):
            yield api, proxy.url


def port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


def hold_connections(url: str, client: str, count: int) -> list[socket.socket]:
    """Open `count` requests from `client` that stay in progress (a body still to come)."""
    head = (
        "POST /api/v1/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        f"X-Real-IP: {client}\r\nContent-Length: 100\r\n\r\n{{"
    ).encode()
    held = []
    for _ in range(count):
        conn = socket.create_connection(("127.0.0.1", port_of(url)), timeout=5)
        conn.sendall(head)
        held.append(conn)
    time.sleep(0.3)  # nginx has read every head and counts each connection
    return held


def health_status_from(url: str, client: str) -> int:
    response = requests.get(url + "/api/v1/health", headers={"X-Real-IP": client, "Connection": "close"}, timeout=5)
    return response.status_code


@pytest.mark.parametrize(
    ("holder", "same_client", "other_client"),
    [
        ("2001:db8:1:2::a", "2001:db8:1:2:ffff::b", "2001:db8:1:3::a"),  # one /64, and the next /64
        ("192.0.2.10", "192.0.2.10", "192.0.2.11"),  # IPv4: each address is a client of its own
    ],
    ids=["ipv6-by-64", "ipv4-by-address"],
)
def test_connections_at_once_are_limited_per_client(stack, holder, same_client, other_client):
    _, url = stack
    held = hold_connections(url, holder, CONNECTIONS_PER_CLIENT)
    try:
        same = health_status_from(url, same_client)
        other = health_status_from(url, other_client)
    finally:
        for conn in held:
            conn.close()

    # Keyed by the whole IPv6 address, the /64's next address had 64 more connections of its own.
    assert same == 429
    assert other == 200


def forwarded_for(api: Service, path: str) -> set[str]:
    """The client addresses the app logged for `path` (its access line follows the answer)."""
    time.sleep(0.5)
    return {line.get("forwarded_for") or "" for line in log_lines(api.log_path) if line.get("path") == path}


def ask_from(url: str, client: str) -> int:
    response = requests.post(
        url + "/api/v1/chat",
        json={"message": "What cloud work has Ada done?", "stream": False},
        headers={"X-Real-IP": client},
        timeout=20,
    )
    return response.status_code


def test_the_app_behind_nginx_counts_an_ipv6_client_by_its_64(stack):
    api, url = stack

    allowed = [ask_from(url, f"2001:db8:5:6::{n}") for n in (1, 2, 3)]
    over = ask_from(url, "2001:db8:5:6:abcd::4")
    next_64 = ask_from(url, "2001:db8:5:7::1")

    assert (allowed, over, next_64) == ([200, 200, 200], 429, 200)  # RATE_LIMIT_PER_MINUTE=3
    # nginx forwarded each client's own address; the app's limiter grouped them (app/api/rate_limit.py).
    assert {"2001:db8:5:6::1", "2001:db8:5:6:abcd::4", "2001:db8:5:7::1"} <= forwarded_for(api, "/api/v1/chat")


def test_nginx_answers_on_ipv6_and_forwards_the_clients_address(stack):
    if not has_ipv6_loopback():
        message = "this machine cannot listen on ::1 (IPv6 is off)"
        if REQUIRE_SERVERS:
            pytest.fail(message + " (RESUME_API_REQUIRE_SERVERS=1)")
        pytest.skip(message)
    api, url = stack

    response = requests.get(f"http://[::1]:{port_of(url)}/api/v1/health", timeout=5)

    assert response.status_code == 200
    assert "::1" in forwarded_for(api, "/api/v1/health")
