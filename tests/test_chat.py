"""POST /api/v1/chat through the Flask test client, with fakes at the seams."""

from __future__ import annotations

import uuid

import pytest

from app.components import components
from app.errors import LLMError
from app.factory import create_app
from app.llm.types import Finished, Token, Usage
from tests.fake_llm import stream
from tests.sse_client import events, expected_stream, without_elapsed

CHAT = "/api/v1/chat"
# The passages of the fake memvid (tests/fakes.py), in the order retrieval ranks them.
SOURCES = ("Experience — Cloudco", "Skills")


def ask(client, message="What cloud work has Ada done?", **fields):
    return client.post(CHAT, json={"message": message, **fields}, headers={"X-Trace-ID": "trace-1"})


def test_stream_is_byte_exact(client, scripted_answerer):
    scripted_answerer.enqueue(Token("Ada"), Token(" ran"), Token(" K8s."), Finished("stop", Usage(40, 17, 57)))
    sid = str(uuid.uuid4())

    response = ask(client, session_id=sid)

    assert response.status_code == 200
    assert response.mimetype == "text/event-stream"
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["X-Accel-Buffering"] == "no"
    assert response.headers["X-Trace-ID"] == "trace-1"
    expected = expected_stream(sid, ["Ada", " ran", " K8s."], tokens_used=57, trace_id="trace-1", sources=SOURCES)
    assert without_elapsed(response.get_data()) == expected


def test_tokens_with_unicode_line_separators_survive(client, scripted_answerer):
    tricky = 'a\u2028b\r\nc ✓ “quoted” \\ "x"'
    scripted_answerer.enqueue(Token(tricky), Finished("stop"))

    received = events(ask(client).get_data())

    assert [e["content"] for e in received if e["type"] == "token"] == [tricky]


def test_non_stream_returns_whole_answer(client):
    response = ask(client, stream=False)

    assert response.status_code == 200
    body = response.get_json()
    assert body["message"] == "Ada ran Kubernetes on AWS."
    assert body["chunks_retrieved"] == 2
    assert body["tokens_used"] == 57
    assert [source["title"] for source in body["sources"]] == list(SOURCES)
    assert body["finish_reason"] == "stop"
    uuid.UUID(body["session_id"])


def test_a_whole_answer_cut_at_the_token_limit_says_so(client, scripted_answerer):
    # Only the stream's done event told; a JSON client saw a cut answer as a complete one.
    scripted_answerer.enqueue(Token("Ada ran"), Finished("length", Usage(50, 256, 306)))

    body = ask(client, stream=False).get_json()

    assert body["message"] == "Ada ran"
    assert body["finish_reason"] == "length"


@pytest.mark.parametrize(
    ("scenario", "reported"),
    [
        (stream(["Ada ", "ran"], finish_reason="length"), True),  # usage in a final chunk of its own
        (stream(["Ada ", "ran"], finish_reason="length", usage_separate=False), True),
        (stream(["Ada ", "ran"], finish_reason="length", usage=None), False),  # no usage at all
        (stream([" word"] * 2000), False),  # ignores max_tokens: cut here, before its usage came
    ],
    ids=["final-chunk", "finish-chunk", "none", "cut-here"],
)
def test_an_answer_cut_at_max_tokens_reports_what_it_spent(llm_server, fake_memvid, scenario, reported):
    config = {"rate_limit_per_minute": 1000, "openrouter_api_key": "sk-test", "llm_max_tokens": 64}
    client = create_app({**config, "openrouter_base_url": llm_server.base_url}, memvid=fake_memvid).test_client()
    llm_server.enqueue(scenario, scenario)

    done = events(ask(client).get_data())[-1]
    whole = ask(client, stream=False).get_json()

    for body in (done, whole):
        assert body["finish_reason"] == "length"
        if reported:
            assert (body["tokens_used"], "tokens_estimated" in body) == (47, False)
        else:  # 0 said it was free: an estimate of at least the limit, marked as one
            assert body["tokens_used"] > 64
            assert body["tokens_estimated"] is True


@pytest.mark.parametrize(
    "accept",
    ["image/png", "text/html", "application/json;q=0", "application/json;q=0, text/event-stream;q=0", "*/*;q=0"],
)
@pytest.mark.parametrize("fields", [{}, {"stream": True}, {"stream": False}])
def test_an_accept_that_admits_neither_json_nor_an_event_stream_is_406(client, scripted_answerer, accept, fields):
    response = client.post(CHAT, json={"message": "Where did Ada work?", **fields}, headers={"Accept": accept})

    assert (response.status_code, response.mimetype) == (406, "application/json")
    assert response.get_json()["code"] == "not_acceptable"
    assert scripted_answerer.requests == []  # refused before any work


@pytest.mark.parametrize(
    ("accept", "mimetype"),
    [
        (None, "text/event-stream"),
        ("*/*", "text/event-stream"),
        ("text/*", "text/event-stream"),
        ("application/*", "application/json"),
        ("text/html, application/xhtml+xml, */*;q=0.8", "text/event-stream"),  # a browser's
    ],
)
def test_an_accept_that_admits_either_is_answered(client, accept, mimetype):
    headers = {"Accept": accept} if accept else {}

    response = client.post(CHAT, json={"message": "Where did Ada work?"}, headers=headers)

    assert (response.status_code, response.mimetype) == (200, mimetype)


def test_session_continues_under_client_made_id(client, scripted_answerer):
    sid = str(uuid.uuid4())
    first = events(ask(client, "Where does Ada live?", session_id=sid).get_data())
    second = events(ask(client, "And her skills?", session_id=sid).get_data())

    assert first[0]["session_id"] == second[0]["session_id"] == sid
    history = scripted_answerer.requests[1].messages
    assert [m["role"] for m in history] == ["system", "user", "assistant", "user"]
    assert history[1]["content"] == "Where does Ada live?"
    assert history[2]["content"] == "Ada ran Kubernetes on AWS."
    assert history[3]["content"] == "And her skills?"


def test_new_session_gets_a_random_uuid(client):
    first = events(ask(client).get_data())
    assert uuid.UUID(first[0]["session_id"]).version == 4
    assert first[-1]["session_id"] == first[0]["session_id"]


def test_llm_failure_mid_stream_is_a_terminal_error_event(client, scripted_answerer, app):
    scripted_answerer.enqueue(Token("Partial"), LLMError("llm_unavailable"))
    sid = str(uuid.uuid4())

    received = events(ask(client, session_id=sid).get_data())

    assert [e["type"] for e in received] == ["retrieval", "token", "error"]
    assert received[-1] == {
        "type": "error",
        "code": "llm_unavailable",
        "error": "The language model is unavailable right now; please try again shortly.",
        "trace_id": "trace-1",
    }
    # A failed answer leaves no half-written turn behind.
    assert components(app).sessions.get(sid).messages == []


def test_llm_failure_before_first_token_still_answers_200(client, scripted_answerer):
    scripted_answerer.enqueue(LLMError("llm_auth"))

    response = ask(client)

    assert response.status_code == 200
    assert [e["type"] for e in events(response.get_data())] == ["retrieval", "error"]


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("llm_auth", 503),
        ("llm_payment_required", 503),
        ("llm_rate_limited", 503),
        ("llm_unavailable", 503),
        ("llm_timeout", 504),
        ("llm_bad_response", 502),
        ("llm_error", 502),
    ],
)
def test_llm_failure_non_stream_maps_to_status(client, scripted_answerer, code, status):
    scripted_answerer.enqueue(LLMError(code, retry_after=7 if code == "llm_rate_limited" else None))

    response = ask(client, stream=False)

    assert response.status_code == status
    assert response.get_json()["code"] == code
    assert isinstance(response.get_json()["detail"], str)
    assert response.headers.get("Retry-After") == ("7" if code == "llm_rate_limited" else None)


def test_a_streamed_error_says_when_to_retry_when_the_upstream_did(client, scripted_answerer):
    scripted_answerer.enqueue(Token("Partly"), LLMError("llm_rate_limited", retry_after=6.2))
    scripted_answerer.enqueue(LLMError("llm_timeout"))

    limited = events(ask(client).get_data())[-1]
    timed_out = events(ask(client).get_data())[-1]

    assert (limited["code"], limited["retry_after"]) == ("llm_rate_limited", 7)  # whole seconds, as Retry-After
    assert timed_out["code"] == "llm_timeout"
    assert "retry_after" not in timed_out


@pytest.mark.parametrize("blank", ["", "  "])
def test_an_empty_session_id_starts_a_conversation_like_null(client, blank):
    # What `sessionStorage.getItem("sid") || ""` sends before the first answer.
    response = client.post("/api/v1/chat", json={"message": "hi", "session_id": blank, "stream": False})

    assert response.status_code == 200
    assert uuid.UUID(response.get_json()["session_id"]).version == 4


@pytest.mark.parametrize("stream", [True, False])
def test_a_question_that_normalisation_makes_many_times_longer_is_refused_before_any_work(
    client, fake_memvid, scripted_answerer, stream
):
    # 1,000 x U+FDFA (18 characters each in NFKC, what the model reads) cost 12 s of CPU to embed.
    response = client.post("/api/v1/chat", json={"message": "\ufdfa" * 1000, "stream": stream})

    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "message"
    assert fake_memvid.queries == []
    assert scripted_answerer.requests == []


@pytest.mark.parametrize("stream", [True, False])
@pytest.mark.parametrize("invisible", ["\u0000\u200b", "\u200b\u200b\u200b", "\ufeff", "\u0007", "\u00ad", " \u2060\n"])
def test_a_question_of_only_invisible_characters_is_refused_like_a_blank_one(
    app, client, fake_memvid, scripted_answerer, invisible, stream
):
    # Zero-width, format and control characters survive `str.strip()`: "\u200b" was answered and kept.
    response = client.post("/api/v1/chat", json={"message": invisible, "stream": stream})

    assert response.status_code == 422
    assert response.get_json()["errors"] == [
        {"field": "message", "message": "must not be only whitespace or invisible characters"}
    ]
    assert (fake_memvid.queries, scripted_answerer.requests) == ([], [])
    assert components(app).sessions.count() == 0


def test_invisible_characters_beside_a_visible_one_are_an_ordinary_question(client):
    response = client.post("/api/v1/chat", json={"message": "\u200bGo?\u00ad", "stream": False})

    assert response.status_code == 200


def test_a_few_ligatures_are_an_ordinary_question(client):
    response = client.post("/api/v1/chat", json={"message": "Does she write ﬁnance code? \ufdfa", "stream": False})

    assert response.status_code == 200


@pytest.mark.parametrize(
    ("accept", "body", "kind"),
    [
        ("application/json", {}, "application/json"),  # a client generated from /openapi.json
        ("application/json", {"stream": True}, "text/event-stream"),  # `stream` said decides
        ("text/event-stream", {}, "text/event-stream"),
        ("application/json, text/event-stream", {}, "text/event-stream"),
        ("*/*", {}, "text/event-stream"),  # browsers and curl
        (None, {}, "text/event-stream"),
        ("text/event-stream", {"stream": False}, "application/json"),
        ("application/json;q=0, text/event-stream", {}, "text/event-stream"),  # JSON refused outright
        ("application/*", {}, "application/json"),
    ],
)
def test_without_stream_the_accept_header_chooses_json_or_the_stream(client, accept, body, kind):
    headers = {"Accept": accept} if accept else {}

    response = client.post("/api/v1/chat", json={"message": "Where has she worked?", **body}, headers=headers)

    assert response.status_code == 200
    assert response.mimetype == kind
    assert "Accept" in response.headers["Vary"]  # a cache must not give one kind for the other


def test_retrieval_down_still_answers_without_context(client, fake_memvid, scripted_answerer):
    fake_memvid.available = False

    received = events(ask(client).get_data())

    assert received[0]["chunks"] == 0
    assert received[-1]["type"] == "done"
    system_prompt = scripted_answerer.requests[0].messages[0]["content"]
    assert "No resume excerpts were found" in system_prompt


def test_prompt_carries_passages_and_profile_prompt(client, scripted_answerer):
    ask(client).get_data()

    system_prompt = scripted_answerer.requests[0].messages[0]["content"]
    assert system_prompt.startswith("SECRET PROMPT about Ada Example")
    assert "### Experience — Cloudco\nRan Kubernetes on AWS for five years." in system_prompt
    assert scripted_answerer.requests[0].messages[-1] == {"role": "user", "content": "What cloud work has Ada done?"}
    # Searched and quoted from as a question about the candidate (app/text/candidate_name.py).
    assert scripted_answerer.requests[0].question == "What cloud work has the candidate done?"


def test_offline_mode_is_labelled_in_done_event(app_config, fake_memvid):
    from app.factory import create_app
    from tests.fakes import ScriptedAnswerer

    offline = ScriptedAnswerer(name="offline")
    client = create_app(app_config, memvid=fake_memvid, llm=offline).test_client()

    done = events(ask(client).get_data())[-1]

    assert done["mode"] == "offline"
    non_stream = ask(client, stream=False).get_json()
    assert non_stream["mode"] == "offline"


def test_a_failure_to_record_a_whole_answer_is_a_coded_500(app_config, fake_memvid, scripted_answerer):
    from app.factory import create_app
    from tests.test_stream import BrokenSessions

    sessions = BrokenSessions(ttl=60, max_sessions=10, max_history=10)
    client = create_app(app_config, memvid=fake_memvid, llm=scripted_answerer, sessions=sessions).test_client()

    response = ask(client, stream=False)

    assert response.status_code == 500
    assert response.get_json() == {"detail": "An unexpected error occurred.", "code": "internal_error"}


@pytest.mark.parametrize(
    "written",
    [
        "D617F48A-1B2C-4D3E-8F90-A1B2C3D4E5F6",
        "{d617f48a-1b2c-4d3e-8f90-a1b2c3d4e5f6}",
        "urn:uuid:d617f48a-1b2c-4d3e-8f90-a1b2c3d4e5f6",
        "URN:UUID:D617F48A-1B2C-4D3E-8F90-A1B2C3D4E5F6",  # a URN's scheme and namespace ignore case
    ],
)
def test_any_uuid_form_names_the_conversation_in_its_canonical_form(client, written):
    response = client.post("/api/v1/chat", json={"message": "hi", "session_id": written, "stream": False})

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["session_id"] == "d617f48a-1b2c-4d3e-8f90-a1b2c3d4e5f6"
