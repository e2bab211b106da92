"""POST /api/v1/chat/{session_id}/feedback: ratings stored with the session, validated and counted."""

from __future__ import annotations

import uuid

import pytest
import requests
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families

from app.components import components
from app.errors import LLMError
from app.factory import create_app
from app.llm.types import Finished, Token
from app.telemetry.metrics import register_service_metrics
from tests.fake_llm import FakeLLMServer
from tests.fake_memvid import FakeMemvidServer, hit
from tests.servers import gunicorn, service_env
from tests.sse_client import events


def answered_session(client, turns: int = 1) -> str:
    sid = str(uuid.uuid4())
    for n in range(turns):
        response = client.post("/api/v1/chat", json={"message": f"question {n}", "session_id": sid, "stream": False})
        assert response.status_code == 200
    return sid


def counted(rating: str) -> float:
    registry = CollectorRegistry()
    register_service_metrics(registry)
    return registry.get_sample_value("chat_feedback_total", {"rating": rating}) or 0.0


def test_rating_is_stored_with_the_session_and_counted(client, app):
    sid = answered_session(client, turns=2)
    before = counted("down")

    response = client.post(f"/api/v1/chat/{sid}/feedback", json={"rating": "down", "comment": "Too vague."})

    assert response.status_code == 200
    assert response.get_json() == {"session_id": sid, "message_index": 3, "rating": "down", "comment": "Too vague."}
    stored = components(app).sessions.get(sid).feedback
    assert {i: (f.rating, f.comment) for i, f in stored.items()} == {3: ("down", "Too vague.")}
    assert counted("down") == before + 1


def test_the_index_each_answer_arrives_with_is_the_one_feedback_rates(client, app, scripted_answerer):
    # A turn that fails is not kept, so counting the answers shown would name the wrong one.
    sid = str(uuid.uuid4())
    scripted_answerer.enqueue(Token("First."), Finished("stop"))
    scripted_answerer.enqueue(Token("Cut"), LLMError("llm_unavailable"))
    scripted_answerer.enqueue(Token("Third."), Finished("stop"))
    done = []
    for question in ("one", "two", "three"):
        received = events(client.post("/api/v1/chat", json={"message": question, "session_id": sid}).get_data())
        done.append(received[-1])
    whole = client.post("/api/v1/chat", json={"message": "four", "session_id": sid, "stream": False}).get_json()

    assert [event.get("message_index") for event in done] == [1, None, 3]
    assert whole["message_index"] == 5
    client.post(f"/api/v1/chat/{sid}/feedback", json={"rating": "up", "message_index": done[2]["message_index"]})
    messages = components(app).sessions.get(sid).messages
    rated = components(app).sessions.get(sid).feedback
    assert [messages[i].content for i in rated] == ["Third."]


def test_a_second_rating_of_one_answer_replaces_the_first(client, app):
    sid = answered_session(client, turns=2)

    client.post(f"/api/v1/chat/{sid}/feedback", json={"rating": "down", "message_index": 1})
    client.post(f"/api/v1/chat/{sid}/feedback", json={"rating": "up", "message_index": 1})
    client.post(f"/api/v1/chat/{sid}/feedback", json={"rating": "up", "message_index": 3})

    stored = components(app).sessions.get(sid).feedback
    assert {i: f.rating for i, f in stored.items()} == {1: "up", 3: "up"}


def test_rating_an_answer_trimmed_off_a_long_conversation_is_410_not_a_validation_error(
    app_config, fake_memvid, scripted_answerer
):
    # The page shows thumbs on every answer; the early ones were 422 "names no answer" for an
    # index the service itself had given (web client audit).
    client = create_app(
        {**app_config, "max_history_messages": 4}, memvid=fake_memvid, llm=scripted_answerer
    ).test_client()
    sid = answered_session(client, turns=3)  # answers 1, 3 and 5; 1 is trimmed

    gone = client.post(f"/api/v1/chat/{sid}/feedback", json={"rating": "up", "message_index": 1})
    kept = client.post(f"/api/v1/chat/{sid}/feedback", json={"rating": "up", "message_index": 3})
    question = client.post(f"/api/v1/chat/{sid}/feedback", json={"rating": "up", "message_index": 4})
    trimmed_question = client.post(f"/api/v1/chat/{sid}/feedback", json={"rating": "up", "message_index": 0})

    assert (gone.status_code, gone.get_json()["code"]) == (410, "answer_no_longer_kept")
    assert "MAX_HISTORY_MESSAGES = 4" in gone.get_json()["detail"]
    assert kept.status_code == 200
    assert (question.status_code, question.get_json()["code"]) == (422, "validation_error")
    assert trimmed_question.status_code == 422  # a question's index was never an answer's


@pytest.mark.parametrize(
    "session_id", ["3f2c0e4a-9b1d-4c6e-8f7a-2d5b6c7e8f90", "does-not-exist", "123", "%C3%A9t%C3%A9", "x" * 300]
)
def test_unknown_session_is_404(client, session_id):
    # SPEC: an unknown session is 404; a path that is no UUID names no session either.
    response = client.post(f"/api/v1/chat/{session_id}/feedback", json={"rating": "up"})

    assert response.status_code == 404
    assert response.get_json()["code"] == "session_not_found"


def test_a_session_is_found_under_any_spelling_of_its_uuid(client):
    sid = answered_session(client)
    spellings = [sid.upper(), sid.replace("-", ""), "{" + sid + "}", "urn:uuid:" + sid]

    answers = [client.post(f"/api/v1/chat/{form}/feedback", json={"rating": "up"}) for form in spellings]

    assert [(answer.status_code, answer.get_json()["session_id"]) for answer in answers] == [(200, sid)] * 4


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "rating"),
        ({"rating": "sideways"}, "rating"),
        ({"rating": "up", "message_index": "1"}, "message_index"),
        ({"rating": "up", "message_index": -1}, "message_index"),
        ({"rating": "up", "message_index": 0}, "message_index"),  # a question, not an answer
        ({"rating": "up", "message_index": 2}, "message_index"),  # beyond the conversation
        ({"rating": "up", "comment": "x" * 501}, "comment"),
    ],
)
def test_invalid_feedback_is_422_naming_the_field(client, body, field):
    sid = answered_session(client)

    response = client.post(f"/api/v1/chat/{sid}/feedback", json=body)

    assert response.status_code == 422
    assert response.get_json()["code"] == "validation_error"
    assert [error["field"] for error in response.get_json()["errors"]] == [field]


@pytest.mark.parametrize(
    ("path", "kwargs", "status", "code"),
    [
        (
            "{sid}",
            {"data": "rating=up", "content_type": "application/x-www-form-urlencoded"},
            415,
            "unsupported_media_type",
        ),
        ("{sid}", {"data": "{", "content_type": "application/json"}, 400, "invalid_json"),
    ],
)
def test_feedback_is_checked_like_chat(client, path, kwargs, status, code):
    sid = answered_session(client)

    response = client.post(f"/api/v1/chat/{path.format(sid=sid)}/feedback", **kwargs)

    assert response.status_code == status
    assert response.get_json()["code"] == code


def test_feedback_is_rate_limited_like_chat(app_config, fake_memvid, scripted_answerer):
    client = create_app(
        {**app_config, "rate_limit_per_minute": 2}, memvid=fake_memvid, llm=scripted_answerer
    ).test_client()
    sid = str(uuid.uuid4())

    statuses = [client.post(f"/api/v1/chat/{sid}/feedback", json={"rating": "up"}).status_code for _ in range(3)]

    assert statuses == [404, 404, 429]


def test_feedback_is_in_the_openapi_document(client):
    paths = client.get("/openapi.json").get_json()["paths"]

    assert "post" in paths["/api/v1/chat/{session_id}/feedback"]


def test_feedback_round_trips_through_gunicorn_and_its_metrics(tmp_path):
    memvid = FakeMemvidServer()
    memvid.fake.hits = [hit("Skills", 2.0, "Go, Python")]
    memvid.start()
    try:
        with FakeLLMServer() as llm, gunicorn(service_env(memvid.target, llm.base_url), tmp_path) as service:
            sid = str(uuid.uuid4())
            chat = requests.post(
                f"{service.url}/api/v1/chat", json={"message": "Go?", "session_id": sid, "stream": False}, timeout=20
            )
            rated = requests.post(f"{service.url}/api/v1/chat/{sid}/feedback", json={"rating": "up"}, timeout=5)
            metrics = requests.get(f"{service.url}/metrics", timeout=5).text
    finally:
        memvid.stop()

    assert chat.status_code == 200
    assert rated.status_code == 200
    assert rated.json()["message_index"] == 1
    samples = {
        sample.labels.get("rating"): sample.value
        for family in text_string_to_metric_families(metrics)
        if family.name == "chat_feedback"
        for sample in family.samples
        if sample.name == "chat_feedback_total"
    }
    assert samples == {"up": 1.0}
