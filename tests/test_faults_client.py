"""Client faults end to end: real gunicorn (one gevent worker). A recruiter who closes the tab
before the first token, mid-answer or while retrieval runs must cost no more upstream time
(the LLM request closes within a few seconds); two questions at once on one session must both
be kept whole; a client reading one byte a second must not hold up anyone else."""

from __future__ import annotations

import concurrent.futures
import json
import socket
import time
from collections.abc import Iterator

import pytest

from tests.fake_llm import stream
from tests.fake_memvid import cloud_hits, module_memvid
from tests.servers import gunicorn, service_env
from tests.service_probe import FOLLOW_UP, QUESTION, Probe, history_sent, new_session

CLOSE_WITHIN = 3.0  # seconds from the client's hang-up to the upstream request's close


memvid = module_memvid(cloud_hits())


@pytest.fixture(scope="module")
def probe(memvid, llm, tmp_path_factory) -> Iterator[Probe]:
    env = service_env(
        memvid.target,
        llm.base_url,
        MEMVID_TIMEOUT_SECONDS="3",
        RETRIEVAL_CACHE_SECONDS="0",
        LLM_MAX_TOKENS="100000",  # the slow client's answer is long on purpose
        # Longer than any wait here: a hang-up while the LLM is silent is noticed by asking the
        # socket, not by a keep-alive write failing (those came every 0.3 s in other modules).
        SSE_KEEPALIVE_SECONDS="30",
    )
    with gunicorn(env, tmp_path_factory.mktemp("faults-client")) as service:
        probe = Probe(service)
        probe.chat_events()  # warm: the worker's first request builds what later ones reuse
        # gunicorn logs a request after its client has the whole answer: wait for that line, or
        # it lands after the first test's log mark and is counted as one of its requests.
        deadline = time.monotonic() + 10
        while not any(line.get("path") == "/api/v1/chat" for line in probe.log_lines()):
            assert time.monotonic() < deadline, "the warm-up request was never logged"
            time.sleep(0.02)
        yield probe
        probe.close()


@pytest.fixture(scope="module")
def files_at_start(probe) -> int:
    return probe.worker_open_files()


@pytest.fixture(autouse=True)
def _prompt_memvid(memvid, files_at_start):
    memvid.fake.delay = 0.0
    yield
    memvid.fake.delay = 0.0


def open_chat(
    probe: Probe, *, session_id: str, receive_buffer: int | None = None, stream: bool = True
) -> socket.socket:
    """Send a chat request (streamed unless told) on a raw socket and return the socket, unread."""
    body = {"message": QUESTION, "session_id": session_id, "stream": stream}
    return open_post(probe, "/api/v1/chat", body, receive_buffer=receive_buffer)


def open_post(
    probe: Probe, path: str, body: dict, headers: str = "", *, receive_buffer: int | None = None
) -> socket.socket:
    """POST `body` as JSON on a raw socket and return the socket, unread."""
    sock = socket.socket()
    if receive_buffer:  # before connecting: it sets the TCP window the server may fill
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    sock.connect(("127.0.0.1", probe.service.port))
    data = json.dumps(body).encode()
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n{headers}"
        f"Content-Length: {len(data)}\r\n\r\n"
    )
    sock.sendall(head.encode() + data)
    return sock


def read_until(sock: socket.socket, marker: bytes, timeout: float = 10.0) -> bytes:
    sock.settimeout(timeout)
    received = b""
    while marker not in received:
        data = sock.recv(4096)
        assert data, f"the connection closed before {marker!r}: {received[-300:]!r}"
        received += data
    return received


def _hang_up(sock: socket.socket) -> float:
    sock.close()
    return time.monotonic()


# (case, what the LLM does, what the client reads before it hangs up, memvid's delay)
DISCONNECTS = [
    ("before_first_token", stream(["late"], first_token_delay=30), b'"type":"retrieval"', 0.0),
    ("mid_stream", stream([f" t{i}" for i in range(300)], token_delay=0.1), b'"type":"token"', 0.0),
    # The stream's first write fails: the LLM is usually not asked at all; when it is, the
    # default quick answer is cut off on the next write.
    ("during_retrieval", None, b"", 1.0),
]


@pytest.mark.parametrize(
    ("case", "scenario", "read_first", "memvid_delay"), DISCONNECTS, ids=[d[0] for d in DISCONNECTS]
)
def test_client_hang_up_closes_the_upstream_request(probe, llm, memvid, case, scenario, read_first, memvid_delay):
    session_id = new_session()
    before, mark = probe.metrics(), probe.log_mark()
    memvid.fake.delay = memvid_delay
    if scenario is not None:
        llm.enqueue(scenario)

    sock = open_chat(probe, session_id=session_id)
    if read_first:
        read_until(sock, read_first)
    else:
        time.sleep(memvid_delay / 3)  # the service is waiting on memvid now
    hung_up = _hang_up(sock)

    # The stream notices (when retrieval is done, on its next write), then lets go of the LLM.
    probe.wait_for_log(mark, "chat.stream.end", timeout=CLOSE_WITHIN + memvid_delay, outcome="client_disconnected")
    assert llm.wait_until_idle(timeout=CLOSE_WITHIN), "the upstream request stayed open"
    assert time.monotonic() - hung_up < CLOSE_WITHIN + memvid_delay
    probe.wait_for_no_open_streams(timeout=CLOSE_WITHIN)
    after = probe.metrics()
    assert after.delta(before, "chat_streams_total", outcome="client_disconnected") == 1
    assert after.delta(before, "chat_streams_total", outcome="completed") == 0
    # Nothing of the abandoned answer is kept: a follow-up starts the conversation afresh.
    llm.enqueue(stream(["ok"]))
    assert probe.chat_events(FOLLOW_UP, session_id=session_id)[-1]["type"] == "done"
    assert history_sent(llm.requests[-1].json) == [("user", FOLLOW_UP)]


def test_two_questions_at_once_on_one_session_are_both_kept_whole(probe, llm):
    session_id = new_session()
    questions = ("Where is Ada based?", "What languages does Ada use?")
    llm.enqueue(*(stream([f" {word}{i}" for i in range(8)], token_delay=0.05) for word in ("alpha", "beta")))

    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(lambda q: Probe(probe.service).chat_events(q, session_id=session_id), questions))
    llm.enqueue(stream(["ok"]))
    probe.chat_events(FOLLOW_UP, session_id=session_id)

    texts = ["".join(e["content"] for e in received if e["type"] == "token") for received in answers]
    assert [received[-1]["type"] for received in answers] == ["done", "done"], [a[-1] for a in answers]
    history = history_sent(llm.requests[-1].json)
    assert history[-1] == ("user", FOLLOW_UP)
    pairs = [tuple(history[i : i + 2]) for i in range(0, len(history) - 1, 2)]
    expected = {(("user", q), ("assistant", text)) for q, text in zip(questions, texts, strict=True)}
    assert len(pairs) == 2
    assert set(pairs) == expected  # each question beside its own answer, in either order


def test_a_client_hanging_up_on_a_whole_answer_closes_the_upstream_request(probe, llm):
    # stream: false writes once, at the end: the service must notice the hang-up on its own.
    llm.enqueue(stream([f" t{i}" for i in range(300)], token_delay=0.1))
    mark = probe.log_mark()
    session_id = new_session()
    sock = open_chat(probe, session_id=session_id, stream=False)
    time.sleep(0.5)  # the LLM is generating now

    hung_up = _hang_up(sock)

    probe.wait_for_log(mark, "chat.client_gone", timeout=CLOSE_WITHIN)
    assert llm.wait_until_idle(timeout=CLOSE_WITHIN), "the upstream request stayed open"
    assert time.monotonic() - hung_up < CLOSE_WITHIN
    assert_told_as_a_hang_up(probe, mark)
    llm.enqueue(stream(["ok"]))
    assert probe.chat_events(FOLLOW_UP, session_id=session_id)[-1]["type"] == "done"
    assert history_sent(llm.requests[-1].json) == [("user", FOLLOW_UP)]  # nothing of it was kept


JOB = "Senior platform engineer: Kubernetes, AWS, Terraform, on-call for payment services. " * 3
TOOL_CALL = {"name": "assess_fit", "arguments": {"job_description": JOB}}
WHOLE_ANSWERS = [
    ("/api/v1/assess-fit", {"job_description": JOB}, ""),
    (
        "/mcp",
        {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": TOOL_CALL},
        "Accept: application/json, text/event-stream\r\nMCP-Protocol-Version: 2025-11-25\r\n",
    ),
]


@pytest.mark.parametrize(("path", "body", "headers"), WHOLE_ANSWERS, ids=["assess_fit", "mcp_tool_call"])
def test_a_client_hanging_up_on_a_fit_assessment_or_tool_call_closes_the_upstream_request(
    probe, llm, path, body, headers
):
    llm.enqueue(stream([f" t{i}" for i in range(300)], token_delay=0.1))
    mark = probe.log_mark()
    sock = open_post(probe, path, body, headers)
    time.sleep(1.0)  # retrieval done, the LLM is generating now

    hung_up = _hang_up(sock)

    probe.wait_for_log(mark, "chat.client_gone", timeout=CLOSE_WITHIN)
    assert llm.wait_until_idle(timeout=CLOSE_WITHIN), "the upstream request stayed open"
    assert time.monotonic() - hung_up < CLOSE_WITHIN
    assert_told_as_a_hang_up(probe, mark)


def assert_told_as_a_hang_up(probe: Probe, mark: int) -> None:
    """The logs and the access log call it a hang-up (499), never an LLM failure or a bug."""
    time.sleep(0.3)  # the access line follows the hang-up's own log line
    lines = probe.log_lines(mark)
    events = [line.get("event") for line in lines]
    assert "llm.unexpected_error" not in events
    assert "request.upstream_error" not in events
    assert [line["status"] for line in lines if line.get("event") == "http.request"] == [499]
    assert "mcp.unhandled_error" not in events


def test_a_client_that_only_half_closes_still_gets_its_whole_stream(probe, llm):
    # Done sending (shutdown of its write side, as `nc -N` does), still reading: not a hang-up.
    llm.enqueue(stream(["late", " answer"], first_token_delay=2.5))
    sock = open_chat(probe, session_id=new_session())
    sock.shutdown(socket.SHUT_WR)

    received = read_until(sock, b'"type":"done"', timeout=10)
    sock.close()

    assert b'"content":"late"' in received


def test_a_client_closing_right_after_its_whole_answer_is_no_hang_up(probe, llm):
    # nginx closes its upstream connection after each answer: the watcher must not call that a
    # hang-up, nor throw into the greenlet that answered.
    # Its own User-Agent tells its access lines from a late one of the test before.
    agent = "closes-after-answer"
    mark = probe.log_mark()
    for _ in range(5):
        llm.enqueue(stream(["ok"]))
        body = {"message": QUESTION, "session_id": new_session(), "stream": False}
        sock = open_post(probe, "/api/v1/chat", body, f"User-Agent: {agent}\r\n")
        read_until(sock, b'"message"')
        sock.close()
    time.sleep(0.5)

    lines = probe.log_lines(mark)
    assert "chat.client_gone" not in [line.get("event") for line in lines]
    answered = [line for line in lines if line.get("event") == "http.request" and line.get("user_agent") == agent]
    assert [line["status"] for line in answered] == [200] * 5
    assert probe.chat_events()[-1]["type"] == "done"


def test_a_client_reading_one_byte_a_second_holds_up_no_one(probe, llm):
    # ~6 MB of answer: more than the loopback socket buffers hold, so the stream really waits.
    llm.enqueue(stream(["x" * 10_000 for _ in range(600)]))
    before, mark = probe.metrics(), probe.log_mark()
    slow = open_chat(probe, session_id=new_session(), receive_buffer=4096)
    slow.settimeout(10)
    assert slow.recv(1)
    time.sleep(0.5)  # the service has filled the buffers and waits to write

    seconds = []
    for _ in range(3):
        started = time.monotonic()
        assert probe.chat_events()[-1]["type"] == "done"
        seconds.append(time.monotonic() - started)
        assert slow.recv(1)  # one byte a second
        time.sleep(max(0.0, 1.0 - (time.monotonic() - started)))
    _hang_up(slow)

    assert max(seconds) < 1.0, f"other chats took {seconds} while a slow client was served"
    probe.wait_for_log(mark, "chat.stream.end", timeout=CLOSE_WITHIN, outcome="client_disconnected")
    probe.wait_for_no_open_streams(timeout=CLOSE_WITHIN)
    assert llm.wait_until_idle(timeout=CLOSE_WITHIN)
    assert probe.metrics().delta(before, "chat_streams_total", outcome="client_disconnected") == 1


def test_the_worker_holds_no_more_files_than_before_the_faults(probe, files_at_start):
    """Runs last: every hang-up above closed its sockets (a pooled upstream connection aside)."""
    assert probe.worker_open_files() <= files_at_start + 2
