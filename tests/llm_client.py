"""The OpenRouter client's test kit: a client factory against the fake upstream of
tests/fake_llm.py, recorded retry sleeps, service-metric deltas and event helpers.

Registered as a pytest plugin by tests/conftest.py; used by the tests of
app/llm/openrouter.py, transport.py and upstream_stream.py.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from prometheus_client import CollectorRegistry

from app.errors import LLMError
from app.llm.openrouter import OpenRouterClient
from app.llm.types import AnswerRequest, Finished, LLMEvent, Token
from app.llm.usage_estimate import estimated_usage
from app.telemetry.metrics import register_service_metrics
from tests.fake_llm import FakeLLMServer, chunk, data_line

API_KEY = "sk-or-v1-LEAKCANARY-7f3c9e1d2b4a"
REQUEST = AnswerRequest(
    messages=[
        {"role": "system", "content": "Answer from the resume only."},
        {"role": "user", "content": "What cloud experience does she have?"},
    ],
    question="What cloud experience does she have?",
)
USAGE = {"prompt_tokens": 11, "completion_tokens": 3, "total_tokens": 14, "cost": 0.00042}

# A whole answer as OpenRouter sends it, and where, for the `responses` library.
SSE_BODY = data_line(chunk("a", finish_reason="stop")) + data_line("[DONE]")
ENDPOINT = "https://openrouter.test/api/v1/chat/completions"

MakeClient = Callable[..., OpenRouterClient]


@pytest.fixture
def retry_sleeps() -> list[float]:
    """The delays the client waited before its retries (it is given `append` as its sleep)."""
    return []


@pytest.fixture
def make_llm_client(llm_server: FakeLLMServer, retry_sleeps: list[float]) -> Iterator[MakeClient]:
    clients: list[OpenRouterClient] = []

    def make(**overrides: Any) -> OpenRouterClient:
        options: dict[str, Any] = {
            "base_url": llm_server.base_url,
            "api_key": API_KEY,
            "model": "test/model",
            "max_tokens": 256,
            "temperature": 0.2,
            "connect_timeout": 1.0,
            "read_timeout": 2.0,
            "max_retries": 2,
            "referer": "https://resume.example",
            "title": "Resume Test",
            "pool_size": 4,
            "sleep": retry_sleeps.append,
        }
        options.update(overrides)
        client = OpenRouterClient(**options)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


class Metrics:
    """Reads the service counters through a registry, as deltas from the test's start."""

    def __init__(self) -> None:
        self._registry = CollectorRegistry()
        register_service_metrics(self._registry)
        self._start = {key: self._read(*key) for key in self._keys()}

    def _keys(self) -> list[tuple[str, tuple[tuple[str, str], ...]]]:
        return [
            (sample.name, tuple(sorted(sample.labels.items())))
            for metric in self._registry.collect()
            for sample in metric.samples
        ]

    def _read(self, name: str, labels: tuple[tuple[str, str], ...]) -> float:
        return self._registry.get_sample_value(name, dict(labels)) or 0.0

    def delta(self, name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return self._read(*key) - self._start.get(key, 0.0)


@pytest.fixture
def service_metrics() -> Metrics:
    """The service's Prometheus counters, read as deltas from the test's start."""
    return Metrics()


def collect(client: OpenRouterClient) -> list[LLMEvent]:
    return list(client.stream(REQUEST))


def collect_until_error(client: OpenRouterClient) -> tuple[list[LLMEvent], LLMError]:
    events: list[LLMEvent] = []
    with pytest.raises(LLMError) as caught:
        events.extend(client.stream(REQUEST))  # keeps the events that came before the error
    return events, caught.value


def unreported(reason: str, answer: str, *, max_tokens: int = 256, request: AnswerRequest = REQUEST) -> Finished:
    """The end of an answer whose upstream reported no usage: an estimate, marked as one."""
    return Finished(reason, estimated_usage(request, len(answer), reason, max_tokens))


def tokens(events: list[LLMEvent]) -> list[str]:
    return [event.text for event in events if isinstance(event, Token)]
