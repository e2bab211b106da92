"""The JSON-RPC methods this MCP server answers, each parsed and serialised per protocol revision."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mcp_types import (
    SERVER_INFO_META_KEY,
    CallToolRequest,
    DiscoverResult,
    EmptyResult,
    Implementation,
    InitializeResult,
    ListResourcesResult,
    ListResourceTemplatesResult,
    ListToolsResult,
    ReadResourceRequest,
    Request,
    ResourcesCapability,
    Result,
    ServerCapabilities,
    ToolsCapability,
)
from mcp_types.jsonrpc import INVALID_PARAMS, METHOD_NOT_FOUND
from mcp_types.methods import parse_client_request, serialize_server_result
from pydantic import ValidationError

from app import __version__
from app.errors import validation_message
from app.mcp import resources, tools
from app.mcp.protocol import SUPPORTED_VERSIONS, Negotiated, RpcError

SERVER_INFO = Implementation(name="ai-resume-api", title="AI Resume", version=__version__)
CAPABILITIES = ServerCapabilities(
    tools=ToolsCapability(list_changed=False), resources=ResourcesCapability(subscribe=False, list_changed=False)
)
INSTRUCTIONS = (
    "This server answers questions about one job candidate from their resume. Use ask_question for "
    "anything about their experience or skills (pass back session_id for follow-ups), assess_fit to "
    "compare them with a job description, and the profile://current resource for their full profile."
)
_LIST_TTL_MS = 60_000  # tools and resources change only with a new deployment


def answer(method: str, params: dict[str, Any] | None, negotiated: Negotiated) -> dict[str, Any]:
    """Run one request and return its result in the wire shape of the negotiated revision."""
    handler = _HANDLERS.get(method)
    try:
        request = parse_client_request(method, negotiated.version, params)
    except KeyError:
        # Not a method of this revision (e.g. `initialize` in 2026-07-28), or not one at all.
        raise RpcError(METHOD_NOT_FOUND, f"Method not found: {method[:100]}") from None
    except ValidationError as error:
        raise RpcError(INVALID_PARAMS, _describe(error)) from None
    if handler is None:
        raise RpcError(METHOD_NOT_FOUND, f"Method not found: {method[:100]}")
    if method.endswith("/list") and (params or {}).get("cursor") is not None:
        # Every list is answered whole, so no cursor was ever given out: any is invalid.
        raise RpcError(INVALID_PARAMS, "Invalid params (cursor: this server issues no cursors; lists come whole).")
    result = handler(request, negotiated)
    data = result.model_dump(by_alias=True, mode="json", exclude_none=True)
    return serialize_server_result(method, negotiated.version, data)


def _initialize(_request: Request[Any, Any], negotiated: Negotiated) -> Result:
    return InitializeResult(
        protocol_version=negotiated.version,
        capabilities=CAPABILITIES,
        server_info=SERVER_INFO,
        instructions=INSTRUCTIONS,
    )


def _discover(_request: Request[Any, Any], _negotiated: Negotiated) -> Result:
    return DiscoverResult(
        supported_versions=list(SUPPORTED_VERSIONS),
        capabilities=CAPABILITIES,
        instructions=INSTRUCTIONS,
        _meta={SERVER_INFO_META_KEY: SERVER_INFO.model_dump(mode="json", by_alias=True, exclude_none=True)},
        ttl_ms=_LIST_TTL_MS,
        cache_scope="public",
    )


def _ping(_request: Request[Any, Any], negotiated: Negotiated) -> Result:
    return EmptyResult(result_type="complete" if negotiated.modern else None)


def _list_tools(_request: Request[Any, Any], _negotiated: Negotiated) -> Result:
    return ListToolsResult(
        tools=[spec.definition for spec in tools.TOOLS.values()], ttl_ms=_LIST_TTL_MS, cache_scope="public"
    )


def _call_tool(request: Request[Any, Any], _negotiated: Negotiated) -> Result:
    assert isinstance(request, CallToolRequest)
    return tools.call(request.params.name, request.params.arguments)


def _list_resources(_request: Request[Any, Any], _negotiated: Negotiated) -> Result:
    return ListResourcesResult(resources=resources.RESOURCES, ttl_ms=_LIST_TTL_MS, cache_scope="public")


def _list_resource_templates(_request: Request[Any, Any], _negotiated: Negotiated) -> Result:
    return ListResourceTemplatesResult(resource_templates=[], ttl_ms=_LIST_TTL_MS, cache_scope="public")


def _read_resource(request: Request[Any, Any], negotiated: Negotiated) -> Result:
    assert isinstance(request, ReadResourceRequest)
    return resources.read(str(request.params.uri), modern=negotiated.modern)


_HANDLERS: dict[str, Callable[[Request[Any, Any], Negotiated], Result]] = {
    "initialize": _initialize,
    "server/discover": _discover,
    "ping": _ping,
    "tools/list": _list_tools,
    "tools/call": _call_tool,
    "resources/list": _list_resources,
    "resources/templates/list": _list_resource_templates,
    "resources/read": _read_resource,
}


def _describe(error: ValidationError) -> str:
    problems = "; ".join(
        f"{'.'.join(str(p) for p in item['loc']) or 'params'}: {validation_message(item)}"
        for item in error.errors(include_url=False, include_input=False)[:5]
    )
    return f"Invalid params ({problems})."
