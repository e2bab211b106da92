"""LLM_ANSWER_TIMEOUT in the running service (gunicorn, gevent worker) against an upstream whose
response head trickles in a byte at a time: never silent as long as the read timeout, never
done. The deadline was checked only once the body began, so the answer waited as long as the
head took (85 s past a 20 s deadline in the audit; forever for a head that never ends) (blind
audit)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from tests.fake_llm import Scenario, stream
from tests.fake_memvid import cloud_hits, module_memvid
from tests.servers import gunicorn, service_env
from tests.service_probe import Probe, new_session
from tests.sse_client import events

ANSWER_TIMEOUT = 2.0
READ_TIMEOUT = 1.0
# Each byte of the head 0.2 s after the last: about 20 s for the whole head.
TRICKLING_HEAD = Scenario(stream(["late"]).steps, head_trickle=0.2)

memvid = module_memvid(cloud_hits(), {"name": "Ada Example", "suggested_questions": [], "system_prompt": "x"})


@pytest.fixture(scope="module")
def probe(memvid, llm, tmp_path_factory) -> Iterator[Probe]:
    env = service_env(
        memvid.target,
        llm.base_url,
        LLM_ANSWER_TIMEOUT=str(ANSWER_TIMEOUT),
        LLM_READ_TIMEOUT=str(READ_TIMEOUT),
        LLM_MAX_RETRIES="0",
    )
    with gunicorn(env, tmp_path_factory.mktemp("answer-deadline")) as service:
        probe = Probe(service)
        yield probe
        probe.close()


@pytest.mark.parametrize("streamed", [True, False], ids=["stream", "whole"])
def test_a_head_that_trickles_in_ends_at_the_answer_deadline(probe, llm, streamed):
    mark, before = probe.log_mark(), probe.metrics()
    llm.enqueue(TRICKLING_HEAD)

    started = time.monotonic()
    response = probe.chat(session_id=new_session(), stream=streamed)
    waited = time.monotonic() - started

    if streamed:
        assert response.status_code == 200
        assert events(response.content)[-1]["code"] == "llm_timeout"
    else:
        assert response.status_code == 504
        assert response.json()["code"] == "llm_timeout"
    assert waited < ANSWER_TIMEOUT + READ_TIMEOUT + 1.0, f"answered after {waited:.1f} s"
    probe.wait_for_log(mark, "llm.answer_timeout")
    assert llm.wait_until_idle(timeout=3), "the upstream request was left open"
    assert probe.metrics().delta(before, "llm_requests_total", status="timeout") == 1
