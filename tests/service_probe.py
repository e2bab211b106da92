"""What a running service (tests/servers.py) tells the outside after a fault: the client's
view, its metrics, its log lines and its open resources. Shared by the fault-matrix modules
(tests/test_faults_*.py) and the bad-input and disclosure tests.

Every response a `Probe` receives is kept (`seen`), so a module can check at its end that
no secret reached any client, and the service's log is read from an offset, so a case
sees only the lines it caused.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from prometheus_client.parser import text_string_to_metric_families

from tests.servers import Service
from tests.sse_client import events

QUESTION = "What cloud work has Ada done?"
FOLLOW_UP = "And what else?"


@dataclass
class Probe:
    """A client of one running service that keeps everything it was told."""

    service: Service
    seen: list[bytes] = field(default_factory=list)
    session: requests.Session = field(default_factory=requests.Session)

    @property
    def url(self) -> str:
        return self.service.url

    def close(self) -> None:
        """Close the kept-alive connections: idle ones would hold up the worker's graceful stop."""
        self.session.close()

    def request(self, method: str, path: str, **options: Any) -> requests.Response:
        """Send one request and keep its headers and body."""
        options.setdefault("timeout", 20)
        response = self.session.request(method, self.url + path, **options)
        self.keep(response)
        return response

    def keep(self, response: requests.Response) -> None:
        """Remember what a client was told (headers and body)."""
        head = "".join(f"{name}: {value}\n" for name, value in response.headers.items())
        self.seen.append(head.encode() + response.content)

    def chat(self, message: str = QUESTION, *, trace_id: str | None = None, **fields: Any) -> requests.Response:
        """POST a chat question (streamed unless `stream=False`) and read the whole answer."""
        headers = {"X-Trace-ID": trace_id} if trace_id else {}
        return self.request("POST", "/api/v1/chat", json={"message": message, **fields}, headers=headers)

    def chat_events(self, message: str = QUESTION, **fields: Any) -> list[dict[str, Any]]:
        """Stream one chat answer and return its events; the status must be 200."""
        response = self.chat(message, **fields)
        assert response.status_code == 200, response.content[:500]
        assert response.headers["Content-Type"].startswith("text/event-stream")
        return events(response.content)

    def metrics(self) -> Metrics:
        return Metrics(self.request("GET", "/metrics").text)

    def log_mark(self) -> int:
        """The log's current length: pass it to `log_lines` to read what came after."""
        return self.service.log_path.stat().st_size

    def log_lines(self, since: int = 0) -> list[dict[str, Any]]:
        """The service's JSON log lines written after `since` (other lines skipped)."""
        with self.service.log_path.open("rb") as log:
            log.seek(since)
            text = log.read().decode(errors="replace")
        lines = []
        for line in text.splitlines():
            try:
                parsed = json.loads(line)
            except ValueError:
                continue
            if isinstance(parsed, dict):
                lines.append(parsed)
        return lines

    def unstructured_log_lines(self) -> list[str]:
        """Log lines that are not JSON: stack traces and libraries writing to stderr on their own."""
        lines = self.service.log().splitlines()
        return [line for line in lines if line.strip() and not line.startswith("{")]

    def wait_for_log(self, since: int, event: str, timeout: float = 5.0, **fields: Any) -> dict[str, Any]:
        """Wait for a log line with `event` (and `fields`) after `since`; fail with the lines seen."""
        deadline = time.monotonic() + timeout
        while True:
            lines = self.log_lines(since)
            for line in lines:
                if line.get("event") == event and all(line.get(k) == v for k, v in fields.items()):
                    return line
            if time.monotonic() > deadline:
                raise AssertionError(f"no {event} {fields} in the log; saw {[line.get('event') for line in lines]}")
            time.sleep(0.05)

    def wait_for_no_open_streams(self, timeout: float = 5.0) -> None:
        """Wait until the service's `chat_active_streams` gauge is back to 0."""
        deadline = time.monotonic() + timeout
        while (active := self.metrics().value("chat_active_streams")) != 0:
            assert time.monotonic() < deadline, f"chat_active_streams stayed at {active}"
            time.sleep(0.05)

    def worker_open_files(self) -> int:
        """How many file descriptors the (single) worker holds now."""
        return len(list(Path(f"/proc/{self.worker_pid()}/fd").iterdir()))

    def worker_pid(self) -> int:
        master = self.service.process.pid
        children = [
            int(pid)
            for task in Path(f"/proc/{master}/task").iterdir()
            for pid in (task / "children").read_text().split()
        ]
        assert len(children) == 1, f"expected one worker, found {children}"
        return children[0]


class Metrics:
    """One scrape of /metrics."""

    def __init__(self, text: str) -> None:
        self._samples: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                self._samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value

    def value(self, name: str, **labels: str) -> float:
        """A sample's value (0 when the sample does not exist yet)."""
        return self._samples.get((name, tuple(sorted(labels.items()))), 0.0)

    def delta(self, before: Metrics, name: str, **labels: str) -> float:
        return self.value(name, **labels) - before.value(name, **labels)


def new_session() -> str:
    return str(uuid.uuid4())


def history_sent(llm_request_body: dict[str, Any]) -> list[tuple[str, str]]:
    """The conversation an LLM request carried, after the system prompt."""
    return [(m["role"], m["content"]) for m in llm_request_body["messages"][1:]]


def assert_no_secrets(secrets: Iterable[str], texts: Iterable[bytes | str], where: str) -> None:
    """Fail naming the first secret found in any of `texts`."""
    needles = [s for s in secrets if s]
    for index, text in enumerate(texts):
        haystack = text if isinstance(text, str) else text.decode("utf-8", errors="replace")
        for secret in needles:
            assert secret not in haystack, f"{secret!r} leaked in {where} #{index}: …{_around(haystack, secret)}…"


def _around(text: str, needle: str, width: int = 120) -> str:
    at = text.index(needle)
    return text[max(0, at - width) : at + len(needle) + width]
