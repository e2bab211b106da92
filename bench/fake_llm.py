"""A fast fake OpenAI-compatible streaming server (asyncio), for the benchmark only.

`POST .../chat/completions` answers an OpenRouter-shaped event stream: the first token
after `first_token_ms`, then `tokens - 1` more `gap_ms` apart (scheduled on absolute
times, so a late callback does not delay the rest), then a finish chunk, a usage-only
chunk and `[DONE]`. Every chunk is encoded once at start-up; a stream is a chain of
timer callbacks, no coroutine per stream. `GET /stats` returns and resets the loop-lag
figures. HTTP/1.1 keep-alive, chunked bodies, request bodies are read and ignored.

    python -m bench.fake_llm '{"first_token_ms": 200, "tokens": 50, "gap_ms": 20}'

prints `READY <port>` once listening on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

from bench.loops import LagProbe, run

WORDS = (
    "She ran Kubernetes on AWS for five years, cut the cloud bill by a third, "
    "and led a team of six engineers through a migration to Terraform — café included."
).split(" ")


def _chunk(payload: dict[str, Any] | str) -> bytes:
    text = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    data = f"data: {text}\n\n".encode()
    return b"%x\r\n%s\r\n" % (len(data), data)


def _completion(delta: dict[str, str], finish: str | None = None, **extra: Any) -> dict[str, Any]:
    choice = {"index": 0, "delta": delta, "finish_reason": finish, "native_finish_reason": finish}
    body: dict[str, Any] = {"id": "gen-bench-1", "object": "chat.completion.chunk", "created": 1_700_000_000}
    body.update(model="bench/fake-model", provider="Bench", choices=[choice], **extra)
    return body


def encode_stream(tokens: int) -> tuple[list[bytes], bytes]:
    """Return the wire bytes of each token chunk, and of everything after the last token."""
    texts = [(" " if i else "") + WORDS[i % len(WORDS)] for i in range(tokens)]
    parts = [_chunk(_completion({"role": "assistant", "content": text})) for text in texts]
    usage = {"prompt_tokens": 900, "completion_tokens": tokens, "total_tokens": 900 + tokens, "cost": 0.0}
    finish = _chunk(_completion({"role": "assistant", "content": ""}, "stop"))
    usage_only = _completion({}, usage=usage)
    usage_only["choices"] = []
    tail = finish + _chunk(usage_only) + _chunk("[DONE]") + b"0\r\n\r\n"
    return parts, tail


STREAM_HEAD = (
    b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
    b"Transfer-Encoding: chunked\r\n\r\n"
)


class _Server:
    def __init__(self, first_token: float, tokens: int, gap: float) -> None:
        self.first_token, self.gap = first_token, gap
        self.parts, self.tail = encode_stream(tokens)
        self.lag = LagProbe()
        self.streams = 0


class _Connection(asyncio.Protocol):
    """One client connection: requests are served one after the other (keep-alive)."""

    def __init__(self, server: _Server) -> None:
        self.server = server
        self.buffer = bytearray()
        self.busy = False
        self.timer: asyncio.TimerHandle | None = None
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's is not a subclass

    def connection_lost(self, exc: Exception | None) -> None:
        if self.timer is not None:
            self.timer.cancel()
        self.transport = None

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        self._next_request()

    def _next_request(self) -> None:
        if self.busy or self.transport is None:
            return
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return
        head = bytes(self.buffer[:end]).decode("latin-1")
        length = 0
        for line in head.split("\r\n")[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        if len(self.buffer) < end + 4 + length:
            return
        del self.buffer[: end + 4 + length]
        method, path = head.split(" ", 2)[:2]
        if method == "POST" and path.rstrip("/").endswith("/chat/completions"):
            self._start_stream()
        elif path.startswith("/stats"):
            self._answer(200, json.dumps({**self.server.lag.summary(), "streams": self.server.streams}).encode())
            self.server.lag.reset()
            self.server.streams = 0
        else:
            self._answer(404, b'{"error":{"code":404,"message":"not found"}}')

    def _answer(self, status: int, body: bytes) -> None:
        assert self.transport is not None
        head = f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        self.transport.write(head.encode() + body)
        self._next_request()

    def _start_stream(self) -> None:
        assert self.transport is not None
        self.busy = True
        self.server.streams += 1
        self.transport.write(STREAM_HEAD)
        loop = asyncio.get_running_loop()
        start = loop.time() + self.server.first_token
        self.timer = loop.call_at(start, self._send, 0, start)

    def _send(self, index: int, start: float) -> None:
        if self.transport is None:
            return
        parts = self.server.parts
        if index + 1 < len(parts):
            self.transport.write(parts[index])
            when = start + (index + 1) * self.server.gap
            self.timer = asyncio.get_running_loop().call_at(when, self._send, index + 1, start)
            return
        self.transport.write(parts[index] + self.server.tail)
        self.timer = None
        self.busy = False
        self._next_request()


async def serve(options: dict[str, Any]) -> None:
    """Serve until the process is terminated."""
    server = _Server(options["first_token_ms"] / 1000, int(options["tokens"]), options["gap_ms"] / 1000)
    loop = asyncio.get_running_loop()
    listener = await loop.create_server(lambda: _Connection(server), "127.0.0.1", 0, backlog=4096)
    probe = asyncio.create_task(server.lag.run_async())
    print("READY", listener.sockets[0].getsockname()[1], flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        probe.cancel()


if __name__ == "__main__":
    run(lambda: serve(json.loads(sys.argv[1])))
