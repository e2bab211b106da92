"""POST /mcp through Flask's test client: JSON-RPC errors, version negotiation, transport rules."""

from __future__ import annotations

import base64
import gzip
import json
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from app.factory import create_app
from app.state.memory_sessions import MemorySessionStore
from app.telemetry.metrics import register_service_metrics

MODERN = "2026-07-28"
META = {"io.modelcontextprotocol/protocolVersion": MODERN, "io.modelcontextprotocol/clientCapabilities": {}}


def modern_headers(method: str, name: str | None = None, version: str = MODERN) -> dict[str, str]:
    headers = {"MCP-Protocol-Version": version, "Mcp-Method": method}
    if name is not None:
        headers["Mcp-Name"] = name
    return headers


def rpc(client, method: str, params: dict[str, Any] | None = None, headers: dict[str, str] | None = None, **body):
    message: dict[str, Any] = {"jsonrpc": "2.0", "id": 7, "method": method, **body}
    if params is not None:
        message["params"] = params
    return client.post("/mcp", json=message, headers=headers or {})


def error_of(response) -> dict[str, Any]:
    body = response.get_json()
    assert body["jsonrpc"] == "2.0"
    return body["error"]


@pytest.mark.parametrize(
    ("data", "content_type", "status", "code"),
    [
        (b"{not json", "application/json", 400, -32700),
        (b'{"jsonrpc":"2.0","id":NaN,"method":"ping"}', "application/json", 400, -32700),  # not JSON (RFC 8259)
        (b'{"jsonrpc":"2.0","id":1,"method":"\\ud800"}', "application/json", 400, -32700),  # no text: was a 500
        (b"[]", "application/json", 400, -32600),  # batches ended with 2025-06-18
        (b'[{"jsonrpc":"2.0","id":1,"method":"ping"}]', "application/json", 400, -32600),
        (b'{"jsonrpc":"2.0","id":1}', "application/json", 400, -32600),  # a response, not a request
        (b'{"jsonrpc":"2.0","id":[1],"method":"ping"}', "application/json", 400, -32600),
        (b'{"jsonrpc":"2.0","method":7}', "application/json", 400, -32600),  # a broken notification
        (b'{"jsonrpc":"2.0","id":1,"method":"ping"}', "text/plain", 415, -32600),
        (b"[" * 60_000, "application/json", 400, -32700),
    ],
)
def test_unreadable_bodies_get_a_json_rpc_error_without_id(client, data, content_type, status, code):
    response = client.post("/mcp", data=data, content_type=content_type)

    assert response.status_code == status
    assert response.get_json()["id"] is None
    assert error_of(response)["code"] == code


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b'{"jsonrpc":"1.0","id":9,"method":"ping"}', -32600),
        (b'{"jsonrpc":"2.0","id":9,"method":"ping","params":[1]}', -32602),
        (b'{"jsonrpc":"2.0","id":"nine","method":"tools/list","params":"x"}', -32602),
    ],
)
def test_an_invalid_request_whose_id_can_be_read_is_answered_with_it(client, data, code):
    # JSON-RPC 2.0 allows a null id only when the id cannot be read: the client could not
    # match these errors to its requests.
    response = client.post("/mcp", data=data, content_type="application/json")

    assert response.status_code == 400
    assert response.get_json()["id"] == json.loads(data)["id"]
    assert error_of(response)["code"] == code


@pytest.mark.parametrize("method", ["tools/list", "resources/list", "resources/templates/list"])
def test_a_cursor_this_server_never_issued_is_invalid_params(client, method):
    response = rpc(client, method, {"cursor": "abc"}, {"MCP-Protocol-Version": "2025-11-25"})

    assert response.get_json()["id"] == 7
    assert error_of(response)["code"] == -32602


def test_oversized_body_is_413_with_a_json_rpc_error(app_config, fake_memvid, scripted_answerer):
    client = create_app(
        {**app_config, "max_request_bytes": 1024}, memvid=fake_memvid, llm=scripted_answerer
    ).test_client()

    response = rpc(client, "ping", {"padding": "x" * 2000})

    assert response.status_code == 413
    assert error_of(response)["code"] == -32600


def test_a_compressed_body_is_415_not_read_as_json(client):
    body = gzip.compress(b'{"jsonrpc":"2.0","id":1,"method":"ping"}')

    response = client.post("/mcp", data=body, content_type="application/json", headers={"Content-Encoding": "gzip"})

    assert response.status_code == 415
    assert "uncompressed" in error_of(response)["message"]


def test_accept_without_json_or_an_event_stream_is_406(client):
    response = client.post("/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "ping"}, headers={"Accept": "text/html"})

    assert response.status_code == 406


def test_a_client_accepting_only_an_event_stream_gets_the_answer_as_one_event(client):
    # Some MCP proxies send only `Accept: text/event-stream`: they were refused with 406.
    message = {"jsonrpc": "2.0", "id": 5, "method": "tools/list"}
    legacy = {"MCP-Protocol-Version": "2025-11-25"}

    streamed = client.post("/mcp", json=message, headers={**legacy, "Accept": "text/event-stream"})
    plain = client.post("/mcp", json=message, headers={**legacy, "Accept": "application/json, text/event-stream"})

    assert streamed.status_code == 200
    assert streamed.mimetype == "text/event-stream"
    event, data, end = streamed.get_data(as_text=True).split("\n", 2)
    assert (event, end) == ("event: message", "\n")
    assert json.loads(data.removeprefix("data: ")) == plain.get_json()
    assert plain.mimetype == "application/json"
    # Its errors too: such a client reads nothing else.
    broken = client.post(
        "/mcp", data=b"{not json", content_type="application/json", headers={"Accept": "text/event-stream"}
    )
    assert (broken.status_code, broken.mimetype) == (400, "text/event-stream")
    assert json.loads(broken.get_data(as_text=True).split("data: ", 1)[1])["error"]["code"] == -32700


@pytest.mark.parametrize("method", ["get", "delete"])
def test_no_get_stream_and_no_session_to_delete(client, method):
    assert getattr(client, method)("/mcp").status_code == 405


@pytest.mark.parametrize(
    ("cors_origins", "origin", "status"),
    [
        ([], None, 200),
        ([], "http://evil.example", 403),
        ([], "http://localhost", 403),  # a rebound DNS name looks local too: only a configured origin passes
        (["https://resume.example"], "https://resume.example", 200),
        (["https://resume.example"], "https://resume.example.evil", 403),
        (["*"], "http://anything.example", 200),
    ],
)
def test_origin_is_checked(app_config, fake_memvid, scripted_answerer, cors_origins, origin, status):
    app = create_app({**app_config, "cors_origins": cors_origins}, memvid=fake_memvid, llm=scripted_answerer)
    headers = {"Origin": origin} if origin else {}

    response = rpc(app.test_client(), "ping", headers=headers)

    assert response.status_code == status
    if status == 403:
        assert error_of(response)["code"] == -32600


@pytest.mark.parametrize("method", ["notifications/initialized", "notifications/cancelled", "notifications/unknown"])
def test_notifications_are_accepted_with_202_and_no_body(client, method):
    response = client.post("/mcp", json={"jsonrpc": "2.0", "method": method})

    assert response.status_code == 202
    assert response.data == b""


@pytest.mark.parametrize(
    ("requested", "negotiated"),
    [
        ("2025-11-25", "2025-11-25"),
        ("2025-03-26", "2025-03-26"),
        ("2024-11-05", "2024-11-05"),
        ("1999-01-01", "2025-11-25"),
    ],
)
def test_initialize_negotiates_a_handshake_version(client, requested, negotiated):
    params = {"protocolVersion": requested, "capabilities": {}, "clientInfo": {"name": "test", "version": "1"}}

    result = rpc(client, "initialize", params).get_json()["result"]

    assert result["protocolVersion"] == negotiated
    assert result["serverInfo"]["name"] == "ai-resume-api"
    assert set(result["capabilities"]) == {"tools", "resources"}


def test_server_discover_names_every_version(client):
    response = rpc(client, "server/discover", {"_meta": META}, modern_headers("server/discover"))

    result = response.get_json()["result"]
    assert result["supportedVersions"][0] == MODERN
    assert "2025-11-25" in result["supportedVersions"]
    assert result["resultType"] == "complete"


@pytest.mark.parametrize(
    ("method", "params", "headers", "status", "code"),
    [
        # legacy era: errors of dispatch travel in a 200
        ("nope", None, {"MCP-Protocol-Version": "2025-11-25"}, 200, -32601),
        ("tools/call", {}, {"MCP-Protocol-Version": "2025-11-25"}, 200, -32602),
        ("server/discover", None, {"MCP-Protocol-Version": "2025-11-25"}, 200, -32601),
        ("ping", None, {"MCP-Protocol-Version": "1999-01-01"}, 400, -32022),
        ("ping", None, {"MCP-Protocol-Version": MODERN}, 400, -32602),  # modern header, no _meta
        # modern era: the transport's statuses
        ("nope", {"_meta": META}, modern_headers("nope"), 404, -32601),
        ("initialize", {"_meta": META}, modern_headers("initialize"), 404, -32601),
        ("ping", {"_meta": META}, modern_headers("ping"), 404, -32601),  # removed in 2026-07-28
        ("tools/call", {"_meta": META}, modern_headers("tools/call"), 400, -32602),
        ("tools/list", {"_meta": META}, modern_headers("resources/list"), 400, -32020),
        ("tools/list", {"_meta": META}, {"Mcp-Method": "tools/list"}, 400, -32020),
        ("tools/list", {"_meta": META}, modern_headers("tools/list", version="2025-11-25"), 400, -32020),
        (
            "tools/call",
            {"_meta": META, "name": "ask_question"},
            modern_headers("tools/call", "assess_fit"),
            400,
            -32020,
        ),
        ("tools/call", {"_meta": META, "name": "ask_question"}, modern_headers("tools/call"), 400, -32020),
        (
            "tools/list",
            {"_meta": {"io.modelcontextprotocol/protocolVersion": MODERN}},
            modern_headers("tools/list"),
            400,
            -32602,
        ),
    ],
)
def test_json_rpc_errors(client, method, params, headers, status, code):
    response = rpc(client, method, params, headers)

    assert response.status_code == status
    assert response.get_json()["id"] == 7
    assert error_of(response)["code"] == code


def test_a_repeated_routing_header_is_a_mismatch(client):
    message = {"jsonrpc": "2.0", "id": 7, "method": "tools/list", "params": {"_meta": META}}
    headers = [("MCP-Protocol-Version", MODERN), ("Mcp-Method", "tools/list"), ("Mcp-Method", "tools/list")]

    response = client.post("/mcp", json=message, headers=headers)

    assert response.status_code == 400
    assert error_of(response)["code"] == -32020


def test_unsupported_modern_version_names_the_supported_ones(client):
    meta = {**META, "io.modelcontextprotocol/protocolVersion": "2099-01-01"}

    response = rpc(client, "tools/list", {"_meta": meta}, modern_headers("tools/list", version="2099-01-01"))

    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == -32022
    assert error["data"]["requested"] == "2099-01-01"
    assert MODERN in error["data"]["supported"]


def test_base64_mcp_name_is_decoded_before_comparing(client):
    encoded = "=?base64?" + base64.b64encode(b"profile://current").decode() + "?="
    params = {"_meta": META, "uri": "profile://current"}

    response = rpc(client, "resources/read", params, modern_headers("resources/read", encoded))

    assert response.status_code == 200
    assert json.loads(response.get_json()["result"]["contents"][0]["text"])["name"] == "Ada Example"


def test_ping_answers_an_empty_result(client):
    response = rpc(client, "ping", headers={"MCP-Protocol-Version": "2025-11-25"})

    assert response.get_json() == {"jsonrpc": "2.0", "id": 7, "result": {}}


@pytest.mark.parametrize(
    ("available", "profile_json", "code", "message"),
    [
        (False, None, -32603, "The resume search service is unavailable right now."),
        (True, None, -32002, "This resume has no candidate profile."),  # "Resource not found" (to 2025-11-25)
    ],
)
def test_resource_read_failures(client, fake_memvid, available, profile_json, code, message):
    fake_memvid.available, fake_memvid.profile_json = available, profile_json

    response = rpc(client, "resources/read", {"uri": "questions://suggested"})

    assert {k: error_of(response)[k] for k in ("code", "message")} == {"code": code, "message": message}


@pytest.mark.parametrize(("revision", "code"), [("2025-06-18", -32002), ("2025-11-25", -32002), (MODERN, -32602)])
def test_an_unknown_resource_gets_the_code_of_the_negotiated_revision(client, revision, code):
    params: dict[str, Any] = {"uri": "x://y"}
    headers = {"MCP-Protocol-Version": revision}
    if revision == MODERN:
        params["_meta"] = META
        headers = modern_headers("resources/read", "x://y")

    response = rpc(client, "resources/read", params, headers)

    assert error_of(response)["code"] == code


def test_a_notification_with_an_unsupported_version_header_is_refused(client):
    message = {"jsonrpc": "2.0", "method": "notifications/initialized"}

    refused = client.post("/mcp", json=message, headers={"MCP-Protocol-Version": "1999-01-01"})
    accepted = client.post("/mcp", json=message, headers={"MCP-Protocol-Version": "2025-11-25"})

    assert (refused.status_code, error_of(refused)["code"]) == (400, -32022)
    assert (accepted.status_code, accepted.data, accepted.headers.get("Content-Type")) == (202, b"", None)


def test_tool_call_validates_arguments_into_a_tool_error(client):
    response = rpc(client, "tools/call", {"name": "ask_question", "arguments": {"question": "x" * 2001, "extra": 1}})

    result = response.get_json()["result"]
    assert result["isError"] is True
    assert "question" in result["content"][0]["text"]
    assert "extra" in result["content"][0]["text"]


def test_mcp_requests_are_rate_limited_per_client_with_a_json_rpc_error(app_config, fake_memvid, scripted_answerer):
    app = create_app({**app_config, "rate_limit_per_minute": 2}, memvid=fake_memvid, llm=scripted_answerer)
    client = app.test_client()
    other = {"REMOTE_ADDR": "10.0.0.9"}

    ask = {"name": "ask_question", "arguments": {"question": "Kubernetes?"}}
    statuses = [rpc(client, "tools/call", ask).status_code for _ in range(3)]
    limited = rpc(client, "tools/call", ask)
    pings = [rpc(client, "ping").status_code for _ in range(5)]  # connecting and listing cost nothing
    other_client = client.post(
        "/mcp", json={"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": ask}, environ_base=other
    )

    assert statuses == [200, 200, 429]
    assert pings == [200] * 5
    assert limited.headers["Retry-After"]
    assert error_of(limited)["code"] == -32010
    # The client can match the refusal to its call, and back off: the SDKs show it no header.
    assert limited.get_json()["id"] == 7
    assert 0 < error_of(limited)["data"]["retry_after"] <= 61
    assert str(error_of(limited)["data"]["retry_after"]) == limited.headers["Retry-After"]
    assert other_client.status_code == 200


def counted(method: str, outcome: str) -> float:
    registry = CollectorRegistry()
    register_service_metrics(registry)
    return registry.get_sample_value("mcp_requests_total", {"method": method, "outcome": outcome}) or 0.0


def test_requests_are_counted_in_metrics(client):
    before = counted("tools/list", "ok"), counted("other", "method_not_found")

    rpc(client, "tools/list")
    rpc(client, "nope")

    assert (counted("tools/list", "ok"), counted("other", "method_not_found")) == (before[0] + 1, before[1] + 1)
    assert "mcp_requests_total" in client.get("/metrics").get_data(as_text=True)


def test_mcp_is_in_the_openapi_document(client):
    assert "post" in client.get("/openapi.json").get_json()["paths"]["/mcp"]


class BrokenSessions(MemorySessionStore):
    """A session store with a bug: opening a conversation raises what no handler expects."""

    def open_conversation(self, session_id):
        raise RuntimeError("secret internals")


def test_a_fault_of_ours_is_a_json_rpc_internal_error_that_is_counted_and_hides_the_fault(app_config, fake_memvid):
    sessions = BrokenSessions(ttl=60, max_sessions=10, max_history=10)
    client = create_app(app_config, memvid=fake_memvid, sessions=sessions).test_client()
    before = counted("other", "internal_error")

    response = rpc(client, "tools/call", {"name": "ask_question", "arguments": {"question": "Where has she worked?"}})

    assert response.status_code == 500
    assert error_of(response)["code"] == -32603
    assert "secret internals" not in response.get_data(as_text=True)
    assert counted("other", "internal_error") == before + 1
