"""How the client talks HTTP (app/llm/transport.py): Retry-After and backoff, headers and
auth, the connection pool, proxies; through the client against the fake upstream of
tests/fake_llm.py and, for the exact outgoing request, the `responses` library."""

from __future__ import annotations

import logging
import threading

import pytest
import requests
import responses

from app.llm.openrouter import OpenRouterClient
from app.llm.transport import parse_retry_after, retry_delay
from tests.fake_llm import FakeLLMServer, http_error, stream
from tests.llm_client import ENDPOINT, SSE_BODY, MakeClient, collect, collect_until_error, tokens


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("3", 3.0),
        ("2.5", 2.5),
        ("0", 0.0),
        (None, None),
        ("soon", None),
        ("-1", None),
        ("nan", None),
        ("inf", None),
        ("1000000000", 3600.0),
        ("3600.5", 3600.0),
    ],
)
def test_parse_retry_after(value: str | None, seconds: float | None) -> None:
    assert parse_retry_after(value) == seconds


@pytest.mark.parametrize(
    ("attempt", "retry_after", "delay"),
    [(0, None, 0.5), (1, None, 1.0), (3, None, 4.0), (10, None, 8.0), (0, 3.0, 3.0), (0, 10.0, 10.0), (0, 10.5, None)],
)
def test_retry_delay(attempt: int, retry_after: float | None, delay: float | None) -> None:
    assert retry_delay(attempt, retry_after) == delay


# -- Retry-After and backoff ---------------------------------------------------------------


def test_a_retry_after_longer_than_the_cap_is_not_waited_for(
    llm_server: FakeLLMServer, make_llm_client: MakeClient, retry_sleeps: list[float]
) -> None:
    llm_server.enqueue(http_error(429, retry_after=60), stream(["never"]))

    _, error = collect_until_error(make_llm_client(max_retries=2))

    assert (error.code, error.retry_after, retry_sleeps, len(llm_server.requests)) == (
        "llm_rate_limited",
        60.0,
        [],
        1,
    )


@pytest.mark.parametrize("value", ["soon", "Wed, 21 Oct 2026 07:28:00 GMT", "-1", "nan"])
def test_an_unusable_retry_after_falls_back_to_backoff(
    llm_server: FakeLLMServer, make_llm_client: MakeClient, retry_sleeps: list[float], value: str
) -> None:
    llm_server.enqueue(http_error(503, retry_after=value), stream(["ok"]))

    assert tokens(collect(make_llm_client())) == ["ok"]
    assert retry_sleeps == [0.5]


# -- headers and auth ----------------------------------------------------------------------


def test_an_empty_api_key_is_not_sent(make_llm_client: MakeClient) -> None:
    client = make_llm_client(base_url="https://openrouter.test/api/v1", api_key="")

    with responses.RequestsMock() as mock:
        mock.post(ENDPOINT, body=SSE_BODY, content_type="text/event-stream")
        collect(client)
        sent = mock.calls[0].request

    assert "Authorization" not in sent.headers


def test_non_ascii_and_multi_line_header_values_are_made_safe(
    llm_server: FakeLLMServer, make_llm_client: MakeClient
) -> None:
    collect(make_llm_client(title="Zoë's Résumé\r\nX-Evil: 1", referer="https://résumé.example/"))

    headers = llm_server.requests[0].headers
    assert headers["x-title"] == headers["x-openrouter-title"] == "Zo%C3%AB's R%C3%A9sum%C3%A9%0D%0AX-Evil: 1"
    assert headers["http-referer"] == "https://r%C3%A9sum%C3%A9.example/"
    assert "x-evil" not in headers


# -- the connection pool -------------------------------------------------------------------


def test_the_session_pool_holds_pool_size_connections_without_urllib3_retries(make_llm_client: MakeClient) -> None:
    client = make_llm_client(pool_size=37)
    adapter = client._endpoint._session.get_adapter("https://openrouter.ai/api/v1/chat/completions")

    assert isinstance(adapter, requests.adapters.HTTPAdapter)
    assert adapter.poolmanager.connection_pool_kw["maxsize"] == 37
    assert adapter.max_retries.total == 0


@pytest.mark.parametrize(("pool_size", "discarded"), [(12, False), (4, True)])
def test_concurrent_streams_up_to_pool_size_keep_their_connections(
    llm_server: FakeLLMServer,
    make_llm_client: MakeClient,
    caplog: pytest.LogCaptureFixture,
    pool_size: int,
    discarded: bool,
) -> None:
    llm_server.default = stream(["a"], first_token_delay=0.3)
    client = make_llm_client(pool_size=pool_size)
    results: list[list[str]] = []
    workers = [threading.Thread(target=lambda: results.append(tokens(collect(client)))) for _ in range(12)]

    with caplog.at_level(logging.WARNING, logger="urllib3.connectionpool"):
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=10)

    assert results == [["a"]] * 12
    assert len({request.client_port for request in llm_server.requests}) == 12
    assert ("Connection pool is full" in caplog.text) is discarded


def test_proxy_settings_are_read_once_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    llm = OpenRouterClient(
        base_url="https://openrouter.ai/api/v1", api_key="k", model="m", max_tokens=8, temperature=0.0,
        connect_timeout=2, read_timeout=5, max_retries=0, referer="r", title="t", pool_size=2,
    )  # fmt: skip

    assert llm._endpoint._session.proxies.get("https") == "http://proxy.example:3128"
    assert llm._endpoint._session.trust_env is False
