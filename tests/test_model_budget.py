"""The per-client budget of model tokens beside the request limit (app/api/model_budget.py)."""

from __future__ import annotations

import random
import string

import pytest
from flask import Flask
from flask_limiter import Limiter

from app.api.model_budget import TOKENS_PER_UNIT, ModelTokenBudget, units
from app.errors import ModelBudgetExhausted
from app.factory import create_app
from app.guardrails.windows import windows
from app.state.limit_storage import WindowMemoryStorage
from app.text.embedding import shared_embedder
from tests.fakes import FakeMemvid, ScriptedAnswerer

PROSE = "She led the platform team and ran Kubernetes clusters across three regions for six years. "


def dense(chars: int, seed: int = 0) -> str:
    """Symbols and mixed-case letters: about one model token a character, not a quarter as prose."""
    rng = random.Random(seed)
    return "".join(rng.choice(string.ascii_letters + string.digits + string.punctuation) for _ in range(chars))


def test_a_text_costs_one_unit_per_started_thousand_model_tokens():
    prose, symbols = (PROSE * 50)[:4000], dense(4000)
    assert units("How many years of Python?") == 1
    assert units("x" * TOKENS_PER_UNIT) == 1  # short enough not to be counted
    for text in (prose, symbols):  # the guard embeds a text's distinct windows: that is the work charged
        assert units(text) == -(-shared_embedder().tokens(*windows(text)) // TOKENS_PER_UNIT)
    assert units(prose) == 1
    assert units(symbols) >= 3
    assert units(PROSE * 200) == 1  # 18,000 characters of one sentence repeated: one window to embed
    # Counted as the model reads it (NFKC): 600 characters that become 10,800, ~2,400 tokens.
    assert units("\ufdfa" * 600) >= 2


@pytest.fixture
def budget() -> ModelTokenBudget:
    limiter = Limiter(
        lambda: "unused", app=Flask(__name__), storage_uri=WindowMemoryStorage.URI, strategy="moving-window"
    )
    return ModelTokenBudget(limiter, tokens_per_minute=3 * TOKENS_PER_UNIT)


def test_the_budget_is_spent_by_tokens_not_requests_and_per_client(budget):
    budget.charge(dense(2500), "10.0.0.1")  # about 2,200 tokens: 3 units, the whole budget
    with pytest.raises(ModelBudgetExhausted) as refused:
        budget.charge("Short?", "10.0.0.1")
    assert 0 < refused.value.retry_after <= 60
    assert refused.value.status == 429
    budget.charge("Short?", "10.0.0.2")  # another client has its own
    for _ in range(3):
        budget.charge("Short?", "10.0.0.3")
    with pytest.raises(ModelBudgetExhausted):
        budget.charge("Short?", "10.0.0.3")


def test_a_text_larger_than_the_whole_budget_still_passes_alone(budget):
    budget.charge(dense(6000), "10.0.0.1")  # ~5,000 tokens against a 3,000-token budget
    with pytest.raises(ModelBudgetExhausted):
        budget.charge(dense(6000), "10.0.0.1")


@pytest.fixture
def tight(app_config, fake_memvid, scripted_answerer):
    """Two requests a minute, averaging at most 1,000 model tokens: a budget of two units."""
    config = {**app_config, "rate_limit_per_minute": 2, "model_tokens_per_request": 1000}
    return create_app(config, memvid=fake_memvid, llm=scripted_answerer).test_client()


def test_chat_past_the_budget_is_a_429_with_its_own_code_while_the_request_limit_is_not_reached(tight):
    first = {"REMOTE_ADDR": "10.0.0.1"}
    dense_question = tight.post("/api/v1/chat", json={"message": dense(1400), "stream": False}, environ_base=first)
    refused = tight.post("/api/v1/chat", json={"message": "Short?", "stream": False}, environ_base=first)
    other = tight.post(
        "/api/v1/chat", json={"message": "Short?", "stream": False}, environ_base={"REMOTE_ADDR": "10.0.0.2"}
    )

    assert dense_question.status_code == 200  # ~1,250 tokens: both units
    assert refused.status_code == 429
    assert set(refused.get_json()) == {"detail", "code"}
    assert refused.get_json()["code"] == "model_budget_exhausted"
    assert 0 < int(refused.headers["Retry-After"]) <= 60
    assert other.status_code == 200


def test_assess_fit_and_the_mcp_tools_spend_the_same_budget(tight):
    job = {"job_description": dense(1400)}
    assert tight.post("/api/v1/assess-fit", json=job).status_code == 200
    refused = tight.post("/api/v1/assess-fit", json={"job_description": PROSE})
    assert refused.get_json()["code"] == "model_budget_exhausted"

    # Same client, the budget still spent: refused as the MCP rate limit refuses a call (429,
    # -32010 with the wait, the call's id), so a client backs off alike (was a tool failure).
    message = {"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {"name": "ask_question"}}
    message["params"]["arguments"] = {"question": "Short?"}
    response = tight.post("/mcp", json=message, headers={"MCP-Protocol-Version": "2025-11-25"})
    assert response.status_code == 429
    body = response.get_json()
    assert body["id"] == 7
    assert body["error"]["code"] == -32010
    assert body["error"]["message"] == ModelBudgetExhausted.detail
    assert body["error"]["data"]["retry_after"] == int(response.headers["Retry-After"]) >= 1


def test_with_redis_the_budget_is_shared_by_every_worker_and_redis_gone_is_not_an_outage(app_config, redis_server):
    config = {
        **app_config,
        "redis_url": redis_server.url,
        "redis_timeout_seconds": 0.3,
        "rate_limit_per_minute": 2,
        "model_tokens_per_request": 1000,
    }
    one, two = (create_app(config, memvid=FakeMemvid(), llm=ScriptedAnswerer()).test_client() for _ in range(2))
    assert one.post("/api/v1/assess-fit", json={"job_description": dense(1400)}).status_code == 200
    refused = two.post("/api/v1/assess-fit", json={"job_description": PROSE})
    assert refused.get_json()["code"] == "model_budget_exhausted"

    redis_server.stop()
    # Each worker keeps the limits in its own memory meanwhile, starting afresh.
    assert two.post("/api/v1/chat", json={"message": "Short?", "stream": False}).status_code == 200
