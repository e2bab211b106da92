"""Connection reuse after a finished stream (app/llm/upstream_stream.py), against a tiny
socket server that controls exactly which bytes arrive together."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from app.llm.openrouter import OpenRouterClient
from app.llm.types import AnswerRequest, Finished, Token

REQUEST = AnswerRequest(messages=[{"role": "user", "content": "q"}], question="q")
HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"


def _chunk(data: bytes) -> bytes:
    return b"%x\r\n%s\r\n" % (len(data), data)


def _event(payload: object) -> bytes:
    return f"data: {payload if isinstance(payload, str) else json.dumps(payload)}\n\n".encode()


BODY = b"".join(
    _chunk(_event(part))
    for part in (
        {"choices": [{"delta": {"content": "Hi"}, "finish_reason": None}]},
        {"choices": [{"delta": {"content": ""}, "finish_reason": "stop"}]},
        "[DONE]",
    )
)
END = b"0\r\n\r\n"


@dataclass
class Upstream:
    """Answers every request on a connection with BODY; END comes with it or `end_delay` later."""

    end_delay: float = 0.0
    connections: int = 0
    listener: socket.socket = field(default_factory=socket.socket)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.listener.getsockname()[1]}/api/v1"

    def serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            buffer = b""
            while True:
                while b"\r\n\r\n" not in buffer:
                    data = conn.recv(65536)
                    if not data:
                        return
                    buffer += data
                head, _, buffer = buffer.partition(b"\r\n\r\n")
                length = next(
                    int(line.split(b":")[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length")
                )
                while len(buffer) < length:
                    buffer += conn.recv(65536)
                buffer = buffer[length:]
                if self.end_delay:
                    conn.sendall(HEAD + BODY)
                    time.sleep(self.end_delay)
                    try:
                        conn.sendall(END)
                    except OSError:
                        return
                else:
                    conn.sendall(HEAD + BODY + END)


@pytest.fixture
def upstream() -> Iterator[Upstream]:
    server = Upstream()
    server.listener.bind(("127.0.0.1", 0))
    server.listener.listen()
    threading.Thread(target=server.serve, daemon=True).start()
    yield server
    server.listener.close()


def client(upstream: Upstream) -> OpenRouterClient:
    return OpenRouterClient(
        base_url=upstream.base_url, api_key="k", model="m", max_tokens=8, temperature=0.0, connect_timeout=2,
        read_timeout=5, max_retries=0, referer="r", title="t", pool_size=2,
    )  # fmt: skip


def test_a_completely_received_stream_hands_its_connection_back_to_the_pool(upstream):
    llm = client(upstream)

    answers = [list(llm.stream(REQUEST)) for _ in range(3)]

    assert answers[0] == [Token("Hi"), Finished("stop")]
    assert answers == [answers[0]] * 3
    assert upstream.connections == 1


def test_an_end_that_has_not_arrived_is_not_waited_for(upstream):
    upstream.end_delay = 2.0
    llm = client(upstream)

    started = time.monotonic()
    answers = [list(llm.stream(REQUEST)) for _ in range(2)]

    assert answers == [[Token("Hi"), Finished("stop")]] * 2
    assert time.monotonic() - started < 1.0
    assert upstream.connections == 2  # the half-read connection was closed, not reused


def test_proxy_settings_are_read_once_at_start(monkeypatch, upstream):
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    llm = OpenRouterClient(
        base_url="https://openrouter.ai/api/v1", api_key="k", model="m", max_tokens=8, temperature=0.0,
        connect_timeout=2, read_timeout=5, max_retries=0, referer="r", title="t", pool_size=2,
    )  # fmt: skip

    assert llm._session.proxies.get("https") == "http://proxy.example:3128"
    assert llm._session.trust_env is False
