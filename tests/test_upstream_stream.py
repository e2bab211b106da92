"""Reading an OpenAI-style event stream (app/llm/upstream_stream.py), through the client:
against the fake upstream of tests/fake_llm.py, and for connection reuse after a finished
stream, against a tiny socket server that controls exactly which bytes arrive together."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import structlog

from app.llm.openrouter import COMMENTS_ONLY_FACTOR, OpenRouterClient
from app.llm.types import AnswerRequest, Finished, Token, Usage
from tests.fake_llm import (
    FakeLLMServer,
    Pause,
    Scenario,
    Write,
    chunk,
    data_line,
    drop_after,
    raw,
    stall_after,
    stream,
)
from tests.llm_client import USAGE, MakeClient, Metrics, collect, collect_until_error, tokens, unreported

# -- connection reuse, against a socket server that sends exactly these bytes ----------------

REQUEST = AnswerRequest(messages=[{"role": "user", "content": "q"}], question="q")
HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"


def _chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


def _event(payload: object) -> bytes:
    return f"data: {payload if isinstance(payload, str) else json.dumps(payload)}\n\n".encode()


BODY = b"".join(
    _chunk(_event(part))
    for part in (
        {"choices": [{"delta": {"content": "Hi"}, "finish_reason": None}]},
        {"choices": [{"delta": {"content": ""}, "finish_reason": "stop"}]},
        "[DONE]",
    )
)
END = b"0\r\n\r\n"


@dataclass
class Upstream:
    """Answers every request on a connection with BODY; END comes with it or `end_delay` later."""

    end_delay: float = 0.0
    head: bytes = HEAD
    body: bytes = BODY
    end: bytes = END
    connections: int = 0
    listener: socket.socket = field(default_factory=socket.socket)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.listener.getsockname()[1]}/api/v1"

    def serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            buffer = b""
            while True:
                while b"\r\n\r\n" not in buffer:
                    data = conn.recv(65536)
                    if not data:
                        return
                    buffer += data
                head, _, buffer = buffer.partition(b"\r\n\r\n")
                length = next(
                    int(line.split(b":")[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length")
                )
                while len(buffer) < length:
                    buffer += conn.recv(65536)
                buffer = buffer[length:]
                if self.end_delay:
                    conn.sendall(self.head + self.body)
                    time.sleep(self.end_delay)
                    try:
                        conn.sendall(self.end)
                    except OSError:
                        return
                else:
                    conn.sendall(self.head + self.body + self.end)


@pytest.fixture
def upstream() -> Iterator[Upstream]:
    server = Upstream()
    server.listener.bind(("127.0.0.1", 0))
    server.listener.listen()
    threading.Thread(target=server.serve, daemon=True).start()
    yield server
    server.listener.close()


def client(upstream: Upstream) -> OpenRouterClient:
    return OpenRouterClient(
        base_url=upstream.base_url, api_key="k", model="m", max_tokens=8, temperature=0.0, connect_timeout=2,
        read_timeout=5, max_retries=0, referer="r", title="t", pool_size=2,
    )  # fmt: skip


def test_a_completely_received_stream_hands_its_connection_back_to_the_pool(upstream):
    llm = client(upstream)

    answers = [list(llm.stream(REQUEST)) for _ in range(3)]

    assert answers[0] == [Token("Hi"), unreported("stop", "Hi", max_tokens=8, request=REQUEST)]
    assert answers == [answers[0]] * 3
    assert upstream.connections == 1


def test_an_end_that_has_not_arrived_is_not_waited_for(upstream):
    upstream.end_delay = 2.0
    llm = client(upstream)

    started = time.monotonic()
    answers = [list(llm.stream(REQUEST)) for _ in range(2)]

    assert answers == [[Token("Hi"), unreported("stop", "Hi", max_tokens=8, request=REQUEST)]] * 2
    assert time.monotonic() - started < 1.0
    assert upstream.connections == 2  # the half-read connection was closed, not reused


@pytest.mark.parametrize(
    "informational",
    [
        b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n",  # a CDN in front of the LLM
        b"HTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\n\r\n",
    ],
    ids=["early-hints", "several"],
)
def test_informational_responses_before_the_answer_are_skipped(upstream, informational):
    # http.client took a 103 for the answer: an empty 103, read as llm_error.
    upstream.head = informational + HEAD
    llm = client(upstream)

    answers = [list(llm.stream(REQUEST)) for _ in range(3)]

    assert [answer[0] for answer in answers] == [Token("Hi")] * 3
    assert all(answer[-1].finish_reason == "stop" for answer in answers)
    assert upstream.connections == 1  # the pooled connection stayed in step with its responses


def test_done_coming_a_moment_after_the_usage_still_hands_the_connection_back(upstream):
    # The answer is read up to its usage; [DONE] and the body's end follow in a later packet.
    upstream.body = b"".join(
        _chunk(_event(part))
        for part in (
            {"choices": [{"delta": {"content": "Hi"}, "finish_reason": "stop"}]},
            {"choices": [], "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4}},
        )
    )
    upstream.end, upstream.end_delay = _chunk(_event("[DONE]")) + END, 0.05
    llm = client(upstream)

    answers = [list(llm.stream(REQUEST)) for _ in range(3)]

    assert [answer[-1].usage.total_tokens for answer in answers] == [4, 4, 4]
    assert upstream.connections == 1


# -- reading the event stream --------------------------------------------------------------


@pytest.mark.parametrize("comments", [False, True])
@pytest.mark.parametrize("usage_separate", [True, False], ids=["usage-only-final-chunk", "usage-in-finish-chunk"])
@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"], ids=["lf", "crlf", "cr"])
def test_stream_yields_tokens_then_one_finished(
    llm_server: FakeLLMServer, make_llm_client: MakeClient, comments: bool, usage_separate: bool, newline: str
) -> None:
    llm_server.enqueue(stream(["Hel", "lo", " world"], usage=USAGE, usage_separate=usage_separate, comments=comments))

    events = collect(make_llm_client())

    assert events == [
        Token("Hel"),
        Token("lo"),
        Token(" world"),
        Finished("stop", usage=Usage(11, 3, 14, 0.00042)),
    ]


def test_stream_without_usage_finishes_with_an_estimate_marked_as_one(
    llm_server: FakeLLMServer, make_llm_client: MakeClient
) -> None:
    # Cut at max_tokens, it spent them: 0 told clients the answer was free.
    llm_server.enqueue(stream(["a"], usage=None, finish_reason="length"))

    finished = collect(make_llm_client(max_tokens=256))[-1]

    assert finished == unreported("length", "a", max_tokens=256)
    assert finished.usage.completion_tokens == 256
    assert finished.usage.prompt_tokens > 0
    assert not finished.usage.reported


def test_done_without_finish_reason_is_a_normal_end(llm_server: FakeLLMServer, make_llm_client: MakeClient) -> None:
    llm_server.enqueue(raw(data_line(chunk("a")), data_line("[DONE]")))

    assert collect(make_llm_client()) == [Token("a"), unreported("stop", "a")]


def test_finish_reason_without_done_is_a_normal_end(llm_server: FakeLLMServer, make_llm_client: MakeClient) -> None:
    llm_server.enqueue(stream(["a"], usage=None, done=False))

    assert collect(make_llm_client()) == [Token("a"), unreported("stop", "a")]


def test_empty_and_null_deltas_yield_no_token(llm_server: FakeLLMServer, make_llm_client: MakeClient) -> None:
    null_content = chunk("x")
    null_content["choices"][0]["delta"]["content"] = None
    llm_server.enqueue(raw(data_line(chunk("")), data_line(null_content), data_line(chunk("a", finish_reason="stop"))))

    assert tokens(collect(make_llm_client())) == ["a"]


def test_text_is_decoded_as_utf8_even_when_split_inside_a_character(
    llm_server: FakeLLMServer, make_llm_client: MakeClient
) -> None:
    text = "Zoë — naïve\u2028line €"
    wire = data_line(chunk(text, finish_reason="stop"))
    cut = wire.index("€".encode()) + 1  # inside the 3-byte euro sign
    llm_server.enqueue(raw(wire[:cut], wire[cut:], data_line("[DONE]"), delay=0.05))

    assert tokens(collect(make_llm_client())) == [text]


def test_close_delimited_body_is_read_as_it_arrives(llm_server: FakeLLMServer, make_llm_client: MakeClient) -> None:
    # Without chunked encoding, iter_content(None) would wait for the whole body.
    llm_server.enqueue(stall_after(1, 1.5, tokens=["first", "second"], chunked=False))
    started = time.monotonic()
    events = make_llm_client().stream(REQUEST)

    assert next(events) == Token("first")
    assert time.monotonic() - started < 1.0
    assert tokens(list(events)) == ["second"]


def test_a_missing_content_type_is_read_as_an_event_stream(
    llm_server: FakeLLMServer, make_llm_client: MakeClient
) -> None:
    llm_server.enqueue(raw(data_line(chunk("a", finish_reason="stop")), content_type=None))

    assert tokens(collect(make_llm_client())) == ["a"]


# -- failures inside the stream ------------------------------------------------------------


def test_error_chunk_mid_stream_raises_llm_error(llm_server: FakeLLMServer, make_llm_client: MakeClient) -> None:
    llm_server.enqueue(stream(["Hel"], error={"code": 502, "message": "Provider UPSTREAM-SECRET-TEXT failed"}))

    events, error = collect_until_error(make_llm_client())

    assert events == [Token("Hel")]
    assert (error.code, error.status) == ("llm_error", 502)
    assert "UPSTREAM-SECRET-TEXT" not in str(error)
    assert len(llm_server.requests) == 1


def test_finish_reason_error_without_error_object_is_an_error(
    llm_server: FakeLLMServer, make_llm_client: MakeClient
) -> None:
    llm_server.enqueue(stream(["a", "b"], finish_reason="error"))

    events, error = collect_until_error(make_llm_client())

    assert (tokens(events), error.code) == (["a", "b"], "llm_error")


def test_vllm_error_object_is_an_error(llm_server: FakeLLMServer, make_llm_client: MakeClient) -> None:
    llm_server.enqueue(raw(data_line(chunk("a")), data_line({"object": "error", "message": "x", "code": 400})))

    events, error = collect_until_error(make_llm_client())

    assert (tokens(events), error.code) == (["a"], "llm_error")


@pytest.mark.parametrize(
    "scenario",
    [drop_after(2), drop_after(2, reset=True), drop_after(2, chunked=False)],
    ids=["chunked-fin", "chunked-rst", "close-delimited"],
)
def test_connection_dropped_after_tokens_is_unavailable_and_not_retried(
    llm_server: FakeLLMServer, make_llm_client: MakeClient, retry_sleeps: list[float], scenario: Any
) -> None:
    llm_server.enqueue(scenario, stream(["retried"]))

    events, error = collect_until_error(make_llm_client())

    assert (tokens(events), error.code, error.status) == (["Hello", " from"], "llm_unavailable", 503)
    assert (len(llm_server.requests), retry_sleeps) == (1, [])


@pytest.mark.parametrize("chunked", [True, False])
def test_stall_mid_stream_is_a_timeout(llm_server: FakeLLMServer, make_llm_client: MakeClient, chunked: bool) -> None:
    llm_server.enqueue(stall_after(1, 5.0, chunked=chunked))
    started = time.monotonic()

    events, error = collect_until_error(make_llm_client(read_timeout=0.5))

    assert (tokens(events), error.code, error.status) == (["Hello"], "llm_timeout", 504)
    assert 0.4 < time.monotonic() - started < 2.5
    assert len(llm_server.requests) == 1


def test_silence_before_the_first_byte_is_a_timeout_and_not_retried(
    llm_server: FakeLLMServer, make_llm_client: MakeClient, retry_sleeps: list[float], service_metrics: Metrics
) -> None:
    # The first chunk, and with it the response headers, come after the read timeout.
    llm_server.enqueue(raw(b"", data_line(chunk("late", finish_reason="stop")), delay=5.0, chunked=False))

    events, error = collect_until_error(make_llm_client(read_timeout=0.5))

    assert (events, error.code) == ([], "llm_timeout")
    assert (len(llm_server.requests), retry_sleeps) == (1, [])


def test_comment_only_keepalives_do_not_time_out(llm_server: FakeLLMServer, make_llm_client: MakeClient) -> None:
    keepalive = b": OPENROUTER PROCESSING\n\n"
    llm_server.enqueue(raw(keepalive, keepalive, keepalive, data_line(chunk("a", finish_reason="stop")), delay=0.3))

    assert tokens(collect(make_llm_client(read_timeout=0.5))) == ["a"]


def test_a_malformed_line_ends_the_answer_as_a_bad_response_logged_and_counted(
    llm_server: FakeLLMServer, make_llm_client: MakeClient, service_metrics: Metrics
) -> None:
    # Skipping it would drop part of the answer and still call the answer complete.
    llm_server.enqueue(raw(data_line(chunk("a")), b"data: {not json\n\n", data_line(chunk("b", finish_reason="stop"))))
    with structlog.testing.capture_logs() as logs:
        received, failed = collect_until_error(make_llm_client())

    assert tokens(received) == ["a"]
    assert failed.code == "llm_bad_response"
    assert service_metrics.delta("llm_malformed_lines_total") == 1
    assert "llm.malformed_line" in [entry["event"] for entry in logs if entry["log_level"] == "warning"]


def test_several_choices_interleaved_follow_the_first_one_named(
    llm_server: FakeLLMServer, make_llm_client: MakeClient
) -> None:
    other = {"id": "x", "choices": [{"index": 1, "delta": {"content": "ZZ"}}]}
    llm_server.enqueue(
        raw(
            data_line(chunk("a")),
            data_line(json.dumps(other)),
            data_line(chunk("b", finish_reason="stop")),
            data_line("[DONE]"),
        )
    )

    assert tokens(collect(make_llm_client())) == ["a", "b"]


@pytest.mark.parametrize(
    "scenario",
    [
        raw(data_line(chunk("hi", finish_reason="stop")), content_type="application/json"),
        raw(b'{"choices":[{"message":{"content":null}}]}', content_type="application/json"),
        raw(b"<html><body>Bad gateway</body></html>", content_type="text/html; charset=utf-8"),
        raw(b"<html>\n<body>oops</body>\n</html>\n"),
        raw(b"complete garbage"),
        raw(b"data: garbage\n\ndata: more garbage\n\ndata: [DONE]\n\n"),
        raw(b"data: [1, 2]\n\n"),
    ],
    ids=[
        "sse-labelled-json",
        "json-without-text",
        "html",
        "html-as-event-stream",
        "garbage",
        "garbage-data",
        "json-not-an-object",
    ],
)
def test_a_body_that_is_not_an_event_stream_is_a_bad_response(
    llm_server: FakeLLMServer, make_llm_client: MakeClient, retry_sleeps: list[float], scenario: Any
) -> None:
    llm_server.enqueue(scenario)

    events, error = collect_until_error(make_llm_client())

    assert (events, error.code, error.status) == ([], "llm_bad_response", 502)
    assert (len(llm_server.requests), retry_sleeps) == (1, [])


@pytest.mark.parametrize("chunked", [True, False])
def test_the_upstream_is_closed_before_finished_is_handed_over(
    llm_server: FakeLLMServer, make_llm_client: MakeClient, chunked: bool
) -> None:
    # An upstream that keeps the connection open after [DONE]: the consumer got its
    # Finished and holds the suspended generator; the connection must already be closed.
    steps = (Write(data_line(chunk("a", finish_reason="stop"))), Write(data_line("[DONE]")), Pause(3.0))
    llm_server.enqueue(Scenario(steps, chunked=chunked))
    events = make_llm_client().stream(REQUEST)

    assert [next(events), next(events)] == [Token("a"), unreported("stop", "a", request=REQUEST)]
    assert llm_server.wait_for_disconnect(timeout=2.0)
    assert list(events) == []


def test_an_event_that_never_ends_is_refused_at_a_bound(llm_server: FakeLLMServer, make_llm_client: MakeClient) -> None:
    # 2 MiB of one line without a newline, in 64 KiB writes: held whole it would grow without end.
    llm_server.enqueue(raw(b"data: {", *(b"x" * 65536 for _ in range(32))))

    received, error = collect_until_error(make_llm_client(max_retries=0))

    assert (received, error.code) == ([], "llm_bad_response")


def test_keep_alive_comments_forever_end_as_a_timeout(llm_server: FakeLLMServer, make_llm_client: MakeClient) -> None:
    # Each comment keeps the socket busy, so the socket's own read timeout never fires.
    comments = [step for _ in range(100) for step in (Write(b": OPENROUTER PROCESSING\n\n"), Pause(0.1))]
    llm_server.enqueue(Scenario(steps=tuple(comments)))
    started = time.monotonic()

    events, error = collect_until_error(make_llm_client(read_timeout=0.5, max_retries=0))

    assert tokens(events) == []
    assert error.code == "llm_timeout"
    assert 0.5 * COMMENTS_ONLY_FACTOR <= time.monotonic() - started < 0.5 * COMMENTS_ONLY_FACTOR + 1.5


def test_a_whole_completion_sent_for_a_stream_request_is_the_answer(
    llm_server: FakeLLMServer, make_llm_client: MakeClient
) -> None:
    # Some OpenAI-compatible servers ignore stream: true and answer with one chat.completion.
    body = {
        "object": "chat.completion",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "She ran EKS."}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 30, "completion_tokens": 4, "total_tokens": 34},
    }
    llm_server.enqueue(raw(json.dumps(body).encode(), content_type="application/json; charset=utf-8"))

    events = collect(make_llm_client())

    assert tokens(events) == ["She ran EKS."]
    assert events[-1] == Finished("stop", usage=Usage(prompt_tokens=30, completion_tokens=4, total_tokens=34))


def test_an_error_object_sent_with_200_is_the_upstreams_failure(
    llm_server: FakeLLMServer, make_llm_client: MakeClient
) -> None:
    llm_server.enqueue(raw(b'{"error":{"message":"model overloaded","code":502}}', content_type="application/json"))

    events, error = collect_until_error(make_llm_client())

    assert (tokens(events), error.code) == ([], "llm_error")
    assert "overloaded" not in error.detail
