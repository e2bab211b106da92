"""Bad input through real gunicorn (one gevent worker): every row of SPEC §3's error table
that a client can cause, wrong types for every field, oversized and malformed requests, and
CORS preflights. Every answer is the JSON error shape with a sane X-Trace-ID, whether the app
or gunicorn (before the app runs) produced it. Requests go out as raw bytes, so nothing
between the test and the server tidies them up."""

from __future__ import annotations

import gzip
import http.client
import json
import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import count

import pytest

from tests.fake_llm import FakeLLMServer
from tests.fake_memvid import FakeMemvidServer, hit
from tests.servers import gunicorn, service_env

ALLOWED_ORIGIN = "https://recruit.example"
RATE_LIMIT = 30
SANE_TRACE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
SESSION = "5b0e9c1e-8d4e-4c43-9a55-2f1a3a6c1d2e"
_source_addresses = (f"127.0.{n // 250 + 1}.{n % 250 + 1}" for n in count())


@pytest.fixture(scope="module")
def service(tmp_path_factory) -> Iterator:
    memvid = FakeMemvidServer()
    memvid.fake.hits = [hit("Skills", 2.0, "Go, Python")]
    memvid.start()
    with FakeLLMServer() as llm:
        env = service_env(
            memvid.target, llm.base_url, CORS_ORIGINS=ALLOWED_ORIGIN, RATE_LIMIT_PER_MINUTE=str(RATE_LIMIT)
        )
        with gunicorn(env, tmp_path_factory.mktemp("bad-input")) as running:
            yield running
    memvid.stop()


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes
    sent: bytes = field(repr=False, default=b"")

    def json(self):
        return json.loads(self.body)


def exchange(service, data: bytes, *, source: str | None = None, chunks: Iterator[bytes] | None = None) -> Answer:
    """Send raw request bytes (then `chunks`, if any) from a loopback address of its own; read the answer."""
    sock = socket.create_connection(
        ("127.0.0.1", service.port), timeout=20, source_address=(source or next(_source_addresses), 0)
    )
    try:
        try:
            sock.sendall(data)
            for part in chunks or ():
                sock.sendall(part)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed before taking it all: read what it said
        response = http.client.HTTPResponse(sock)
        response.begin()
        return Answer(response.status, response.headers, response.read(), data[:200])
    finally:
        sock.close()


def request(method: str, path: str, body: bytes = b"", headers: dict[str, str] | None = None) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    if body or method == "POST":
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def post_json(path: str, body: bytes, **headers: str) -> bytes:
    return request("POST", path, body, {"Content-Type": "application/json", **headers})


def chat(payload: object) -> bytes:
    return post_json("/api/v1/chat", json.dumps(payload).encode())


def assert_error_shape(answer: Answer, status: int, code: str | None) -> None:
    assert answer.status == status, (answer.sent, answer.body[:300])
    assert answer.headers["Content-Type"].startswith("application/json"), answer.body[:300]
    body = answer.json()
    assert isinstance(body["detail"], str)
    assert body["detail"]
    assert set(body) <= {"detail", "code", "errors"}
    if code is not None:
        assert body["code"] == code, body
    assert SANE_TRACE_ID.fullmatch(answer.headers["X-Trace-ID"])
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert b"<html" not in answer.body.lower()
    assert b"Traceback" not in answer.body


TEN_MB = 10 * 1024 * 1024

# (name, request bytes, status, code)
ROWS = [
    ("not_json", post_json("/api/v1/chat", b"{nope"), 400, "invalid_json"),
    ("invalid_utf8", post_json("/api/v1/chat", b'{"message":"caf\xe9 \xff"}'), 400, "invalid_json"),
    ("deeply_nested", post_json("/api/v1/chat", b"[" * 30_000 + b"]" * 30_000), 400, "invalid_json"),
    ("empty_body", post_json("/api/v1/chat", b""), 400, "invalid_json"),
    # JSON is UTF-8 text (RFC 8259): a body declared in another charset is the wrong media type.
    (
        "latin1_charset",
        post_json("/api/v1/chat", b'{"message":"hi"}', **{"Content-Type": "application/json; charset=latin-1"}),
        415,
        "unsupported_media_type",
    ),
    # Python's parser takes these; RFC 8259 does not
    ("nan_is_not_json", post_json("/api/v1/chat", b'{"message":"hi","stream":false,"x":NaN}'), 400, "invalid_json"),
    ("infinity_is_not_json", post_json("/api/v1/assess-fit", b'{"job_description":-Infinity}'), 400, "invalid_json"),
    # A number beyond any double is Infinity by another spelling.
    (
        "overflowing_number",
        post_json("/api/v1/chat", b'{"message":"hi","stream":false,"x":1e999999}'),
        400,
        "invalid_json",
    ),
    ("unpaired_surrogate", post_json("/api/v1/chat", b'{"message":"hi \\ud800 there"}'), 400, "invalid_json"),
    (
        "text_plain",
        request("POST", "/api/v1/chat", b'{"message":"hi"}', {"Content-Type": "text/plain"}),
        415,
        "unsupported_media_type",
    ),
    ("no_content_type", request("POST", "/api/v1/chat", b'{"message":"hi"}'), 415, "unsupported_media_type"),
    (
        "form_encoded",
        request("POST", "/api/v1/chat", b"message=hi", {"Content-Type": "application/x-www-form-urlencoded"}),
        415,
        "unsupported_media_type",
    ),
    (
        "gzip_body",
        post_json("/api/v1/chat", gzip.compress(b'{"message":"hi"}'), **{"Content-Encoding": "gzip"}),
        415,
        "unsupported_content_encoding",
    ),
    (
        "fit_declared_deflate",
        post_json("/api/v1/assess-fit", b'{"job_description":"x"}', **{"Content-Encoding": "identity, deflate"}),
        415,
        "unsupported_content_encoding",
    ),
    ("over_256k", chat({"message": "x" * 270_000}), 413, "payload_too_large"),
    ("ten_megabytes", post_json("/api/v1/chat", b'{"message":"' + b"x" * TEN_MB + b'"}'), 413, "payload_too_large"),
    ("empty_message", chat({"message": ""}), 422, "validation_error"),
    ("blank_message", chat({"message": " \n\t "}), 422, "validation_error"),
    ("message_too_long", chat({"message": "x" * 2001}), 422, "validation_error"),
    ("message_missing", chat({"question": "hi"}), 422, "validation_error"),
    ("top_level_array", chat(["hi"]), 422, "validation_error"),
    ("top_level_string", chat("hi"), 422, "validation_error"),
    ("top_level_null", chat(None), 422, "validation_error"),
    # a JSON string holding an object is a string, not the object
    ("object_inside_a_string", chat(json.dumps({"message": "hi", "stream": False})), 422, "validation_error"),
    (
        "fit_object_inside_a_string",
        post_json("/api/v1/assess-fit", json.dumps(json.dumps({"job_description": "x" * 60})).encode()),
        422,
        "validation_error",
    ),
    (
        "feedback_object_inside_a_string",
        post_json(f"/api/v1/chat/{SESSION}/feedback", json.dumps(json.dumps({"rating": "up"})).encode()),
        422,
        "validation_error",
    ),
    ("nested_message", chat({"message": {"text": {"deeper": ["hi"]}}}), 422, "validation_error"),
    ("session_not_uuid", chat({"message": "hi", "session_id": "../../etc/passwd"}), 422, "validation_error"),
    ("stream_as_word", chat({"message": "hi", "stream": "no"}), 422, "validation_error"),
    ("unknown_path", request("GET", "/api/v1/nothing-here"), 404, "not_found"),
    ("wrong_method", request("GET", "/api/v1/chat"), 405, "method_not_allowed"),
    ("delete_health", request("DELETE", "/api/v1/health"), 405, "method_not_allowed"),
    (
        "feedback_unknown_session",
        post_json(f"/api/v1/chat/{SESSION}/feedback", b'{"rating":"up"}'),
        404,
        "session_not_found",
    ),
    (
        "feedback_bad_rating",
        post_json(f"/api/v1/chat/{SESSION}/feedback", b'{"rating":"meh"}'),
        422,
        "validation_error",
    ),
    # SPEC: an unknown session is 404; a path that is no UUID names none either.
    ("feedback_session_not_uuid", post_json("/api/v1/chat/abc/feedback", b'{"rating":"up"}'), 404, "session_not_found"),
    # URL-encoded junk in paths
    ("nul_in_path", request("GET", "/api/v1/%00"), 404, "not_found"),
    ("encoded_traversal", request("GET", "/api/v1/chat%2F..%2F..%2Fetc%2Fpasswd"), 404, "not_found"),
    ("dot_segments", request("GET", "/api/v1/../../etc/passwd"), 404, "not_found"),
    # Not merged and redirected: Werkzeug's 308 to "/api/v1/chat" named the request's Host.
    ("doubled_slash", post_json("/api//v1/chat", b'{"message":"hi"}'), 404, "not_found"),
    ("leading_doubled_slash", post_json("//api/v1/chat", b'{"message":"hi"}'), 404, "not_found"),
    ("invalid_utf8_in_path", request("GET", "/%ff%fe%c0%af"), 404, "not_found"),
    ("crlf_in_path", request("GET", "/api/v1/%0d%0aSet-Cookie:%20x=1"), 404, "not_found"),
    (
        "junk_in_feedback_path",
        post_json("/api/v1/chat/%3Cscript%3E/feedback", b'{"rating":"up"}'),
        404,
        "session_not_found",
    ),
    ("junk_query_string", request("GET", "/api/v1/profile-x?%ff=%00&a[]=1"), 404, "not_found"),
    # refused by gunicorn before the app runs (app/worker/gevent_worker.py)
    ("huge_header", request("GET", "/api/v1/health", headers={"X-Big": "x" * 20_000}), 431, "headers_too_large"),
    (
        "too_many_headers",
        request("GET", "/api/v1/health", headers={f"X-H{i}": "1" for i in range(150)}),
        431,
        "headers_too_large",
    ),
    ("control_char_in_header", request("GET", "/api/v1/health", headers={"X-Note": "a\x01b"}), 400, "bad_request"),
    ("header_without_colon", b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n", 400, "bad_request"),
    ("space_in_header_name", b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nBad Name: 1\r\n\r\n", 400, "bad_request"),
    ("garbage_request_line", b"HELLO\r\n\r\n", 400, "bad_request"),
    ("uri_too_long", request("GET", "/" + "a" * 10_000), 414, "uri_too_long"),
    (
        "bad_chunk_size",
        b"POST /api/v1/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
        400,
        None,
    ),
    (
        "trace_id_with_control_char",
        request("GET", "/api/v1/nothing", headers={"X-Trace-ID": "abc\x07def"}),
        400,
        "bad_request",
    ),
]

# Wrong JSON types for every field of the chat request.
WRONG_TYPES = [
    ("message", value) for value in (1, 1.5, True, None, [], ["hi"], {}, {"text": "hi"})
] + [
    ("session_id", value)
    for value in (1, True, [], {}, "not-a-uuid", "5b0e9c1e-8d4e-4c43-9a55", "00000000-0000-0000-0000-000000000000",
                  "{FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF}")
] + [
    ("stream", value) for value in (1, 0, "true", "false", "no", None, [], {})
]  # fmt: skip


@pytest.mark.parametrize(("name", "raw", "status", "code"), ROWS, ids=[row[0] for row in ROWS])
def test_bad_request_gets_the_json_error_shape(service, name, raw, status, code):
    assert_error_shape(exchange(service, raw), status, code)


def test_a_body_nested_too_deeply_is_told_so_not_called_invalid(service):
    answer = exchange(service, post_json("/api/v1/chat", b"[" * 30_000 + b"]" * 30_000))

    assert "nests too deeply" in answer.json()["detail"]


@pytest.mark.parametrize(("field_name", "value"), WRONG_TYPES, ids=[f"{f}={v!r}" for f, v in WRONG_TYPES])
def test_wrong_type_for_a_field_is_a_422_naming_it(service, field_name, value):
    payload = {"message": "What cloud work has Ada done?", "stream": False, field_name: value}

    answer = exchange(service, chat(payload))

    assert_error_shape(answer, 422, "validation_error")
    assert [item["field"] for item in answer.json()["errors"]] == [field_name]


def test_ten_megabytes_chunked_is_413(service):
    head = (
        b"POST /api/v1/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    pieces = [b'{"message": "', *(b"x" * 65536 for _ in range(TEN_MB // 65536))]
    chunks = (b"%x\r\n%s\r\n" % (len(piece), piece) for piece in pieces)

    answer = exchange(service, head, chunks=chunks)

    assert_error_shape(answer, 413, "payload_too_large")


@pytest.mark.parametrize("sent", ["a" * 65, "has space", "semi;colon", "ünï", "new\\nline", ""])
def test_an_insane_trace_id_is_replaced_not_echoed(service, sent):
    answer = exchange(service, request("GET", "/api/v1/nothing", headers={"X-Trace-ID": sent}))

    assert_error_shape(answer, 404, "not_found")
    assert answer.headers["X-Trace-ID"] != sent


def test_rate_limit_row(service):
    source = next(_source_addresses)  # its own client address: the limit is per client IP
    answers = [exchange(service, post_json("/api/v1/chat", b"{nope"), source=source) for _ in range(RATE_LIMIT + 1)]

    assert [a.status for a in answers[:RATE_LIMIT]] == [400] * RATE_LIMIT
    limited = answers[-1]
    assert_error_shape(limited, 429, "rate_limited")
    assert int(limited.headers["Retry-After"]) >= 1
    assert limited.headers["X-RateLimit-Limit"] == str(RATE_LIMIT)
    assert limited.headers["X-RateLimit-Remaining"] == "0"


@pytest.mark.parametrize(
    ("origin", "allowed"), [(ALLOWED_ORIGIN, True), ("https://evil.example", False), ("null", False)]
)
def test_preflight(service, origin, allowed):
    headers = {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type, x-trace-id",
    }

    answer = exchange(service, request("OPTIONS", "/api/v1/chat", headers=headers))

    assert answer.status < 500
    assert SANE_TRACE_ID.fullmatch(answer.headers["X-Trace-ID"])
    assert (answer.headers.get("Access-Control-Allow-Origin") == origin) is allowed
    assert "Content-Type" not in answer.headers  # nothing in the body to type
    if not allowed:
        assert "Access-Control-Allow-Origin" not in answer.headers
