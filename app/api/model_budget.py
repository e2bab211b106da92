"""A per-client-IP budget of the local model's work, beside the per-request rate limit.

Every chat question and job description is embedded by the input guard (and a question again by
retrieval) before any LLM call, and that costs CPU by the model token: 0.8-2.9 ms each on the
2-core machines measured, so a 20,000-character job description of prose (~7,000 tokens) takes
6-20 s. The request limit alone let one address spend ten of those a minute on one worker. So
each request of chat, assess-fit and the MCP tools is also charged the model tokens of what the
guard embeds (its text's distinct windows), in units of TOKENS_PER_UNIT (a text of at most that
many characters is one unit, without counting), against RATE_LIMIT_PER_MINUTE x
MODEL_TOKENS_PER_REQUEST a minute per client IP (20,000 by default: ten questions and a long
job description fit; ten long job descriptions do not), in the rate limiter's own storage
(memory, or the Redis every worker shares). Past it: 429 `model_budget_exhausted` with
Retry-After. A text larger than the whole budget costs the whole budget, so it can pass once a
minute. While Redis does not answer, the budget is kept in each worker's memory, as the request
limit is.
"""

from __future__ import annotations

import math
import time

import structlog
from flask import Flask, current_app
from flask_limiter import Limiter
from limits import RateLimitItemPerMinute

from app.api.rate_limit import client_address
from app.errors import ModelBudgetExhausted
from app.guardrails.windows import windows
from app.text.embedding import as_model_reads, shared_embedder

log = structlog.get_logger(__name__)

TOKENS_PER_UNIT = 1_000
_EXTENSION = "model_token_budget"


class ModelTokenBudget:
    """Charge each text's model tokens to its client's moving one-minute window."""

    def __init__(self, limiter: Limiter, tokens_per_minute: int) -> None:
        self._limiter = limiter
        self._item = RateLimitItemPerMinute(max(1, tokens_per_minute // TOKENS_PER_UNIT))

    def charge(self, text: str, client: str) -> None:
        """Spend `text`'s units from `client`'s budget, or raise ModelBudgetExhausted."""
        cost = min(units(text), self._item.amount)
        window = self._limiter.limiter  # Redis's, or the in-memory fallback while Redis is away
        try:
            if window.hit(self._item, _EXTENSION, client, cost=cost):
                return
            reset_at = window.get_window_stats(self._item, _EXTENSION, client).reset_time
        except self._limiter.storage.base_exceptions as error:
            # Redis failed during this call; the limiter switches to memory on its next check.
            log.warning("model_budget.storage_unavailable", error=type(error).__name__)
            return
        log.info("model_budget.exhausted", units=cost, limit=self._item.amount)
        raise ModelBudgetExhausted(retry_after=max(1.0, reset_at - time.time()))


def units(text: str) -> int:
    """How many budget units checking `text` costs: one per started TOKENS_PER_UNIT model tokens
    of the windows the guard embeds (so the guard's own count of them is then a cache hit)."""
    if len(as_model_reads(text)) <= TOKENS_PER_UNIT:
        return 1  # the model reads at most about one token a character of its NFKC form: no need to count
    return max(1, math.ceil(shared_embedder().tokens(*windows(text)) / TOKENS_PER_UNIT))


def init_app(app: Flask, limiter: Limiter, tokens_per_minute: int) -> None:
    """Give `app` a budget kept in `limiter`'s storage."""
    app.extensions[_EXTENSION] = ModelTokenBudget(limiter, tokens_per_minute)


def charge_model_tokens(text: str) -> None:
    """Charge `text` to the current request's client (chat, assess-fit and the MCP tools call this)."""
    budget: ModelTokenBudget | None = current_app.extensions.get(_EXTENSION)
    if budget is not None:
        budget.charge(text, client_address())
