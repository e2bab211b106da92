"""The OpenAPI document and /docs, generated from the models (app/api/schemas.py)."""

from __future__ import annotations

import re

import pytest

from app.api.event_schemas import STREAM_EVENT
from app.errors import LLMError
from app.factory import create_app
from app.llm.types import Finished, Token
from tests.sse_client import events


def test_openapi_document_is_generated_from_models(client):
    spec = client.get("/openapi.json").get_json()

    assert spec["openapi"].startswith("3.")
    assert "/api/v1/chat" in spec["paths"]
    schema = spec["components"]["schemas"]["ChatRequest"]
    assert schema["properties"]["message"]["maxLength"] == 2000
    assert client.get("/docs", follow_redirects=True).status_code == 200


def test_the_stream_events_are_typed_in_the_document(client):
    spec = client.get("/openapi.json").get_json()

    stream = spec["paths"]["/api/v1/chat"]["post"]["responses"]["200"]["content"]["text/event-stream"]
    events = stream["schema"]["properties"]["data"]["contentSchema"]["oneOf"]
    assert [event["properties"]["type"]["const"] for event in events] == ["retrieval", "token", "done", "error"]
    assert "message_index" in events[2]["properties"]
    assert "retry_after" in events[3]["properties"]


def test_every_event_a_stream_sends_is_one_the_document_describes(client, scripted_answerer):
    scripted_answerer.enqueue(Token("Hi"), Finished("stop"))
    scripted_answerer.enqueue(Token("Half"), LLMError("llm_rate_limited", retry_after=3))
    sent = []
    for _ in range(2):
        sent += events(client.post("/api/v1/chat", json={"message": "What cloud work?"}).get_data())

    for event in sent:
        model = STREAM_EVENT.validate_python(event)
        assert set(event) <= set(type(model).model_fields), f"undocumented field in {event}"
    assert {event["type"] for event in sent} == {"retrieval", "token", "done", "error"}


def test_operations_are_named_by_their_view_and_claim_no_422_they_cannot_give(client):
    paths = client.get("/openapi.json").get_json()["paths"]

    ids = {op["operationId"] for item in paths.values() for op in item.values()}
    assert {"chat", "assess_fit", "feedback", "profile", "suggested_questions", "mcp"} <= ids
    assert "422" not in paths["/api/v1/profile"]["get"]["responses"]  # nothing to validate: no 422
    chat_422 = paths["/api/v1/chat"]["post"]["responses"]["422"]["content"]["application/json"]["schema"]
    assert chat_422 == {"$ref": "#/components/schemas/ErrorBody"}  # one error object, not an array


def test_every_post_describes_its_body_mcp_included(client):
    # A client built from the document (or a fuzzer) sent /mcp an empty POST: it had no body.
    paths = client.get("/openapi.json").get_json()["paths"]

    posts = {path: item["post"] for path, item in paths.items() if "post" in item}
    assert all(op.get("requestBody", {}).get("required") for op in posts.values()), sorted(posts)
    mcp = posts["/mcp"]["requestBody"]["content"]["application/json"]["schema"]
    assert mcp["required"] == ["jsonrpc", "method"]


def test_every_post_with_a_body_documents_the_408_a_slow_body_gets(client):
    # A body that stops arriving is 408 request_timeout (app/api/request_checks.py); a client
    # generated from the document had no error type for it.
    paths = client.get("/openapi.json").get_json()["paths"]

    posts = {path: item["post"] for path, item in paths.items() if "post" in item}
    assert all("408" in op["responses"] for op in posts.values()), sorted(posts)


# Headers a client generated from the document can read only when the document declares them.
RATE_LIMIT_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")
DECLARED_HEADERS = ("Retry-After", "ETag", "X-Trace-ID", *RATE_LIMIT_HEADERS)


def assert_documented(spec, method: str, path: str, response) -> None:
    """What a client generated from `spec` would meet: status, content type and headers declared."""
    documented = spec["paths"][path][method]["responses"].get(str(response.status_code))
    assert documented is not None, f"{method} {path}: {response.status_code} is not documented"
    if response.get_data():
        assert response.mimetype in documented.get("content", {}), f"{method} {path}: {response.mimetype}"
    for name in DECLARED_HEADERS:
        if name in response.headers:
            header = documented.get("headers", {}).get(name)
            assert header is not None, f"{method} {path} {response.status_code}: {name}"
            if "$ref" in header:
                assert header["$ref"] == f"#/components/headers/{name}"
                header = spec["components"]["headers"][name]
            assert header["schema"]["type"] in ("integer", "string")


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/api/v1/chat", {"message": "Kubernetes?"}),
        ("post", "/api/v1/chat", {"message": "Kubernetes?", "stream": False}),
        ("post", "/api/v1/chat", {"message": ""}),
        ("post", "/api/v1/assess-fit", {"job_description": "too short"}),
        ("post", "/mcp", {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "nope"}}),
        ("get", "/api/v1/health", None),
        ("get", "/api/v1/profile", None),
        # Streamable HTTP clients try both: the 405 and its body are described.
        ("get", "/mcp", None),
        ("delete", "/mcp", None),
    ],
)
def test_the_trace_id_and_rate_limit_headers_are_documented_where_they_are_sent(client, method, path, body):
    spec = client.get("/openapi.json").get_json()

    response = client.open(
        path, method=method.upper(), json=body, headers={"Accept": "application/json, text/event-stream"}
    )

    assert "X-Trace-ID" in response.headers
    limited = path != "/api/v1/health" and path != "/api/v1/profile"
    assert all((name in response.headers) == (limited and response.status_code != 405) for name in RATE_LIMIT_HEADERS)
    assert_documented(spec, method, path, response)
    assert spec["components"]["headers"]["X-Trace-ID"]["required"] is True


@pytest.mark.parametrize("path", ["/api/v1/profile", "/api/v1/suggested-questions", "/api/v1/version"])
def test_a_revalidated_answer_and_its_304_are_documented_with_the_etag(client, path):
    spec = client.get("/openapi.json").get_json()
    fresh = client.get(path)
    unchanged = client.get(path, headers={"If-None-Match": fresh.headers["ETag"]})

    assert (fresh.status_code, unchanged.status_code) == (200, 304)
    assert_documented(spec, "get", path, fresh)
    assert_documented(spec, "get", path, unchanged)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/chat", {"message": "Kubernetes?"}),
        ("/mcp", {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "nope"}}),
    ],
)
def test_the_wait_of_a_429_is_a_documented_header(app_config, fake_memvid, scripted_answerer, path, body):
    app = create_app({**app_config, "rate_limit_per_minute": 1}, memvid=fake_memvid, llm=scripted_answerer)
    client = app.test_client()
    spec = client.get("/openapi.json").get_json()
    for _ in range(2):
        limited = client.post(path, json=body, headers={"Accept": "application/json"})

    assert limited.status_code == 429
    assert limited.headers["Retry-After"]
    assert_documented(spec, "post", path, limited)


@pytest.mark.parametrize(
    "body",
    [{"jsonrpc": "2.0", "id": 1, "method": "ping"}, [{"jsonrpc": "2.0", "id": 1, "method": "ping"}]],
)
def test_mcp_answers_to_an_event_stream_only_client_are_documented(client, body):
    # One answer, or a batch's 400, as one SSE event (app/mcp/replies.py).
    spec = client.get("/openapi.json").get_json()
    response = client.post("/mcp", json=body, headers={"Accept": "text/event-stream"})

    assert response.mimetype == "text/event-stream"
    assert_documented(spec, "post", "/mcp", response)


def test_mcp_claims_no_422_error_body_it_never_sends(client):
    # Its errors are JSON-RPC objects; the library's 422 `{detail, code}` is not one of them.
    responses = client.get("/openapi.json").get_json()["paths"]["/mcp"]["post"]["responses"]

    assert "422" not in responses


SPELLINGS = [
    "12345678-1234-1234-1234-123456789abc",
    "12345678-1234-1234-1234-123456789ABC",
    "{12345678-1234-1234-1234-123456789abc}",
    "12345678123412341234123456789abc",
    "urn:uuid:12345678-1234-1234-1234-123456789abc",
    "URN:UUID:{12345678-1234-1234-1234-123456789abc}",
    "",
]
NOT_SPELLINGS = [
    " 12345678-1234-1234-1234-123456789abc",
    "1234-5678-1234-1234-1234-123456789abc",
    "{12345678123412341234123456789abc}",
    "12345678-1234-1234-1234-123456789abc}",
    "not-a-uuid",
]


@pytest.mark.parametrize(("session_id", "taken"), [(s, True) for s in SPELLINGS] + [(s, False) for s in NOT_SPELLINGS])
def test_the_document_says_which_session_ids_chat_takes(client, session_id, taken):
    # It said `format: uuid` while chat took braces and 32 bare digits: a fuzzer's "invalid" id got a 200.
    schema = client.get("/openapi.json").get_json()["components"]["schemas"]["ChatRequest"]["properties"]["session_id"]
    spelt = next(branch for branch in schema["anyOf"] if branch.get("type") == "string")

    status = client.post("/api/v1/chat", json={"message": "Hi", "session_id": session_id, "stream": False}).status_code

    assert "format" not in spelt  # the pattern says it all
    assert (re.search(spelt["pattern"], session_id) is not None) is taken
    assert (status == 200) is taken
