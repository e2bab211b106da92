"""The OpenRouter client (app/llm/openrouter.py): the request it sends, retries before the
first token, usage metrics, closing the upstream and keeping the key secret; against a real
local server (tests/fake_llm.py) and, for the exact outgoing request, the `responses` library."""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest
import responses
import structlog

from app.errors import LLM_ERRORS, LLMError
from app.llm.openrouter import MAX_CHARS_PER_TOKEN
from app.llm.types import AnswerRequest, Token
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
from tests.llm_client import (
    API_KEY,
    REQUEST,
    SSE_BODY,
    USAGE,
    MakeClient,
    Metrics,
    collect,
    collect_until_error,
    tokens,
    unreported,
)

# -- the outgoing request ------------------------------------------------------------------


def test_usage_is_counted_in_metrics(
    llm_server: FakeLLMServer, make_llm_client: MakeClient, service_metrics: Metrics
) -> None:
    llm_server.enqueue(stream(["a"], usage=USAGE))

    collect(make_llm_client())

    assert service_metrics.delta("llm_requests_total", status="200") == 1
    assert service_metrics.delta("llm_tokens_total", kind="prompt") == 11
    assert service_metrics.delta("llm_tokens_total", kind="completion") == 3
    assert service_metrics.delta("llm_cost_total") == pytest.approx(0.00042)


def test_stream_is_lazy(llm_server: FakeLLMServer, make_llm_client: MakeClient) -> None:
    events = make_llm_client().stream(REQUEST)

    assert llm_server.requests == []
    next(events)
    assert len(llm_server.requests) == 1
    events.close()


@pytest.mark.parametrize(
    ("fallbacks", "models"),
    [((), None), (("b/model", "c/model"), ["test/model", "b/model", "c/model"])],
    ids=["no-fallbacks", "fallbacks"],
)
def test_the_request_is_exactly_what_openrouter_expects(
    make_llm_client: MakeClient, fallbacks: tuple[str, ...], models: list[str] | None
) -> None:
    client = make_llm_client(base_url="https://openrouter.ai/api/v1/", fallback_models=fallbacks)

    with responses.RequestsMock() as mock:
        mock.post(OPENROUTER, body=SSE_BODY, content_type="text/event-stream")
        assert tokens(collect(client)) == ["a"]
        sent = mock.calls[0].request

    assert sent.url == OPENROUTER
    expected_body: dict[str, Any] = {
        "model": "test/model",
        "messages": REQUEST.messages,
        "max_tokens": 256,
        "temperature": 0.2,
        "stream": True,
        "usage": {"include": True},
        "stream_options": {"include_usage": True},  # what OpenAI-standard servers need to report usage
    }
    if models is not None:
        expected_body["models"] = models
    assert json.loads(sent.body) == expected_body
    expected_headers = {
        "Authorization": f"Bearer {API_KEY}",
        "HTTP-Referer": "https://resume.example",
        "X-Title": "Resume Test",
        "X-OpenRouter-Title": "Resume Test",
        "Accept": "text/event-stream",
        "Content-Type": "application/json",
    }
    assert {name: sent.headers.get(name) for name in expected_headers} == expected_headers


OPENROUTER = "https://openrouter.ai/api/v1/chat/completions"


def test_fallback_models_are_deduplicated_and_never_repeat_the_model(make_llm_client: MakeClient) -> None:
    client = make_llm_client(
        base_url="https://openrouter.ai/api/v1", fallback_models=["b/model", "test/model", "", "b/model", "c/model"]
    )
    with responses.RequestsMock() as mock:
        mock.post(OPENROUTER, body=SSE_BODY, content_type="text/event-stream")
        collect(client)
        sent = json.loads(mock.calls[0].request.body)

    assert sent["models"] == ["test/model", "b/model", "c/model"]


def test_another_server_is_asked_for_each_fallback_model_in_turn_before_the_first_token(
    llm_server: FakeLLMServer, make_llm_client: MakeClient
) -> None:
    # vLLM, llama.cpp, Ollama... ignore OpenRouter's `models`: the client falls back itself.
    llm_server.enqueue(http_error(503), http_error(404), stream(["ok"]))
    client = make_llm_client(fallback_models=["b/model", "c/model"], max_retries=0)

    assert tokens(collect(client)) == ["ok"]
    assert [request.json["model"] for request in llm_server.requests] == ["test/model", "b/model", "c/model"]
    assert all("models" not in request.json for request in llm_server.requests)


@pytest.mark.parametrize("status", [401, 402])
def test_no_fallback_for_what_every_model_would_meet(
    llm_server: FakeLLMServer, make_llm_client: MakeClient, status: int
) -> None:
    llm_server.enqueue(http_error(status))

    events, error = collect_until_error(make_llm_client(fallback_models=["b/model"], max_retries=0))

    assert (events, len(llm_server.requests)) == ([], 1)
    assert error.code in ("llm_auth", "llm_payment_required")


def test_no_fallback_once_a_token_was_sent(llm_server: FakeLLMServer, make_llm_client: MakeClient) -> None:
    llm_server.enqueue(drop_after(1), stream(["never"]))

    events, error = collect_until_error(make_llm_client(fallback_models=["b/model"], max_retries=0))

    assert (tokens(events), error.code, len(llm_server.requests)) == (["Hello"], "llm_unavailable", 1)


@pytest.mark.parametrize("response_format", [None, {"type": "json_schema", "json_schema": {"name": "x", "schema": {}}}])
def test_response_format_is_sent_only_when_asked_for(
    llm_server: FakeLLMServer, make_llm_client: MakeClient, response_format: dict[str, Any] | None
) -> None:
    request = AnswerRequest(messages=REQUEST.messages, question=REQUEST.question, response_format=response_format)
    list(make_llm_client().stream(request))

    assert llm_server.requests[0].json.get("response_format") == response_format


# -- retries, only before the first token --------------------------------------------------


def test_error_chunk_before_first_token_is_not_retried(llm_server: FakeLLMServer, make_llm_client: MakeClient) -> None:
    llm_server.enqueue(stream([], error={"code": "server_error", "message": "boom"}), stream(["never"]))

    events, error = collect_until_error(make_llm_client())

    assert (events, error.code) == ([], "llm_error")
    assert len(llm_server.requests) == 1


def test_stream_cut_before_first_token_is_retried(
    llm_server: FakeLLMServer, make_llm_client: MakeClient, retry_sleeps: list[float]
) -> None:
    llm_server.enqueue(drop_after(0, comments=True), stream(["ok"], usage=None))

    assert tokens(collect(make_llm_client())) == ["ok"]
    assert (len(llm_server.requests), retry_sleeps) == (2, [0.5])


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
    llm_server: FakeLLMServer,
    make_llm_client: MakeClient,
    retry_sleeps: list[float],
    service_metrics: Metrics,
    status: int,
    code: str,
    attempts: int,
) -> None:
    llm_server.default = http_error(status, message=f"upstream detail {API_KEY}")

    events, error = collect_until_error(make_llm_client(max_retries=2))

    assert (events, error.code, error.status) == ([], code, LLM_ERRORS[code][0])
    # A transient failure given up on says when to ask again: the backoff a third retry would wait.
    assert error.retry_after == (2.0 if code in ("llm_rate_limited", "llm_unavailable") else None)
    assert len(llm_server.requests) == attempts
    assert retry_sleeps == [0.5, 1.0][: attempts - 1]
    assert service_metrics.delta("llm_requests_total", status=str(status)) == attempts
    assert "upstream detail" not in str(error)


def test_retry_after_is_honoured_then_the_stream_succeeds(
    llm_server: FakeLLMServer, make_llm_client: MakeClient, retry_sleeps: list[float]
) -> None:
    llm_server.enqueue(http_error(429, retry_after=1), http_error(503, retry_after="2.5"), stream(["ok"]))

    assert tokens(collect(make_llm_client(max_retries=2))) == ["ok"]
    assert retry_sleeps == [1.0, 2.5]
    assert len(llm_server.requests) == 3


def test_exhausted_retries_carry_the_last_retry_after(
    llm_server: FakeLLMServer, make_llm_client: MakeClient, retry_sleeps: list[float]
) -> None:
    llm_server.default = http_error(429, retry_after=3)

    _, error = collect_until_error(make_llm_client(max_retries=2))

    assert (error.code, error.retry_after) == ("llm_rate_limited", 3.0)
    assert retry_sleeps == [3.0, 3.0]


def test_max_retries_zero_never_retries(
    llm_server: FakeLLMServer, make_llm_client: MakeClient, retry_sleeps: list[float]
) -> None:
    llm_server.enqueue(http_error(503), stream(["never"]))

    _, error = collect_until_error(make_llm_client(max_retries=0))

    assert (error.code, retry_sleeps, len(llm_server.requests)) == ("llm_unavailable", [], 1)


def test_retries_happen_only_before_the_first_token(
    llm_server: FakeLLMServer, make_llm_client: MakeClient, retry_sleeps: list[float]
) -> None:
    llm_server.enqueue(http_error(502), drop_after(0), drop_after(1), stream(["never"]))

    events, error = collect_until_error(make_llm_client(max_retries=5))

    assert (tokens(events), error.code) == (["Hello"], "llm_unavailable")
    assert retry_sleeps == [0.5, 1.0]
    assert len(llm_server.requests) == 3


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_connection_refused_is_retried_then_unavailable(
    make_llm_client: MakeClient, retry_sleeps: list[float], service_metrics: Metrics
) -> None:
    client = make_llm_client(base_url=f"http://127.0.0.1:{_closed_port()}/api/v1", max_retries=2)

    _, error = collect_until_error(client)

    assert (error.code, error.status) == ("llm_unavailable", 503)
    assert retry_sleeps == [0.5, 1.0]
    assert service_metrics.delta("llm_requests_total", status="connection_error") == 3


# -- closing the upstream ------------------------------------------------------------------


@pytest.mark.parametrize("chunked", [True, False])
def test_closing_the_generator_closes_the_upstream_at_once(
    llm_server: FakeLLMServer, make_llm_client: MakeClient, chunked: bool
) -> None:
    llm_server.enqueue(stream(["tok"] * 200, token_delay=0.05, chunked=chunked))
    events = make_llm_client().stream(REQUEST)

    assert next(events) == Token("tok")
    events.close()

    assert llm_server.wait_for_disconnect(timeout=2.0)


def test_a_consumer_error_closes_the_upstream(llm_server: FakeLLMServer, make_llm_client: MakeClient) -> None:
    llm_server.enqueue(stream(["tok"] * 200, token_delay=0.05))

    def consume() -> None:
        for _event in make_llm_client().stream(REQUEST):
            raise RuntimeError("consumer failed")

    with pytest.raises(RuntimeError, match="consumer failed"):
        consume()

    assert llm_server.wait_for_disconnect(timeout=2.0)


@pytest.mark.parametrize("chunked", [True, False])
def test_an_error_mid_stream_closes_the_upstream_explicitly(
    llm_server: FakeLLMServer, make_llm_client: MakeClient, chunked: bool
) -> None:
    # The caught error's traceback keeps the generator's frame (and its response) alive, so
    # only an explicit close, not garbage collection, ends the connection here.
    error_chunk = chunk(finish_reason="error", error={"code": 502, "message": "x"})
    steps = (Write(data_line(chunk("a"))), Write(data_line(error_chunk)), Pause(3.0), Write(b": still open\n\n"))
    llm_server.enqueue(Scenario(steps, chunked=chunked))

    _, error = collect_until_error(make_llm_client())

    assert llm_server.wait_for_disconnect(timeout=2.0)
    assert error.__traceback__ is not None


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


def test_killing_the_greenlet_that_iterates_closes_the_upstream(llm_server: FakeLLMServer) -> None:
    llm_server.enqueue(stall_after(1, 20.0))
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": str(root)}

    done = subprocess.run(
        [sys.executable, "-c", _GEVENT_KILL_SCRIPT, llm_server.base_url],
        capture_output=True,
        text=True,
        timeout=20,
        env=env,
        cwd=root,
        check=False,
    )

    assert done.stdout.strip() == "killed True", done.stderr[-2000:]
    assert llm_server.wait_for_disconnect(timeout=2.0)


# -- secrets -------------------------------------------------------------------------------


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
    llm_server: FakeLLMServer,
    make_llm_client: MakeClient,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
    scenario: Any,
) -> None:
    llm_server.default = scenario
    client = make_llm_client(read_timeout=0.5)
    caplog.set_level(logging.DEBUG)
    error: LLMError | None = None

    with structlog.testing.capture_logs() as logs:
        try:
            collect(client)
        except LLMError as exc:
            error = exc

    assert llm_server.requests[0].headers["authorization"] == f"Bearer {API_KEY}"  # it was sent
    seen = [repr(logs), caplog.text, repr(client), *capsys.readouterr()]
    if error is not None:
        seen += [str(error), repr(error), repr(error.args), json.dumps(error.body())]
    assert not [text for text in seen if API_KEY in text]


def test_an_answer_longer_than_max_tokens_is_cut_there(llm_server: FakeLLMServer, make_llm_client: MakeClient) -> None:
    sent = [f" word{i}" for i in range(200)]
    llm_server.enqueue(stream(sent))  # an upstream that ignores max_tokens

    events = collect(make_llm_client(max_tokens=8))

    assert tokens(events) == within(sent, 8 * MAX_CHARS_PER_TOKEN)
    # Closed before its usage came: what it spent is estimated, and says so (never 0).
    assert events[-1] == unreported("length", "".join(tokens(events)), max_tokens=8)
    assert events[-1].usage.completion_tokens == 8 * MAX_CHARS_PER_TOKEN // 4
    assert llm_server.wait_until_idle(timeout=2)  # the rest is not read: the upstream was closed


def test_a_first_delta_longer_than_max_tokens_is_cut_not_dropped(
    llm_server: FakeLLMServer, make_llm_client: MakeClient
) -> None:
    # Dropped whole, it left nothing to show: llm_bad_response instead of the cut answer.
    sent = ["Kubernetes " * 20_000]
    llm_server.enqueue(stream(sent))

    events = collect(make_llm_client(max_tokens=8))

    assert tokens(events) == within(sent, 8 * MAX_CHARS_PER_TOKEN)
    assert events[-1] == unreported("length", "".join(tokens(events)), max_tokens=8)


def within(texts: list[str], limit: int) -> list[str]:
    """The first `limit` characters of `texts`, in the pieces they came in."""
    kept, total = [], 0
    for text in texts:
        if total + len(text) > limit:
            return [*kept, text[: limit - total]] if limit > total else kept
        kept.append(text)
        total += len(text)
    return kept


def test_an_answer_split_into_one_delta_per_character_is_relayed_whole_with_its_usage(
    llm_server: FakeLLMServer, make_llm_client: MakeClient
) -> None:
    # Proxies re-split text: 3,000 deltas are not 3,000 tokens.
    text = "She ran Kubernetes on AWS for five years. " * 70
    llm_server.enqueue(stream(list(text), usage=USAGE))

    events = collect(make_llm_client(max_tokens=1024))

    assert "".join(tokens(events)) == text
    assert events[-1].finish_reason == "stop"
    assert events[-1].usage is not None


def test_an_answer_with_no_text_is_a_bad_response_not_an_empty_answer(
    llm_server: FakeLLMServer, make_llm_client: MakeClient
) -> None:
    # e.g. a reasoning model that spent max_tokens thinking, or a reply of tool calls only
    llm_server.enqueue(stream([], finish_reason="length"))

    events, error = collect_until_error(make_llm_client())

    assert tokens(events) == []
    assert error.code == "llm_bad_response"


def test_an_answer_trickling_inside_the_read_timeout_still_ends_at_the_answer_timeout(
    llm_server: FakeLLMServer, make_llm_client: MakeClient
) -> None:
    # Each token comes well inside the 2 s read timeout; the answer as a whole may take 1 s.
    llm_server.enqueue(stream([f" t{i}" for i in range(50)], token_delay=0.3))
    started = time.monotonic()

    events, error = collect_until_error(make_llm_client(answer_timeout=1.0))

    assert error.code == "llm_timeout"
    assert 1 <= len(tokens(events)) < 10
    assert time.monotonic() - started < 2.5
    assert llm_server.wait_until_idle(timeout=2), "the upstream request stayed open"
