"""A scriptable OpenAI-compatible chat-completions server on 127.0.0.1, for tests.

Real sockets, stdlib only. Script what the next requests get, then point a client at
`server.base_url` (`http://127.0.0.1:PORT/api/v1`)::

    llm_server.enqueue(http_error(429, retry_after=1), stream(["Hel", "lo"], comments=True))

Each POST to `.../chat/completions` takes the next scenario (the `default` one when the
queue is empty) and is recorded in `server.requests`. A client that goes away while a
scenario is still playing is counted in `server.disconnects` (`wait_for_disconnect()`).
Use it through the `llm_server` fixture (tests/conftest.py), or `with FakeLLMServer() as server:`.
"""

from __future__ import annotations

import json
import select
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

DEFAULT_TOKENS = ("Hello", " from", " the", " fake", " LLM.")
DEFAULT_USAGE: Mapping[str, Any] = {"prompt_tokens": 42, "completion_tokens": 5, "total_tokens": 47, "cost": 0.0001}
DEFAULT_MODEL = "fake/model-1"
EVENT_STREAM_HEADERS = (("Content-Type", "text/event-stream"), ("Cache-Control", "no-cache"))


# -- scenarios: what one request gets -------------------------------------------------


@dataclass(frozen=True)
class Write:
    data: bytes


@dataclass(frozen=True)
class Pause:
    seconds: float


@dataclass(frozen=True)
class Drop:
    """Close the connection mid-response; `reset` sends a TCP RST instead of a FIN."""

    reset: bool = False


Step = Write | Pause | Drop


@dataclass(frozen=True)
class Scenario:
    """A status, headers and the body steps; `chunked=False` sends a length- or close-delimited body."""

    steps: tuple[Step, ...] = ()
    status: int = 200
    headers: tuple[tuple[str, str], ...] = EVENT_STREAM_HEADERS
    chunked: bool = True
    head_delay: float = 0.0  # silence before the status line: a stall before the first byte
    head_trickle: float = 0.0  # seconds between the bytes of the status line and headers


def chunk(
    content: str | None = None,
    *,
    finish_reason: str | None = None,
    usage: Mapping[str, Any] | None = None,
    error: Mapping[str, Any] | None = None,
    model: str = DEFAULT_MODEL,
    choices: bool = True,
) -> dict[str, Any]:
    """One `chat.completion.chunk` object as OpenRouter sends it."""
    body: dict[str, Any] = {"id": "gen-fake-1", "object": "chat.completion.chunk", "created": 1_700_000_000}
    body.update(model=model, provider="Fake")
    delta = {"role": "assistant", "content": content if content is not None else ""}
    choice = {"index": 0, "delta": delta, "finish_reason": finish_reason, "native_finish_reason": finish_reason}
    body["choices"] = [choice] if choices else []
    if usage is not None:
        body["usage"] = dict(usage)
    if error is not None:
        body["error"] = dict(error)
    return body


def data_line(payload: Mapping[str, Any] | str, newline: str = "\n") -> bytes:
    """Encode one `data:` event (a JSON object, or a raw string such as `[DONE]`)."""
    text = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False)
    return f"data: {text}{newline}{newline}".encode()


def stream(
    tokens: Sequence[str] = DEFAULT_TOKENS,
    *,
    usage: Mapping[str, Any] | None = DEFAULT_USAGE,
    usage_separate: bool = True,
    finish_reason: str | None = "stop",
    error: Mapping[str, Any] | None = None,
    model: str = DEFAULT_MODEL,
    comments: bool = False,
    first_token_delay: float = 0.0,
    token_delay: float = 0.0,
    stall_after: int | None = None,
    stall_seconds: float = 0.0,
    drop_after: int | None = None,
    reset: bool = False,
    done: bool = True,
    newline: str = "\n",
    chunked: bool = True,
) -> Scenario:
    """An OpenRouter-style stream: tokens, a finish chunk, a usage-only chunk, `[DONE]`.

    `error` sends an error chunk (with finish_reason "error") after the tokens and ends the
    stream; `stall_after=n` goes silent for `stall_seconds` after n tokens, then carries
    on; `drop_after=n` cuts the connection after n tokens.
    """
    steps: list[Step] = []
    if comments:
        steps.append(Write(f": OPENROUTER PROCESSING{newline}{newline}".encode()))
    if first_token_delay:
        steps.append(Pause(first_token_delay))
    for index, token in enumerate(tokens):
        if drop_after == index:
            return Scenario((*steps, Drop(reset)), chunked=chunked)
        if stall_after == index:
            steps.append(Pause(stall_seconds))
        elif index and token_delay:
            steps.append(Pause(token_delay))
        steps.append(Write(data_line(chunk(token, model=model), newline)))
    if drop_after is not None:
        return Scenario((*steps, Drop(reset)), chunked=chunked)
    if stall_after is not None and stall_after >= len(tokens):
        steps.append(Pause(stall_seconds))
    steps.extend(
        Write(data_line(c, newline)) for c in _closing_chunks(finish_reason, usage, usage_separate, error, model)
    )
    if comments:
        steps.append(Write(f": OPENROUTER PROCESSING{newline}{newline}".encode()))
    if done and error is None:
        steps.append(Write(data_line("[DONE]", newline)))
    return Scenario(tuple(steps), chunked=chunked)


def _closing_chunks(
    finish_reason: str | None,
    usage: Mapping[str, Any] | None,
    usage_separate: bool,
    error: Mapping[str, Any] | None,
    model: str,
) -> list[dict[str, Any]]:
    if error is not None:
        return [chunk(finish_reason="error", error=error, model=model)]
    chunks = [chunk(finish_reason=finish_reason, usage=None if usage_separate else usage, model=model)]
    if usage is not None and usage_separate:
        chunks.append(chunk(usage=usage, model=model, choices=False))
    return chunks


def stall_after(n_tokens: int, seconds: float, **options: Any) -> Scenario:
    """A stream that goes silent for `seconds` after `n_tokens` tokens (then finishes)."""
    return stream(stall_after=n_tokens, stall_seconds=seconds, **options)


def drop_after(n_tokens: int, **options: Any) -> Scenario:
    """A stream cut off (no terminating chunk, no `[DONE]`) after `n_tokens` tokens."""
    return stream(drop_after=n_tokens, **options)


def http_error(
    status: int,
    *,
    retry_after: float | str | None = None,
    message: str = "Upstream says no (fake)",
    headers: Sequence[tuple[str, str]] = (),
) -> Scenario:
    """A pre-stream HTTP error with OpenRouter's JSON error body."""
    body = json.dumps({"error": {"code": status, "message": message}}).encode()
    all_headers = [("Content-Type", "application/json"), *headers]
    if retry_after is not None:
        all_headers.append(("Retry-After", str(retry_after)))
    return Scenario((Write(body),), status=status, headers=tuple(all_headers), chunked=False)


def raw(
    *parts: bytes,
    content_type: str | None = "text/event-stream",
    status: int = 200,
    delay: float = 0.0,
    chunked: bool = True,
    headers: tuple[tuple[str, str], ...] = (),
) -> Scenario:
    """Exactly these body bytes, one write each (with `delay` seconds between writes), after `headers`."""
    steps: list[Step] = []
    for index, part in enumerate(parts):
        if index and delay:
            steps.append(Pause(delay))
        steps.append(Write(part))
    typed = (("Content-Type", content_type),) if content_type else ()
    return Scenario(tuple(steps), status=status, headers=(*typed, *headers), chunked=chunked)


# -- the server -----------------------------------------------------------------------


@dataclass(frozen=True)
class RecordedRequest:
    """One request as received; header names are lower-case."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    client_port: int

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass
class _State:
    default: Scenario = field(default_factory=stream)
    queue: deque[Scenario] = field(default_factory=deque)
    requests: list[RecordedRequest] = field(default_factory=list)
    disconnects: int = 0
    playing: int = 0  # scenarios being played now: upstream requests the client has not closed
    lock: threading.Lock = field(default_factory=threading.Lock)
    disconnected: threading.Condition = field(init=False)
    stopping: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.disconnected = threading.Condition(self.lock)


class _QuietServer(ThreadingHTTPServer):
    """Clients hanging up mid-scenario is what tests do; don't print their tracebacks."""

    # socketserver's listen backlog is 5: a burst of concurrent connects beyond it waits for
    # a SYN retransmission (1 s), longer than the clients' connect timeout in the tests.
    request_queue_size = 128

    def handle_error(self, request: Any, client_address: Any) -> None:
        return None


class FakeLLMServer:
    """The server; `start()`/`close()` or use it as a context manager."""

    def __init__(self) -> None:
        self._state = _State()
        self._httpd = _QuietServer(("127.0.0.1", 0), _Handler)
        self._httpd.daemon_threads = True
        self._httpd.state = self._state  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self._serve, name="fake-llm", daemon=True)

    def _serve(self) -> None:
        self._httpd.serve_forever(poll_interval=0.02)  # shutdown() waits up to one interval

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """What OPENROUTER_BASE_URL should be set to."""
        return f"{self.url}/api/v1"

    @property
    def default(self) -> Scenario:
        return self._state.default

    @default.setter
    def default(self, scenario: Scenario) -> None:
        self._state.default = scenario

    def enqueue(self, *scenarios: Scenario) -> None:
        """Script the next requests, in order."""
        with self._state.lock:
            self._state.queue.extend(scenarios)

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._state.lock:
            return list(self._state.requests)

    @property
    def disconnects(self) -> int:
        """How many times a client went away before its scenario finished."""
        with self._state.lock:
            return self._state.disconnects

    @property
    def playing(self) -> int:
        """How many requests are being answered right now."""
        with self._state.lock:
            return self._state.playing

    def wait_until_idle(self, timeout: float = 5.0) -> bool:
        """Wait until no request is being answered; False on timeout."""
        deadline = time.monotonic() + timeout
        while self.playing:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)
        return True

    def wait_for_disconnect(self, timeout: float = 5.0, count: int = 1) -> bool:
        """Wait until `count` disconnects were seen; False on timeout."""
        with self._state.disconnected:
            return self._state.disconnected.wait_for(lambda: self._state.disconnects >= count, timeout)

    def start(self) -> FakeLLMServer:
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving; scenarios still playing end at their next step."""
        self._state.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> FakeLLMServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()


class _ClientGone(Exception):
    pass


class _Stopping(Exception):
    pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 10  # idle keep-alive connections do not hold a thread forever

    @property
    def state(self) -> _State:
        return self.server.state  # type: ignore[attr-defined,no-any-return]

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._not_found()

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if not self.path.rstrip("/").endswith("/chat/completions"):
            self._not_found()
            return
        headers = {name.lower(): value for name, value in self.headers.items()}
        recorded = RecordedRequest("POST", self.path, headers, body, self.client_address[1])
        with self.state.lock:
            self.state.requests.append(recorded)
            scenario = self.state.queue.popleft() if self.state.queue else self.state.default
            self.state.playing += 1
        try:
            self._play(scenario)
        except _Stopping:
            self.close_connection = True
        except _ClientGone:
            self.close_connection = True
            with self.state.disconnected:
                self.state.disconnects += 1
                self.state.disconnected.notify_all()
        finally:
            with self.state.lock:
                self.state.playing -= 1

    def _play(self, scenario: Scenario) -> None:
        if scenario.head_delay:
            self._pause(scenario.head_delay)
        self.send_response(scenario.status)
        for name, value in scenario.headers:
            self.send_header(name, value)
        delimited_by_close = any(isinstance(step, Pause | Drop) for step in scenario.steps)
        if scenario.chunked:
            self.send_header("Transfer-Encoding", "chunked")
        elif delimited_by_close:
            self.send_header("Connection", "close")
            self.close_connection = True
        else:
            length = sum(len(step.data) for step in scenario.steps if isinstance(step, Write))
            self.send_header("Content-Length", str(length))
        try:
            self._trickle_head(scenario.head_trickle) if scenario.head_trickle else self.end_headers()
        except OSError as exc:
            raise _ClientGone from exc
        for step in scenario.steps:
            if isinstance(step, Write):
                self._send(b"%x\r\n%s\r\n" % (len(step.data), step.data) if scenario.chunked else step.data)
            elif isinstance(step, Pause):
                self._pause(step.seconds)
            else:
                self._drop(step.reset)
                return
        if scenario.chunked:
            self._send(b"0\r\n\r\n")

    def _trickle_head(self, seconds: float) -> None:
        """Send the head one byte every `seconds`: never silent for long, never done."""
        head = b"".join([*self._headers_buffer, b"\r\n"])
        self._headers_buffer = []
        for byte in head:
            self._send(bytes([byte]))
            self._pause(seconds)

    def _send(self, data: bytes) -> None:
        if self.state.stopping.is_set():
            raise _Stopping
        try:
            self.wfile.write(data)
        except OSError as exc:
            raise _ClientGone from exc

    def _pause(self, seconds: float) -> None:
        """Wait, watching the socket: a readable socket with nothing to read is a closed client."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            if self.state.stopping.is_set():
                raise _Stopping
            readable, _, _ = select.select([self.connection], [], [], min(left, 0.02))
            if readable and self._peer_closed():
                raise _ClientGone

    def _peer_closed(self) -> bool:
        try:
            return self.connection.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True

    def _drop(self, reset: bool) -> None:
        self.close_connection = True
        if reset:  # SO_LINGER 0: the close (once finish() closed rfile/wfile) sends RST, not FIN
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
        else:
            self.connection.shutdown(socket.SHUT_WR)

    def _not_found(self) -> None:
        body = b'{"error":{"code":404,"message":"Not found"}}'
        self.send_response(404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
