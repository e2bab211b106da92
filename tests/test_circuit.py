"""The circuit breaker, driven by an injected clock."""

from __future__ import annotations

from typing import Any

import pytest

from app.retrieval.circuit import CircuitBreaker
from tests.fakes import FakeClock as Clock


@pytest.fixture
def clock() -> Clock:
    return Clock()


def make(clock: Clock, *, threshold: int = 3, base: float = 2.0, cap: float = 10.0) -> CircuitBreaker:
    return CircuitBreaker(failure_threshold=threshold, base_delay=base, max_delay=cap, clock=clock)


def run(breaker: CircuitBreaker, clock: Clock, script: str) -> list[str]:
    """Play a script of steps and return the state after each.

    F / S: record a failure / success; A: a call that must be allowed; R: one that must be
    refused; a number: let that many seconds pass.
    """
    states: list[str] = []
    for step in script.split():
        if step == "F":
            breaker.record_failure()
        elif step == "S":
            breaker.record_success()
        elif step in {"A", "R"}:
            assert breaker.allow() is (step == "A"), f"step {len(states)}: {step}"
        else:
            clock.now += float(step)
        states.append(breaker.state)
    return states


@pytest.mark.parametrize(
    ("script", "final"),
    [
        ("A A A", "closed"),
        ("F F", "closed"),
        ("F F S F F", "closed"),  # failures must be consecutive
        ("F F F", "open"),
        ("F F F R 1.9 R", "open"),
        ("F F F 2 A", "half_open"),
        ("F F F 2 A R", "half_open"),  # one probe at a time
        ("F F F 2 A S A A", "closed"),  # the probe succeeded
        ("F F F 2 A F", "open"),  # the probe failed
        ("F F F 2 A F 3.9 R", "open"),  # back-off doubled to 4 s
        ("F F F 2 A F 4 A", "half_open"),
        ("F F F 2 A 2 A", "half_open"),  # a probe that never reported is replaced after one delay
        ("F F F F F F F", "open"),  # late failures while open do not matter
    ],
)
def test_state_after_script(clock: Clock, script: str, final: str) -> None:
    assert run(make(clock), clock, script)[-1] == final


@pytest.mark.parametrize(
    ("failed_probes", "delay"),
    [(0, 2.0), (1, 4.0), (2, 8.0), (3, 10.0), (6, 10.0)],
)
def test_back_off_doubles_up_to_the_cap(clock: Clock, failed_probes: int, delay: float) -> None:
    breaker = make(clock)
    run(breaker, clock, "F F F")
    for _ in range(failed_probes):
        clock.now += breaker.retry_after
        assert breaker.allow()
        breaker.record_failure()
    assert breaker.retry_after == pytest.approx(delay)


def test_success_resets_the_back_off(clock: Clock) -> None:
    breaker = make(clock)
    run(breaker, clock, "F F F 2 A F 4 A S F F F")
    assert breaker.state == "open"
    assert breaker.retry_after == pytest.approx(2.0)


def test_late_failures_do_not_stretch_the_back_off(clock: Clock) -> None:
    breaker = make(clock)
    run(breaker, clock, "F F F F F F")
    assert breaker.retry_after == pytest.approx(2.0)


@pytest.mark.parametrize(
    "kwargs",
    [{"failure_threshold": 0}, {"base_delay": 0.0}, {"base_delay": 5.0, "max_delay": 1.0}],
)
def test_rejects_nonsense_settings(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="failure_threshold"):
        CircuitBreaker(**kwargs)
