"""Parsing, validating and repairing the LLM's JSON assessment (app/fit/llm_assessor.py), with a scripted answerer."""

from __future__ import annotations

import json

import pytest
from prometheus_client import CollectorRegistry

from app.errors import LLMError
from app.fit.llm_assessor import assess_with_llm, parse_assessment
from app.llm.deadline import AnswerDeadline
from app.llm.types import Finished, Token, Usage
from app.telemetry.metrics import register_service_metrics
from tests.fakes import ScriptedAnswerer

VALID = {"verdict": "Weak fit.", "key_matches": [], "gaps": ["Go"], "recommendation": "Pass."}


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        (json.dumps(VALID), True),
        ("```json\n" + json.dumps(VALID) + "\n```", True),  # a code fence around the JSON
        (json.dumps({**VALID, "verdict": "   "}), False),
        (json.dumps({**VALID, "score": 9}), True),  # says more than asked: the extra key is dropped
        (json.dumps({k: v for k, v in VALID.items() if k != "gaps"}), False),
        (json.dumps({**VALID, "gaps": "Go"}), False),
        (json.dumps({**VALID, "gaps": ["x"] * 13}), True),  # the first twelve are kept
        (json.dumps({**VALID, "verdict": None}), False),
        (json.dumps({**VALID, "gaps": [3]}), False),
        ("[" * 100_000, False),
        ("Here is the assessment:\n" + json.dumps(VALID) + "\nI hope this helps.", True),  # words around it
        ("<think>The JD wants {Go, Rust}.</think>" + json.dumps(VALID), True),  # a model's notes first
        ("Assessment: " + json.dumps({**VALID, "verdict": 9}), False),  # found, but not the required shape
        ("The candidate is a strong fit.", False),
        ("", False),
    ],
)
def test_parse_assessment(text: str, ok: bool) -> None:
    assessment, problem = parse_assessment(text)
    assert (assessment is not None) is ok
    assert bool(problem) is not ok


def test_a_reply_saying_more_than_asked_is_tidied_not_refused() -> None:
    long_gap = "Kubernetes " * 100
    reply = {**VALID, "score": 8, "key_matches": ["", *[f"m{i}" for i in range(15)]], "gaps": [long_gap]}

    assessment, problem = parse_assessment(json.dumps(reply))

    assert problem == ""
    assert assessment is not None
    assert assessment.key_matches == [f"m{i}" for i in range(12)]
    assert len(assessment.gaps[0]) <= 600
    assert assessment.gaps[0].endswith("Kubernetes\u2026")


def test_the_problem_never_quotes_the_reply() -> None:
    _, problem = parse_assessment(json.dumps({**VALID, "gaps": "SECRET-REPLY-TEXT"}))
    assert "SECRET-REPLY-TEXT" not in problem
    assert "gaps" in problem


def _reply(text: str, tokens: int = 10) -> list:
    return [Token(text), Finished("stop", Usage(tokens - 1, 1, tokens))]


def repairs() -> float:
    registry = CollectorRegistry()
    register_service_metrics(registry)
    return registry.get_sample_value("fit_json_repairs_total") or 0.0


def test_one_repair_then_success_adds_up_tokens() -> None:
    answerer = ScriptedAnswerer()
    answerer.enqueue(*_reply("nope", 10))
    answerer.enqueue(*_reply(json.dumps(VALID), 20))
    repairs_before = repairs()

    assessment, tokens, _ = assess_with_llm(answerer, [{"role": "user", "content": "job"}], "q")

    assert assessment.verdict == "Weak fit."
    assert tokens == 30
    assert repairs() == repairs_before + 1
    assert [m["role"] for m in answerer.requests[1].messages] == ["user", "assistant", "user"]
    assert all(r.response_format and r.response_format["type"] == "json_schema" for r in answerer.requests)


def test_a_stream_without_an_end_is_a_bad_response() -> None:
    answerer = ScriptedAnswerer()
    answerer.enqueue(Token("{"))
    with pytest.raises(LLMError) as raised:
        assess_with_llm(answerer, [{"role": "user", "content": "job"}], "q")
    assert raised.value.code == "llm_bad_response"
    assert answerer.closed_streams == 1


@pytest.mark.parametrize("status", [400, 422, 500, 501])
def test_a_server_refusing_the_json_schema_is_asked_again_without_it(status: int) -> None:
    # 422: a validating (FastAPI-style) server; 500/501: one that never implemented it.
    answerer = ScriptedAnswerer()
    answerer.enqueue(LLMError("llm_error", upstream_status=status))
    answerer.enqueue(*_reply(json.dumps(VALID), 20))

    assessment, tokens, _ = assess_with_llm(answerer, [{"role": "user", "content": "job"}], "q")

    assert (assessment.verdict, tokens) == ("Weak fit.", 20)
    assert [r.response_format is not None for r in answerer.requests] == [True, False]


@pytest.mark.parametrize("failure", [LLMError("llm_error"), LLMError("llm_unavailable", upstream_status=503)])
def test_other_failures_are_not_asked_again(failure: LLMError) -> None:
    answerer = ScriptedAnswerer()
    answerer.enqueue(failure)

    with pytest.raises(LLMError):
        assess_with_llm(answerer, [{"role": "user", "content": "job"}], "q")
    assert len(answerer.requests) == 1


def test_every_call_shares_the_one_deadline_and_none_starts_once_it_has_passed() -> None:
    answerer = ScriptedAnswerer()
    answerer.enqueue(0.3, *_reply("nope", 10))  # takes the whole deadline, and is no assessment
    deadline = AnswerDeadline.after(0.2)

    with pytest.raises(LLMError) as raised:
        assess_with_llm(answerer, [{"role": "user", "content": "job"}], "q", deadline)

    assert raised.value.code == "llm_timeout"
    assert len(answerer.requests) == 1  # no repair asked for after the deadline
    assert answerer.requests[0].deadline is deadline  # what an OpenRouter client reads and waits by
