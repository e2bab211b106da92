"""Graceful shutdown: SIGTERM to a real gunicorn with streams open, and the clock behind it."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests

from app.worker import shutdown
from tests.deploy_stack import stack_env, timed_events, upstreams
from tests.fake_llm import stream
from tests.servers import Service, gunicorn

GRACEFUL_TIMEOUT = 4.0


class FakeWorker:
    alive = True


@pytest.fixture(autouse=True)
def _forget_worker() -> Iterator[None]:
    yield
    shutdown.reset()


def test_not_stopping_without_a_watched_worker():
    assert shutdown.stream_deadline_passed() is False


def test_deadline_counts_from_when_the_worker_stopped():
    worker = FakeWorker()
    shutdown.watch(worker, shutdown.MARGIN_SECONDS + 0.3)
    assert shutdown.stream_deadline_passed() is False

    worker.alive = False
    first = shutdown.stream_deadline_passed()
    time.sleep(0.35)

    assert first is False
    assert shutdown.stream_deadline_passed() is True


def test_sigterm_starts_the_clock_and_still_runs_gunicorns_handler():
    worker = FakeWorker()
    calls: list[int] = []
    original = signal.signal(signal.SIGTERM, lambda signum, frame: calls.append(signum))
    try:
        shutdown.watch(worker, shutdown.MARGIN_SECONDS)
        shutdown.hook_sigterm()
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(0.05)  # the handler runs in the main thread at the next bytecode boundary
    finally:
        signal.signal(signal.SIGTERM, original)

    assert calls == [signal.SIGTERM]
    # The clock started at the signal, even though this fake worker never cleared `alive`.
    assert shutdown.stream_deadline_passed() is True


@dataclass
class StreamReader:
    """Read one chat stream in a thread, timing each event."""

    response: requests.Response
    events: list[tuple[float, dict[str, Any]]] = field(default_factory=list)
    error: Exception | None = None
    first_token: threading.Event = field(default_factory=threading.Event)

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self._read, daemon=True)
        thread.start()
        return thread

    def _read(self) -> None:
        try:
            for at, event in timed_events(self.response):
                self.events.append((at, event))
                if event["type"] == "token":
                    self.first_token.set()
        except requests.RequestException as error:  # a cut-off stream lands here
            self.error = error
        finally:
            self.first_token.set()


def open_stream(service: Service) -> tuple[StreamReader, threading.Thread]:
    response = requests.post(f"{service.url}/api/v1/chat", json={"message": "Kubernetes?"}, stream=True, timeout=20)
    reader = StreamReader(response)
    thread = reader.start()
    assert reader.first_token.wait(10), "no first token"
    return reader, thread


@pytest.fixture(scope="module")
def fakes():
    with upstreams() as running:
        yield running


def test_sigterm_finishes_short_streams_and_ends_long_ones_cleanly(fakes, tmp_path):
    memvid, llm = fakes
    env = stack_env(memvid, llm, GRACEFUL_TIMEOUT=str(int(GRACEFUL_TIMEOUT)))
    with gunicorn(env, tmp_path) as api:
        llm.enqueue(
            stream([f" long{i}" for i in range(100)], token_delay=0.2),  # 20 s: cannot finish
            stream([f" short{i}" for i in range(8)], token_delay=0.15),  # about 1 s more
        )
        disconnects = llm.disconnects
        long_reader, long_thread = open_stream(api)
        short_reader, short_thread = open_stream(api)

        stopped_at = time.monotonic()
        api.process.send_signal(signal.SIGTERM)
        # The worker's loop checks `alive` once a second, then closes its listening socket.
        time.sleep(1.3)
        with pytest.raises(requests.ConnectionError):
            requests.get(api.url + "/health", timeout=2)
        long_thread.join(10)
        short_thread.join(10)
        exit_code = api.process.wait(timeout=GRACEFUL_TIMEOUT + 5)
        exited_after = time.monotonic() - stopped_at
        log = api.log()

    assert long_reader.error is None, "the long stream was cut off"
    assert short_reader.error is None, "the short stream was cut off"
    short = [event for _, event in short_reader.events]
    assert short[-1]["type"] == "done"
    assert sum(event["type"] == "token" for event in short) == 8
    end_at, last = long_reader.events[-1]
    assert (last["type"], last["code"]) == ("error", "server_shutdown")
    # Ended by the stream itself MARGIN_SECONDS before gunicorn's kill, not by the kill.
    assert 1.0 < end_at - stopped_at < GRACEFUL_TIMEOUT - 0.5
    assert llm.wait_for_disconnect(timeout=5, count=disconnects + 1), "the long LLM request stayed open"
    assert exit_code == 0
    assert exited_after < GRACEFUL_TIMEOUT + 1.5
    assert "SIGKILL" not in log
    assert "graceful timeout" not in log.lower()


def test_sigterm_answers_whole_answers_still_in_the_making_with_503_not_silence(fakes, tmp_path):
    # stream:false and MCP tool calls write once, at the end: gunicorn's kill cut them off with
    # no reply at all ("Empty reply from server"), and no log line said so (ops audit).
    memvid, llm = fakes
    env = stack_env(memvid, llm, GRACEFUL_TIMEOUT=str(int(GRACEFUL_TIMEOUT)))
    with gunicorn(env, tmp_path) as api:
        llm.enqueue(*[stream([f" slow{i}" for i in range(100)], token_delay=0.2)] * 2)  # 20 s each
        replies: dict[str, requests.Response] = {}

        def ask(name: str, path: str, body: dict[str, Any]) -> None:
            replies[name] = requests.post(f"{api.url}{path}", json=body, timeout=GRACEFUL_TIMEOUT + 10)

        tool_call = {"jsonrpc": "2.0", "id": 4, "method": "tools/call"}
        tool_call["params"] = {"name": "ask_question", "arguments": {"question": "Kubernetes?"}}
        threads = [
            threading.Thread(target=ask, args=("chat", "/api/v1/chat", {"message": "Kubernetes?", "stream": False})),
            threading.Thread(target=ask, args=("mcp", "/mcp", tool_call)),
        ]
        for thread in threads:
            thread.start()
        time.sleep(1.5)  # both are waiting on the slow LLM
        stopped_at = time.monotonic()
        api.process.send_signal(signal.SIGTERM)
        for thread in threads:
            thread.join(GRACEFUL_TIMEOUT + 10)
        answered_after = time.monotonic() - stopped_at
        exit_code = api.process.wait(timeout=GRACEFUL_TIMEOUT + 5)

    chat, mcp = replies["chat"], replies["mcp"]
    assert (chat.status_code, chat.json()["code"]) == (503, "server_shutdown")
    assert int(chat.headers["Retry-After"]) >= 1
    assert mcp.status_code == 503
    assert (mcp.json()["id"], mcp.json()["error"]["code"]) == (4, -32603)
    assert answered_after < GRACEFUL_TIMEOUT
    assert exit_code == 0
