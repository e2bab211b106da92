"""Schemathesis against the live service (gunicorn, one gevent worker) from its own
/openapi.json: valid and invalid requests generated for every operation. Behind it are the
fakes (memvid over gRPC, an OpenAI-compatible LLM), which always answer, so any 5xx is the
service's own fault: none is allowed. Every error must be the JSON error shape with a sane
X-Trace-ID, and schemathesis's own checks hold (documented status codes, content types and
schemas; invalid requests refused) except `positive_data_acceptance`: a schema-valid rating
of a question rather than an answer (`message_index` 0) is refused by a rule of state that no
schema can state."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from tests.fake_llm import FakeLLMServer, stream
from tests.fake_memvid import FakeMemvidServer, hit
from tests.servers import Service, gunicorn, service_env

EXAMPLES_PER_OPERATION_AND_MODE = 100
ASSESSMENT_JSON = json.dumps(
    {"verdict": "Good fit.", "key_matches": ["Kubernetes"], "gaps": ["COBOL"], "recommendation": "Talk to her."}
)

SANE_TRACE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
# What the service may answer the MCP endpoint with a JSON-RPC error object (it is not a REST error).
JSON_RPC_PATH = "/mcp"


@pytest.fixture(scope="module")
def service(tmp_path_factory) -> Iterator[Service]:
    memvid = FakeMemvidServer()
    memvid.fake.hits = [hit("Experience — Cloudco", 3.5, "Ran Kubernetes on AWS."), hit("Skills", 2.0, "Go")]
    memvid.fake.profile_json = json.dumps({"name": "Ada Example", "suggested_questions": ["Cloud?"]})
    memvid.start()
    with FakeLLMServer() as llm:
        # One answer that reads both as a chat answer and as the job-fit assessment's JSON.
        llm.default = stream([ASSESSMENT_JSON[i : i + 8] for i in range(0, len(ASSESSMENT_JSON), 8)])
        env = service_env(memvid.target, llm.base_url, RATE_LIMIT_PER_MINUTE="1000000")
        with gunicorn(env, tmp_path_factory.mktemp("schemathesis")) as running:
            yield running
    memvid.stop()


def check_answer(case: schemathesis.Case, response: schemathesis.Response) -> None:
    """The contract every answer honours, whatever was sent."""
    label = (
        f"{case.method} {case.formatted_path} {case.body!r:.200} -> {response.status_code} {response.content[:300]!r}"
    )
    if response.status_code >= 500:
        # The fakes always answer: an LLM code here would mean the service misread them.
        pytest.fail(f"server error: {label}")
    assert SANE_TRACE_ID.fullmatch(response.headers["x-trace-id"][0]), label
    assert response.headers["x-content-type-options"] == ["nosniff"], label
    if response.status_code >= 400 and case.path != JSON_RPC_PATH:
        body = json.loads(response.content)
        assert isinstance(body.get("detail"), str), label
        assert isinstance(body.get("code"), str), label
        assert set(body) <= {"detail", "code", "errors"}, label


def fuzz(service: Service, operation: schemathesis.APIOperation, mode: GenerationMode, sent: Counter[str]) -> None:
    """Send up to EXAMPLES_PER_OPERATION_AND_MODE generated requests to one operation and check each answer."""

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES_PER_OPERATION_AND_MODE,
        deadline=None,
        database=None,
        derandomize=True,  # the same requests on every run
        suppress_health_check=list(HealthCheck),
    )
    def one(case: schemathesis.Case) -> None:
        response = case.call(base_url=service.url, timeout=20)
        sent[f"{operation.label} {mode.value}"] += 1
        check_answer(case, response)
        # 413 is how an over-long body is refused (a field past its maximum, of escaped
        # characters beyond the BMP, can be over the 256 KiB limit): schemathesis does not count it.
        excluded = [positive_data_acceptance] + ([negative_data_rejection] if response.status_code == 413 else [])
        case.validate_response(response, excluded_checks=excluded)

    try:
        one()
    except Unsatisfiable:
        # Nothing to get wrong: an operation without parameters or body has no invalid request.
        assert mode is GenerationMode.NEGATIVE


@pytest.mark.timeout(300)  # ~25 s alone, over 50 s on a busy machine: hundreds of real requests
def test_generated_requests_never_get_a_5xx_and_errors_keep_their_shape(service):
    schema = schemathesis.openapi.from_url(f"{service.url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    sent: Counter[str] = Counter()

    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            fuzz(service, operation, mode, sent)

    total = sum(sent.values())
    print(f"schemathesis: {total} requests over {len(operations)} operations: {dict(sent)}")
    assert len(operations) >= 8
    assert total >= 300
