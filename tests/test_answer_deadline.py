"""LLM_ANSWER_TIMEOUT bounds a whole answer whatever the upstream does, and an answer whose
finish has come is whole even when its stream never properly ends (upstream audit)."""

from __future__ import annotations

import time

import pytest

from app.llm.types import Finished
from tests.fake_llm import Drop, FakeLLMServer, Pause, Scenario, Write, chunk, data_line, http_error, raw
from tests.llm_client import USAGE, MakeClient, collect, collect_until_error, tokens

REASONING = data_line({"choices": [{"index": 0, "delta": {"reasoning": "Let me think."}, "finish_reason": None}]})


def test_a_retry_after_beyond_the_deadline_is_not_waited_for(
    llm_server: FakeLLMServer, make_llm_client: MakeClient, retry_sleeps: list[float]
) -> None:
    llm_server.enqueue(*[http_error(429, retry_after=2)] * 3)

    _, error = collect_until_error(make_llm_client(answer_timeout=1.0, max_retries=2))

    assert error.code == "llm_rate_limited"  # the real reason, at once
    assert error.retry_after == 2
    assert retry_sleeps == []
    assert len(llm_server.requests) == 1


def test_fallback_models_are_not_asked_once_the_deadline_has_passed(
    llm_server: FakeLLMServer, make_llm_client: MakeClient
) -> None:
    llm_server.enqueue(raw(REASONING, REASONING, REASONING, delay=0.6), *[http_error(503)] * 6)

    started = time.monotonic()
    _, error = collect_until_error(make_llm_client(answer_timeout=1.0, fallback_models=["fb/one", "fb/two"]))

    assert error.code == "llm_timeout"
    assert time.monotonic() - started < 2.0
    assert len(llm_server.requests) == 1


@pytest.mark.parametrize(
    "kind",
    [
        "reasoning deltas",
        "empty deltas",
        "keep-alive comments",
        "one line a byte at a time",
    ],
)
def test_an_upstream_that_sends_no_text_still_ends_at_the_deadline(
    llm_server: FakeLLMServer, make_llm_client: MakeClient, kind: str
) -> None:
    parts = {
        "reasoning deltas": [REASONING] * 40,
        "empty deltas": [data_line(chunk(""))] * 40,
        "keep-alive comments": [b": OPENROUTER PROCESSING\n\n"] * 40,
        "one line a byte at a time": [bytes([byte]) for byte in data_line(chunk("Hello there, recruiter"))],
    }[kind]
    llm_server.enqueue(raw(*parts, delay=0.15))  # each inside the 2 s read timeout
    started = time.monotonic()

    events, error = collect_until_error(make_llm_client(answer_timeout=1.0))

    assert error.code == "llm_timeout"
    assert tokens(events) == []
    assert time.monotonic() - started < 2.0
    assert llm_server.wait_until_idle(timeout=2), "the upstream request stayed open"


def finished_then(*after: Write | Pause | Drop, usage: bool = True) -> Scenario:
    steps = [Write(data_line(chunk("Hi."))), Write(data_line(chunk(None, finish_reason="stop")))]
    if usage:
        steps.append(Write(data_line(chunk(None, usage=USAGE, choices=False))))
    return Scenario((*steps, *after))


@pytest.mark.parametrize(
    ("scenario", "within"),
    [
        (finished_then(Pause(5.0)), 1.0),  # nothing but [DONE] can follow
        (finished_then(Pause(5.0), usage=False), 1.0),  # the usage may still come, for a moment
        (finished_then(Write(b": still here\n\n"), Pause(5.0), usage=False), 1.0),
        (finished_then(Drop(reset=True), usage=False), 1.0),
        (finished_then(*[Write(b": ping\n\n"), Pause(0.1)] * 30), 1.0),  # each inside every bound but all
        (finished_then(*[Write(data_line({"choices": []})), Pause(0.1)] * 30), 1.0),
    ],
    ids=[
        "silent after usage",
        "silent without usage",
        "comments after finish",
        "reset after finish",
        "comments after usage",
        "empty chunks after usage",
    ],
)
def test_an_answer_whose_finish_came_is_whole_without_its_done(
    llm_server: FakeLLMServer, make_llm_client: MakeClient, scenario: Scenario, within: float
) -> None:
    llm_server.enqueue(scenario)
    started = time.monotonic()

    events = collect(make_llm_client(read_timeout=2.0))

    assert tokens(events) == ["Hi."]
    assert isinstance(events[-1], Finished)
    assert events[-1].finish_reason == "stop"
    assert time.monotonic() - started < within


def test_a_silence_that_starts_near_the_deadline_ends_at_it_not_a_read_timeout_later(
    llm_server: FakeLLMServer, make_llm_client: MakeClient
) -> None:
    # The read timeout was capped once, when the request opened: tokens for 0.9 s, then a
    # silence, ended 0.9 + 2 s later with a 1.5 s answer timeout (re-check audit).
    steps = [step for i in range(3) for step in (Write(data_line(chunk(f" t{i}"))), Pause(0.3))]
    llm_server.enqueue(Scenario((*steps, Pause(5.0))))
    started = time.monotonic()

    events, error = collect_until_error(make_llm_client(answer_timeout=1.5, read_timeout=2.0))

    assert error.code == "llm_timeout"
    assert tokens(events) == [" t0", " t1", " t2"]
    assert 1.3 < time.monotonic() - started < 2.0


def test_a_comment_between_the_finish_and_the_usage_keeps_the_usage(
    llm_server: FakeLLMServer, make_llm_client: MakeClient
) -> None:
    # OpenRouter sends processing comments: the answer ended at the first one, without its usage.
    steps = (
        Write(data_line(chunk("Hi."))),
        Write(data_line(chunk(None, finish_reason="stop"))),
        Write(b": OPENROUTER PROCESSING\n\n"),
        Write(data_line(chunk(None, usage=USAGE, choices=False))),
        Write(data_line("[DONE]")),
    )
    llm_server.enqueue(Scenario(steps))

    events = collect(make_llm_client())

    assert isinstance(events[-1], Finished)
    assert events[-1].usage is not None
    assert events[-1].usage.total_tokens == USAGE["total_tokens"]


def test_a_whole_json_answer_with_an_absurd_usage_is_still_the_answer(
    llm_server: FakeLLMServer, make_llm_client: MakeClient
) -> None:
    body = b'{"choices":[{"message":{"content":"A whole answer."},"finish_reason":"stop"}],"usage":{"cost":1e400}}'
    llm_server.enqueue(raw(body, content_type="application/json"))

    events = collect(make_llm_client())

    assert tokens(events) == ["A whole answer."]
    assert events[-1].usage is not None
    assert events[-1].usage.cost is None
