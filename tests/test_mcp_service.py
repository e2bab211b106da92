"""The MCP endpoint end to end: the official MCP Python client against real gunicorn with
gevent workers, a gRPC memvid fake and an OpenAI-compatible fake LLM; then the product with
nothing configured (example resume, offline answers)."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError
from mcp_types import TextResourceContents

from tests.fake_llm import http_error, stream
from tests.fake_memvid import cloud_hits, module_memvid
from tests.servers import Service, gunicorn, service_env

PROFILE = {"name": "Ada Example", "suggested_questions": ["What cloud work has Ada done?"]}
UNSET = {"MEMVID_GRPC_URL": "", "OPENROUTER_API_KEY": "", "MEMVID_FILE": ""}


memvid = module_memvid(cloud_hits(), PROFILE)


@pytest.fixture(scope="module")
def service(memvid, llm, tmp_path_factory) -> Iterator[Service]:
    with gunicorn(service_env(memvid.target, llm.base_url), tmp_path_factory.mktemp("mcp")) as running:
        yield running


def with_client(url: str, session: Callable[[Client], Awaitable[Any]], mode: str = "auto") -> Any:
    """Connect the official client to `url`/mcp, run `session` with it, return its result."""

    async def main() -> Any:
        async with Client(f"{url}/mcp", mode=mode, read_timeout_seconds=20) as client:
            return await session(client)

    return asyncio.run(main())


def resource_json(result: Any) -> Any:
    (contents,) = result.contents
    assert isinstance(contents, TextResourceContents)
    assert contents.mime_type == "application/json"
    return json.loads(contents.text)


@pytest.mark.parametrize(("mode", "version"), [("auto", "2026-07-28"), ("legacy", "2025-11-25")])
def test_client_lists_tools_and_resources_and_reads_both(service, mode, version):
    async def session(client: Client) -> tuple[Any, ...]:
        tools = await client.list_tools()
        resources = await client.list_resources()
        profile = await client.read_resource("profile://current")
        questions = await client.read_resource("questions://suggested")
        return client.protocol_version, tools, resources, profile, questions

    protocol_version, tools, resources, profile, questions = with_client(service.url, session, mode)

    assert protocol_version == version
    assert {tool.name for tool in tools.tools} == {"ask_question", "assess_fit"}
    assert {str(resource.uri) for resource in resources.resources} == {"profile://current", "questions://suggested"}
    assert resource_json(profile)["name"] == "Ada Example"
    assert "system_prompt" not in resource_json(profile)
    assert resource_json(questions) == {
        "questions": [{"question": "What cloud work has Ada done?", "category": "general"}]
    }


@pytest.mark.parametrize("mode", ["auto", "legacy"])
def test_ask_question_is_a_chat_turn_with_sources_and_a_session(service, llm, mode):
    llm.enqueue(stream(["Ada", " ran", " K8s."]), stream(["On", " AWS."]))
    sid = str(uuid.uuid4())

    async def session(client: Client) -> tuple[Any, Any]:
        first = await client.call_tool("ask_question", {"question": "What cloud work?", "session_id": sid})
        second = await client.call_tool("ask_question", {"question": "Where?", "session_id": sid})
        return first, second

    first, second = with_client(service.url, session, mode)

    assert not first.is_error
    assert first.structured_content == {
        "answer": "Ada ran K8s.",
        "session_id": sid,
        "sources": ["Experience — Cloudco", "Skills"],
        "mode": None,
        "message_index": 1,
        "finish_reason": "stop",
    }
    assert first.content[0].text.startswith("Ada ran K8s.")
    assert second.structured_content["answer"] == "On AWS."
    assert second.structured_content["message_index"] == 3
    follow_up = llm.requests[-1].json["messages"]
    assert {"role": "assistant", "content": "Ada ran K8s."} in follow_up  # the session carried on


def test_assess_fit_returns_the_structured_assessment(service, llm):
    answer = {"verdict": "Good fit: Kubernetes.", "key_matches": ["Kubernetes"], "gaps": [], "recommendation": "Talk."}
    llm.enqueue(stream([json.dumps(answer)]))

    async def session(client: Client) -> Any:
        return await client.call_tool("assess_fit", {"job_description": "Platform engineer running Kubernetes. " * 3})

    fit = with_client(service.url, session)

    assert not fit.is_error
    assert {key: fit.structured_content[key] for key in answer} == answer
    assert fit.structured_content["chunks_retrieved"] >= 1
    assert fit.structured_content["tokens_used"] > 0


def test_tool_errors_reach_the_client_as_results_and_unknown_tools_as_errors(service, llm):
    llm.enqueue(stream(["not json"]), stream(["still not json"]))

    async def session(client: Client) -> tuple[Any, ...]:
        blank = await client.call_tool("ask_question", {"question": "   "})
        fit = await client.call_tool("assess_fit", {"job_description": "Platform engineer. " * 5})
        with pytest.raises(MCPError) as unknown:
            await client.call_tool("no_such_tool", {})
        with pytest.raises(MCPError) as missing:
            await client.read_resource("profile://nobody")
        return blank, fit, unknown.value, missing.value

    blank, fit, unknown, missing = with_client(service.url, session)

    assert blank.is_error
    assert "question" in blank.content[0].text
    assert fit.is_error
    # llm_bad_response after one repair, never a made-up verdict
    assert "did not give an assessment" in fit.content[0].text
    assert unknown.error.code == -32602
    assert "no_such_tool" in unknown.error.message
    assert missing.error.code == -32602


def test_llm_failure_is_a_tool_error_with_a_safe_message(service, llm):
    llm.enqueue(http_error(401))  # never retried

    result = with_client(service.url, lambda client: client.call_tool("ask_question", {"question": "Cloud?"}))

    assert result.is_error
    assert result.content[0].text == "The language model rejected this service's credentials."


def test_an_upstream_wait_reaches_the_calling_model_at_most_as_an_hour(service, llm):
    llm.enqueue(http_error(429, retry_after=1_000_000_000))  # reached the model as it was

    result = with_client(service.url, lambda client: client.call_tool("ask_question", {"question": "Cloud?"}))

    assert result.is_error
    assert result.content[0].text.endswith("Retry after 3600 s.")


def test_nothing_configured_answers_from_the_example_resume(tmp_path):
    with gunicorn(UNSET, tmp_path) as service:
        result = with_client(
            service.url,
            lambda client: client.call_tool("ask_question", {"question": "What cloud experience do they have?"}),
        )

    assert not result.is_error
    assert result.structured_content["answer"].strip()
    assert result.structured_content["sources"]  # built from resume passages
    assert result.structured_content["mode"] == "offline"
