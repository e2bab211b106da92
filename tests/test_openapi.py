"""The OpenAPI document and /docs, generated from the models (app/api/schemas.py)."""

from __future__ import annotations

from app.api.event_schemas import STREAM_EVENT
from app.errors import LLMError
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
