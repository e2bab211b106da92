"""The OpenRouter client against a real local server (tests/fake_llm.py) and, for the exact
outgoing request, the `responses` library."""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import responses
import structlog
from prometheus_client import CollectorRegistry

from app.errors import LLM_ERRORS, LLMError
from app.llm.openrouter import OpenRouterClient
from app.llm.types import AnswerRequest, Finished, LLMEvent, Token, Usage
from app.telemetry.metrics import register_service_metrics
from tests.fake_llm import (
    FakeLLMServer,
    Pause,
    Scenario,
    Write,
    chunk,
    data_line,
    drop_after,
    http_error,
    raw,
    stall_after,
    stream,
)

API_KEY = "sk-or-v1-LEAKCANARY-7f3c9e1d2b4a"
REQUEST = AnswerRequest(
    messages=[
        {"role": "system", "content": "Answer from the resume only."},
        {"role": "user", "content": "What cloud experience does she have?"},
    ],
    question="What cloud experience does she have?",
)
USAGE = {"prompt_tokens": 11, "completion_tokens": 3, "total_tokens": 14, "cost": 0.00042}

MakeClient = Callable[..., OpenRouterClient]


@pytest.fixture
def server() -> Iterator[FakeLLMServer]:
    # Same as tests.fake_llm's `llm_server` fixture (which other modules register via
    # `pytest_plugins`); a local one avoids importing that module before pytest does.
    with FakeLLMServer() as fake:
        yield fake


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def make_client(server: FakeLLMServer, sleeps: list[float]) -> Iterator[MakeClient]:
    clients: list[OpenRouterClient] = []

    def make(**overrides: Any) -> OpenRouterClient:
        options: dict[str, Any] = {
            "base_url": server.base_url,
            "api_key": API_KEY,
            "model": "test/model",
            "max_tokens": 256,
            "temperature": 0.2,
            "connect_timeout": 1.0,
            "read_timeout": 2.0,
            "max_retries": 2,
            "referer": "https://resume.example",
            "title": "Resume Test",
            "pool_size": 4,
            "sleep": sleeps.append,
        }
        options.update(overrides)
        client = OpenRouterClient(**options)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


class Metrics:
    """Reads the service counters through a registry, as deltas from the test's start."""

    def __init__(self) -> None:
        self._registry = CollectorRegistry()
        register_service_metrics(self._registry)
        self._start = {key: self._read(*key) for key in self._keys()}

    def _keys(self) -> list[tuple[str, tuple[tuple[str, str], ...]]]:
        return [
            (sample.name, tuple(sorted(sample.labels.items())))
            for metric in self._registry.collect()
            for sample in metric.samples
        ]

    def _read(self, name: str, labels: tuple[tuple[str, str], ...]) -> float:
        return self._registry.get_sample_value(name, dict(labels)) or 0.0

    def delta(self, name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return self._read(*key) - self._start.get(key, 0.0)


@pytest.fixture
def metrics() -> Metrics:
    return Metrics()


def collect(client: OpenRouterClient) -> list[LLMEvent]:
    return list(client.stream(REQUEST))


def collect_until_error(client: OpenRouterClient) -> tuple[list[LLMEvent], LLMError]:
    events: list[LLMEvent] = []
    with pytest.raises(LLMError) as caught:
        events.extend(client.stream(REQUEST))  # keeps the events that came before the error
    return events, caught.value


def tokens(events: list[LLMEvent]) -> list[str]:
    return [event.text for event in events if isinstance(event, Token)]


# -- normal streams ---------------------------------------------------------------------


@pytest.mark.parametrize("comments", [False, True])
@pytest.mark.parametrize("usage_separate", [True, False], ids=["usage-only-final-chunk", "usage-in-finish-chunk"])
@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"], ids=["lf", "crlf", "cr"])
def test_stream_yields_tokens_then_one_finished(
    server: FakeLLMServer, make_client: MakeClient, comments: bool, usage_separate: bool, newline: str
) -> None:
    server.enqueue(stream(["Hel", "lo", " world"], usage=USAGE, usage_separate=usage_separate, comments=comments))

    events = collect(make_client())

    assert events == [
        Token("Hel"),
        Token("lo"),
        Token(" world"),
        Finished("stop", usage=Usage(11, 3, 14, 0.00042)),
    ]


def test_usage_is_counted_in_metrics(server: FakeLLMServer, make_client: MakeClient, metrics: Metrics) -> None:
    server.enqueue(stream(["a"], usage=USAGE))

    collect(make_client())

    assert metrics.delta("llm_requests_total", status="200") == 1
    assert metrics.delta("llm_tokens_total", kind="prompt") == 11
    assert metrics.delta("llm_tokens_total", kind="completion") == 3
    assert metrics.delta("llm_cost_total") == pytest.approx(0.00042)


def test_stream_without_usage_finishes_with_none(server: FakeLLMServer, make_client: MakeClient) -> None:
    server.enqueue(stream(["a"], usage=None, finish_reason="length"))

    assert collect(make_client())[-1] == Finished("length", usage=None)


def test_done_without_finish_reason_is_a_normal_end(server: FakeLLMServer, make_client: MakeClient) -> None:
    server.enqueue(raw(data_line(chunk("a")), data_line("[DONE]")))

    assert collect(make_client()) == [Token("a"), Finished("stop", usage=None)]


def test_finish_reason_without_done_is_a_normal_end(server: FakeLLMServer, make_client: MakeClient) -> None:
    server.enqueue(stream(["a"], usage=None, done=False))

    assert collect(make_client()) == [Token("a"), Finished("stop", usage=None)]


def test_empty_and_null_deltas_yield_no_token(server: FakeLLMServer, make_client: MakeClient) -> None:
    null_content = chunk("x")
    null_content["choices"][0]["delta"]["content"] = None
    server.enqueue(raw(data_line(chunk("")), data_line(null_content), data_line(chunk("a", finish_reason="stop"))))

    assert tokens(collect(make_client())) == ["a"]


def test_text_is_decoded_as_utf8_even_when_split_inside_a_character(
    server: FakeLLMServer, make_client: MakeClient
) -> None:
    text = "Zoë — naïve\u2028line €"
    wire = data_line(chunk(text, finish_reason="stop"))
    cut = wire.index("€".encode()) + 1  # inside the 3-byte euro sign
    server.enqueue(raw(wire[:cut], wire[cut:], data_line("[DONE]"), delay=0.05))

    assert tokens(collect(make_client())) == [text]


def test_close_delimited_body_is_read_as_it_arrives(server: FakeLLMServer, make_client: MakeClient) -> None:
    # Without chunked encoding, iter_content(None) would wait for the whole body.
    server.enqueue(stall_after(1, 1.5, tokens=["first", "second"], chunked=False))
    started = time.monotonic()
    events = make_client().stream(REQUEST)

    assert next(events) == Token("first")
    assert time.monotonic() - started < 1.0
    assert tokens(list(events)) == ["second"]


def test_a_missing_content_type_is_read_as_an_event_stream(server: FakeLLMServer, make_client: MakeClient) -> None:
    server.enqueue(raw(data_line(chunk("a", finish_reason="stop")), content_type=None))

    assert tokens(collect(make_client())) == ["a"]


def test_stream_is_lazy(server: FakeLLMServer, make_client: MakeClient) -> None:
    events = make_client().stream(REQUEST)

    assert server.requests == []
    next(events)
    assert len(server.requests) == 1
    events.close()


# -- failures inside the stream ----------------------------------------------------------


def test_error_chunk_mid_stream_raises_llm_error(server: FakeLLMServer, make_client: MakeClient) -> None:
    server.enqueue(stream(["Hel"], error={"code": 502, "message": "Provider UPSTREAM-SECRET-TEXT failed"}))

    events, error = collect_until_error(make_client())

    assert events == [Token("Hel")]
    assert (error.code, error.status) == ("llm_error", 502)
    assert "UPSTREAM-SECRET-TEXT" not in str(error)
    assert len(server.requests) == 1


def test_error_chunk_before_first_token_is_not_retried(server: FakeLLMServer, make_client: MakeClient) -> None:
    server.enqueue(stream([], error={"code": "server_error", "message": "boom"}), stream(["never"]))

    events, error = collect_until_error(make_client())

    assert (events, error.code) == ([], "llm_error")
    assert len(server.requests) == 1


def test_finish_reason_error_without_error_object_is_an_error(server: FakeLLMServer, make_client: MakeClient) -> None:
    server.enqueue(stream(["a", "b"], finish_reason="error"))

    events, error = collect_until_error(make_client())

    assert (tokens(events), error.code) == (["a", "b"], "llm_error")


def test_vllm_error_object_is_an_error(server: FakeLLMServer, make_client: MakeClient) -> None:
    server.enqueue(raw(data_line(chunk("a")), data_line({"object": "error", "message": "x", "code": 400})))

    events, error = collect_until_error(make_client())

    assert (tokens(events), error.code) == (["a"], "llm_error")


@pytest.mark.parametrize(
    "scenario",
    [drop_after(2), drop_after(2, reset=True), drop_after(2, chunked=False)],
    ids=["chunked-fin", "chunked-rst", "close-delimited"],
)
def test_connection_dropped_after_tokens_is_unavailable_and_not_retried(
    server: FakeLLMServer, make_client: MakeClient, sleeps: list[float], scenario: Any
) -> None:
    server.enqueue(scenario, stream(["retried"]))

    events, error = collect_until_error(make_client())

    assert (tokens(events), error.code, error.status) == (["Hello", " from"], "llm_unavailable", 503)
    assert (len(server.requests), sleeps) == (1, [])


def test_stream_cut_before_first_token_is_retried(
    server: FakeLLMServer, make_client: MakeClient, sleeps: list[float]
) -> None:
    server.enqueue(drop_after(0, comments=True), stream(["ok"], usage=None))

    assert tokens(collect(make_client())) == ["ok"]
    assert (len(server.requests), sleeps) == (2, [0.5])


@pytest.mark.parametrize("chunked", [True, False])
def test_stall_mid_stream_is_a_timeout(server: FakeLLMServer, make_client: MakeClient, chunked: bool) -> None:
    server.enqueue(stall_after(1, 5.0, chunked=chunked))
    started = time.monotonic()

    events, error = collect_until_error(make_client(read_timeout=0.5))

    assert (tokens(events), error.code, error.status) == (["Hello"], "llm_timeout", 504)
    assert 0.4 < time.monotonic() - started < 2.5
    assert len(server.requests) == 1


def test_silence_before_the_first_byte_is_a_timeout_and_not_retried(
    server: FakeLLMServer, make_client: MakeClient, sleeps: list[float], metrics: Metrics
) -> None:
    # The first chunk, and with it the response headers, come after the read timeout.
    server.enqueue(raw(b"", data_line(chunk("late", finish_reason="stop")), delay=5.0, chunked=False))

    events, error = collect_until_error(make_client(read_timeout=0.5))

    assert (events, error.code) == ([], "llm_timeout")
    assert (len(server.requests), sleeps) == (1, [])


def test_comment_only_keepalives_do_not_time_out(server: FakeLLMServer, make_client: MakeClient) -> None:
    keepalive = b": OPENROUTER PROCESSING\n\n"
    server.enqueue(raw(keepalive, keepalive, keepalive, data_line(chunk("a", finish_reason="stop")), delay=0.3))

    assert tokens(collect(make_client(read_timeout=0.5))) == ["a"]


def test_malformed_line_is_skipped_logged_and_counted(
    server: FakeLLMServer, make_client: MakeClient, metrics: Metrics
) -> None:
    server.enqueue(raw(data_line(chunk("a")), b"data: {not json\n\n", data_line(chunk("b", finish_reason="stop"))))

    with structlog.testing.capture_logs() as logs:
        events = collect(make_client())

    assert tokens(events) == ["a", "b"]
    assert isinstance(events[-1], Finished)
    assert metrics.delta("llm_malformed_lines_total") == 1
    assert [entry["event"] for entry in logs if entry["log_level"] == "warning"] == ["llm_malformed_line"]


@pytest.mark.parametrize(
    "scenario",
    [
        raw(b'{"choices":[{"message":{"content":"hi"}}]}', content_type="application/json"),
        raw(data_line(chunk("hi", finish_reason="stop")), content_type="application/json"),
        raw(b"<html><body>Bad gateway</body></html>", content_type="text/html; charset=utf-8"),
        raw(b"<html>\n<body>oops</body>\n</html>\n"),
        raw(b"complete garbage"),
        raw(b"data: garbage\n\ndata: more garbage\n\ndata: [DONE]\n\n"),
        raw(b"data: [1, 2]\n\n"),
    ],
    ids=["json", "sse-labelled-json", "html", "html-as-event-stream", "garbage", "garbage-data", "json-not-an-object"],
)
def test_a_body_that_is_not_an_event_stream_is_a_bad_response(
    server: FakeLLMServer, make_client: MakeClient, sleeps: list[float], scenario: Any
) -> None:
    server.enqueue(scenario)

    events, error = collect_until_error(make_client())

    assert (events, error.code, error.status) == ([], "llm_bad_response", 502)
    assert (len(server.requests), sleeps) == (1, [])


# -- HTTP errors and retries -------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "code", "attempts"),
    [
        (400, "llm_error", 1),
        (401, "llm_auth", 1),
        (402, "llm_payment_required", 1),
        (403, "llm_auth", 1),
        (404, "llm_error", 1),
        (408, "llm_timeout", 3),
        (429, "llm_rate_limited", 3),
        (500, "llm_error", 1),
        (502, "llm_unavailable", 3),
        (503, "llm_unavailable", 3),
    ],
)
def test_http_error_before_the_stream_maps_to_a_code(
    server: FakeLLMServer,
    make_client: MakeClient,
    sleeps: list[float],
    metrics: Metrics,
    status: int,
    code: str,
    attempts: int,
) -> None:
    server.default = http_error(status, message=f"upstream detail {API_KEY}")

    events, error = collect_until_error(make_client(max_retries=2))

    assert (events, error.code, error.status) == ([], code, LLM_ERRORS[code][0])
    assert error.retry_after is None
    assert len(server.requests) == attempts
    assert sleeps == [0.5, 1.0][: attempts - 1]
    assert metrics.delta("llm_requests_total", status=str(status)) == attempts
    assert "upstream detail" not in str(error)


def test_retry_after_is_honoured_then_the_stream_succeeds(
    server: FakeLLMServer, make_client: MakeClient, sleeps: list[float]
) -> None:
    server.enqueue(http_error(429, retry_after=1), http_error(503, retry_after="2.5"), stream(["ok"]))

    assert tokens(collect(make_client(max_retries=2))) == ["ok"]
    assert sleeps == [1.0, 2.5]
    assert len(server.requests) == 3


def test_exhausted_retries_carry_the_last_retry_after(
    server: FakeLLMServer, make_client: MakeClient, sleeps: list[float]
) -> None:
    server.default = http_error(429, retry_after=3)

    _, error = collect_until_error(make_client(max_retries=2))

    assert (error.code, error.retry_after) == ("llm_rate_limited", 3.0)
    assert sleeps == [3.0, 3.0]


def test_a_retry_after_longer_than_the_cap_is_not_waited_for(
    server: FakeLLMServer, make_client: MakeClient, sleeps: list[float]
) -> None:
    server.enqueue(http_error(429, retry_after=60), stream(["never"]))

    _, error = collect_until_error(make_client(max_retries=2))

    assert (error.code, error.retry_after, sleeps, len(server.requests)) == ("llm_rate_limited", 60.0, [], 1)


@pytest.mark.parametrize("value", ["soon", "Wed, 21 Oct 2026 07:28:00 GMT", "-1", "nan"])
def test_an_unusable_retry_after_falls_back_to_backoff(
    server: FakeLLMServer, make_client: MakeClient, sleeps: list[float], value: str
) -> None:
    server.enqueue(http_error(503, retry_after=value), stream(["ok"]))

    assert tokens(collect(make_client())) == ["ok"]
    assert sleeps == [0.5]


def test_max_retries_zero_never_retries(server: FakeLLMServer, make_client: MakeClient, sleeps: list[float]) -> None:
    server.enqueue(http_error(503), stream(["never"]))

    _, error = collect_until_error(make_client(max_retries=0))

    assert (error.code, sleeps, len(server.requests)) == ("llm_unavailable", [], 1)


def test_retries_happen_only_before_the_first_token(
    server: FakeLLMServer, make_client: MakeClient, sleeps: list[float]
) -> None:
    server.enqueue(http_error(502), drop_after(0), drop_after(1), stream(["never"]))

    events, error = collect_until_error(make_client(max_retries=5))

    assert (tokens(events), error.code) == (["Hello"], "llm_unavailable")
    assert sleeps == [0.5, 1.0]
    assert len(server.requests) == 3


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_connection_refused_is_retried_then_unavailable(
    make_client: MakeClient, sleeps: list[float], metrics: Metrics
) -> None:
    client = make_client(base_url=f"http://127.0.0.1:{_closed_port()}/api/v1", max_retries=2)

    _, error = collect_until_error(client)

    assert (error.code, error.status) == ("llm_unavailable", 503)
    assert sleeps == [0.5, 1.0]
    assert metrics.delta("llm_requests_total", status="connection_error") == 3


# -- the outgoing request ----------------------------------------------------------------

SSE_BODY = data_line(chunk("a", finish_reason="stop")) + data_line("[DONE]")
ENDPOINT = "https://openrouter.test/api/v1/chat/completions"


@pytest.mark.parametrize(
    ("fallbacks", "models"),
    [((), None), (("b/model", "c/model"), ["test/model", "b/model", "c/model"])],
    ids=["no-fallbacks", "fallbacks"],
)
def test_the_request_is_exactly_what_openrouter_expects(
    make_client: MakeClient, fallbacks: tuple[str, ...], models: list[str] | None
) -> None:
    client = make_client(base_url="https://openrouter.test/api/v1/", fallback_models=fallbacks)

    with responses.RequestsMock() as mock:
        mock.post(ENDPOINT, body=SSE_BODY, content_type="text/event-stream")
        assert tokens(collect(client)) == ["a"]
        sent = mock.calls[0].request

    assert sent.url == ENDPOINT
    expected_body: dict[str, Any] = {
        "model": "test/model",
        "messages": REQUEST.messages,
        "max_tokens": 256,
        "temperature": 0.2,
        "stream": True,
        "usage": {"include": True},
    }
    if models is not None:
        expected_body["models"] = models
    assert json.loads(sent.body) == expected_body
    assert "stream_options" not in json.loads(sent.body)
    expected_headers = {
        "Authorization": f"Bearer {API_KEY}",
        "HTTP-Referer": "https://resume.example",
        "X-Title": "Resume Test",
        "X-OpenRouter-Title": "Resume Test",
        "Accept": "text/event-stream",
        "Content-Type": "application/json",
    }
    assert {name: sent.headers.get(name) for name in expected_headers} == expected_headers


def test_an_empty_api_key_is_not_sent(make_client: MakeClient) -> None:
    client = make_client(base_url="https://openrouter.test/api/v1", api_key="")

    with responses.RequestsMock() as mock:
        mock.post(ENDPOINT, body=SSE_BODY, content_type="text/event-stream")
        collect(client)
        sent = mock.calls[0].request

    assert "Authorization" not in sent.headers


def test_fallback_models_are_deduplicated_and_never_repeat_the_model(
    server: FakeLLMServer, make_client: MakeClient
) -> None:
    collect(make_client(fallback_models=["b/model", "test/model", "", "b/model", "c/model"]))

    assert server.requests[0].json["models"] == ["test/model", "b/model", "c/model"]


def test_non_ascii_and_multi_line_header_values_are_made_safe(server: FakeLLMServer, make_client: MakeClient) -> None:
    collect(make_client(title="Zoë's Résumé\r\nX-Evil: 1", referer="https://résumé.example/"))

    headers = server.requests[0].headers
    assert headers["x-title"] == headers["x-openrouter-title"] == "Zo%C3%AB's R%C3%A9sum%C3%A9%0D%0AX-Evil: 1"
    assert headers["http-referer"] == "https://r%C3%A9sum%C3%A9.example/"
    assert "x-evil" not in headers


# -- connections -------------------------------------------------------------------------


def test_the_session_pool_holds_pool_size_connections_without_urllib3_retries(make_client: MakeClient) -> None:
    client = make_client(pool_size=37)
    adapter = client._session.get_adapter("https://openrouter.ai/api/v1/chat/completions")

    assert isinstance(adapter, requests.adapters.HTTPAdapter)
    assert adapter.poolmanager.connection_pool_kw["maxsize"] == 37
    assert adapter.max_retries.total == 0


@pytest.mark.parametrize(("pool_size", "discarded"), [(12, False), (4, True)])
def test_concurrent_streams_up_to_pool_size_keep_their_connections(
    server: FakeLLMServer,
    make_client: MakeClient,
    caplog: pytest.LogCaptureFixture,
    pool_size: int,
    discarded: bool,
) -> None:
    server.default = stream(["a"], first_token_delay=0.3)
    client = make_client(pool_size=pool_size)
    results: list[list[str]] = []
    workers = [threading.Thread(target=lambda: results.append(tokens(collect(client)))) for _ in range(12)]

    with caplog.at_level(logging.WARNING, logger="urllib3.connectionpool"):
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=10)

    assert results == [["a"]] * 12
    assert len({request.client_port for request in server.requests}) == 12
    assert ("Connection pool is full" in caplog.text) is discarded


@pytest.mark.parametrize("chunked", [True, False])
def test_closing_the_generator_closes_the_upstream_at_once(
    server: FakeLLMServer, make_client: MakeClient, chunked: bool
) -> None:
    server.enqueue(stream(["tok"] * 200, token_delay=0.05, chunked=chunked))
    events = make_client().stream(REQUEST)

    assert next(events) == Token("tok")
    events.close()

    assert server.wait_for_disconnect(timeout=2.0)


def test_a_consumer_error_closes_the_upstream(server: FakeLLMServer, make_client: MakeClient) -> None:
    server.enqueue(stream(["tok"] * 200, token_delay=0.05))

    def consume() -> None:
        for _event in make_client().stream(REQUEST):
            raise RuntimeError("consumer failed")

    with pytest.raises(RuntimeError, match="consumer failed"):
        consume()

    assert server.wait_for_disconnect(timeout=2.0)


@pytest.mark.parametrize("chunked", [True, False])
def test_an_error_mid_stream_closes_the_upstream_explicitly(
    server: FakeLLMServer, make_client: MakeClient, chunked: bool
) -> None:
    # The caught error's traceback keeps the generator's frame (and its response) alive, so
    # only an explicit close, not garbage collection, ends the connection here.
    error_chunk = chunk(finish_reason="error", error={"code": 502, "message": "x"})
    steps = (Write(data_line(chunk("a"))), Write(data_line(error_chunk)), Pause(3.0), Write(b": still open\n\n"))
    server.enqueue(Scenario(steps, chunked=chunked))

    _, error = collect_until_error(make_client())

    assert server.wait_for_disconnect(timeout=2.0)
    assert error.__traceback__ is not None


@pytest.mark.parametrize("chunked", [True, False])
def test_the_upstream_is_closed_before_finished_is_handed_over(
    server: FakeLLMServer, make_client: MakeClient, chunked: bool
) -> None:
    # An upstream that keeps the connection open after [DONE]: the consumer got its
    # Finished and holds the suspended generator; the connection must already be closed.
    steps = (Write(data_line(chunk("a", finish_reason="stop"))), Write(data_line("[DONE]")), Pause(3.0))
    server.enqueue(Scenario(steps, chunked=chunked))
    events = make_client().stream(REQUEST)

    assert [next(events), next(events)] == [Token("a"), Finished("stop", usage=None)]
    assert server.wait_for_disconnect(timeout=2.0)
    assert list(events) == []


_GEVENT_KILL_SCRIPT = textwrap.dedent(
    """
    from gevent import monkey; monkey.patch_all()
    import sys, gevent
    from gevent.event import Event
    from app.llm.openrouter import OpenRouterClient
    from app.llm.types import AnswerRequest

    client = OpenRouterClient(
        base_url=sys.argv[1], api_key="k", model="m", max_tokens=8, temperature=0.0, connect_timeout=1,
        read_timeout=10, max_retries=0, referer="r", title="t", pool_size=2,
    )
    got_first = Event()

    def consume():
        for _ in client.stream(AnswerRequest(messages=[{"role": "user", "content": "q"}], question="q")):
            got_first.set()

    reader = gevent.spawn(consume)
    assert got_first.wait(5), "no first token"
    gevent.sleep(0.2)  # the reader is now blocked in a socket read, not at a yield
    reader.kill(block=True, timeout=2)
    print("killed", reader.dead)
    """
)


def test_killing_the_greenlet_that_iterates_closes_the_upstream(server: FakeLLMServer) -> None:
    server.enqueue(stall_after(1, 20.0))
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": str(root)}

    done = subprocess.run(
        [sys.executable, "-c", _GEVENT_KILL_SCRIPT, server.base_url],
        capture_output=True,
        text=True,
        timeout=20,
        env=env,
        cwd=root,
        check=False,
    )

    assert done.stdout.strip() == "killed True", done.stderr[-2000:]
    assert server.wait_for_disconnect(timeout=2.0)


# -- secrets -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "scenario",
    [
        http_error(401, message=f"Invalid key {API_KEY}"),
        http_error(429, retry_after=0, message=API_KEY),
        stream(["a"], error={"code": 500, "message": f"key {API_KEY} failed"}),
        raw(f"data: {{broken {API_KEY}\n\n".encode() + data_line(chunk("a", finish_reason="stop"))),
        raw(f"<html>{API_KEY}</html>".encode(), content_type="text/html"),
        drop_after(1),
        stall_after(0, 3.0),
    ],
    ids=["401", "429", "error-chunk", "malformed", "html", "dropped", "stalled"],
)
def test_the_api_key_never_appears_in_errors_or_logs(
    server: FakeLLMServer,
    make_client: MakeClient,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    scenario: Any,
) -> None:
    server.default = scenario
    client = make_client(read_timeout=0.5)
    caplog.set_level(logging.DEBUG)
    error: LLMError | None = None

    with structlog.testing.capture_logs() as logs:
        try:
            collect(client)
        except LLMError as exc:
            error = exc

    assert server.requests[0].headers["authorization"] == f"Bearer {API_KEY}"  # it was sent
    seen = [repr(logs), caplog.text, repr(client), *capsys.readouterr()]
    if error is not None:
        seen += [str(error), repr(error), repr(error.args), json.dumps(error.body())]
    assert not [text for text in seen if API_KEY in text]
