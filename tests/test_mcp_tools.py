"""The MCP tools in-process: ask_question is the chat turn, failures are tool results."""

from __future__ import annotations

import uuid

import pytest

from app.components import components
from app.errors import LLMError
from app.llm.types import Finished, Token


def call_tool(client, name: str, arguments: dict) -> dict:
    message = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": name, "arguments": arguments}}
    response = client.post("/mcp", json=message, headers={"MCP-Protocol-Version": "2025-11-25"})
    assert response.status_code == 200
    return response.get_json()["result"]


def test_ask_question_answers_and_records_the_turn(client, app, scripted_answerer):
    scripted_answerer.enqueue(Token("Ada ran"), Token(" Kubernetes."), Finished("stop"))
    sid = str(uuid.uuid4())

    result = call_tool(client, "ask_question", {"question": "Cloud?", "session_id": sid})

    assert result["structuredContent"] == {
        "answer": "Ada ran Kubernetes.",
        "session_id": sid,
        "sources": ["Experience — Cloudco", "Skills"],
        "mode": None,
        "message_index": 1,
        "finish_reason": "stop",
    }
    assert result["content"] == [
        {"type": "text", "text": f"Ada ran Kubernetes.\n\nSources: Experience — Cloudco, Skills\nsession_id: {sid}"}
    ]
    messages = components(app).sessions.get(sid).messages
    assert [m.content for m in messages] == ["Cloud?", "Ada ran Kubernetes."]


@pytest.mark.parametrize(
    ("code", "text"),
    [
        ("llm_rate_limited", "The language model is busy; please try again shortly."),
        ("llm_timeout", "The language model took too long to respond."),
    ],
)
def test_llm_failures_are_tool_errors_with_the_safe_sentence(client, scripted_answerer, code, text):
    scripted_answerer.enqueue(LLMError(code))

    result = call_tool(client, "ask_question", {"question": "Cloud?"})

    assert result == {"content": [{"type": "text", "text": text}], "isError": True}


def test_a_tool_error_with_a_known_wait_says_it_to_the_calling_model(client, scripted_answerer):
    scripted_answerer.enqueue(LLMError("llm_rate_limited", retry_after=6.5))

    result = call_tool(client, "ask_question", {"question": "Cloud?"})

    assert result["isError"] is True
    assert result["content"][0]["text"].endswith("Retry after 7 s.")


@pytest.mark.parametrize(
    ("name", "arguments", "mentions"),
    [
        ("ask_question", {}, "question"),
        ("ask_question", {"question": "ok", "session_id": "not-a-uuid"}, "session_id"),
        ("assess_fit", {"job_description": "too short"}, "job_description"),
        # Validated as over HTTP: 60 characters, but only 10 of text before the padding.
        ("assess_fit", {"job_description": "Python dev" + " " * 50}, "not counting padding"),
        ("ask_question", {"question": " \n\t "}, "only whitespace"),
        ("ask_question", {"question": "\u200b\ufeff\u00ad"}, "invisible characters"),
        ("assess_fit", {"job_description": "\u200b" * 60}, "not counting padding or invisible ones"),
        ("assess_fit", {"job_description": "Engineer " + "\ufdfa" * 900}, "normalisation"),
    ],
)
def test_bad_arguments_are_tool_errors(client, name, arguments, mentions):
    result = call_tool(client, name, arguments)

    assert result["isError"] is True
    assert mentions in result["content"][0]["text"]
    assert "Value error" not in result["content"][0]["text"]  # pydantic's prefix, not our sentence


def test_tool_schemas_come_from_the_argument_models(client):
    message = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
    tools = {tool["name"]: tool for tool in client.post("/mcp", json=message).get_json()["result"]["tools"]}

    ask = tools["ask_question"]
    assert ask["inputSchema"]["required"] == ["question"]
    assert ask["inputSchema"]["properties"]["question"]["maxLength"] == 2000
    assert set(ask["outputSchema"]["properties"]) == {
        "answer",
        "session_id",
        "sources",
        "mode",
        "message_index",
        "finish_reason",
    }
    assert tools["assess_fit"]["inputSchema"]["properties"]["job_description"]["minLength"] == 50
