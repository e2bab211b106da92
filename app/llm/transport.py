"""How the LLM client talks HTTP: pooled session, headers, auth, when to retry, what a response
is (event stream, JSON, compressed) and which of our errors a transport failure becomes.

Kept apart from the client so `openrouter.py` reads as the request's life: open, retry
before the first token, stream, close.
"""

from __future__ import annotations

import math
from urllib.parse import quote, urlsplit

import requests
from urllib3.exceptions import ReadTimeoutError
from urllib3.util.retry import Retry

from app.errors import LLMError
from app.llm.informational import FinalResponseAdapter
from app.llm.types import Usage
from app.telemetry.metrics import LLM_COST, LLM_TOKENS

RETRY_STATUSES = frozenset({408, 429, 502, 503})
BACKOFF_BASE_SECONDS = 0.5
MAX_BACKOFF_SECONDS = 8.0
# A longer Retry-After is not slept through while a recruiter waits: we give up at once
# and pass the delay on (the client's error then carries it).
MAX_RETRY_AFTER_SECONDS = 10.0
# The most an upstream's Retry-After is passed on as (chat, fit and MCP all take it from here):
# an hour. Relayed unbounded, "Retry-After: 1000000000" told a client to wait 31 years; past an
# hour the upstream's figure is no plan a recruiter's page or an agent can act on, and asking
# again then costs one more refusal that says the wait afresh.
MAX_PASSED_RETRY_AFTER_SECONDS = 3600.0

# Header values must be one line of printable ASCII; anything else is percent-encoded.
_HEADER_SAFE = "".join(chr(c) for c in range(0x20, 0x7F))


class BearerAuth(requests.auth.AuthBase):
    """Adds the key; an explicit auth also stops requests from applying ~/.netrc instead."""

    def __init__(self, key: str) -> None:
        self._key = key

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self._key}"
        return request

    def __repr__(self) -> str:
        return f"{type(self).__name__}(<redacted>)"


def retry_delay(attempt: int, retry_after: float | None) -> float | None:
    """Seconds to wait before retry `attempt + 1`, or None when not worth waiting."""
    if retry_after is not None:
        return retry_after if retry_after <= MAX_RETRY_AFTER_SECONDS else None
    return min(BACKOFF_BASE_SECONDS * 2**attempt, MAX_BACKOFF_SECONDS)


def given_up(error: LLMError, attempt: int) -> LLMError:
    """Return `error`, no longer retried after `attempt`, saying when to ask again if it is
    transient and the upstream did not say: the wait before this client's own next attempt.

    Like the service's other 503s (the retrieval circuit's next probe, Redis's probe interval), a
    client is told when the dependency is worth trying again, not left to guess or hammer.
    """
    if error.retry_after is None and error.code in ("llm_unavailable", "llm_rate_limited"):
        error.retry_after = retry_delay(attempt, None)
    return error


def parse_retry_after(value: str | None) -> float | None:
    """A numeric Retry-After in seconds, at most MAX_PASSED_RETRY_AFTER_SECONDS (an HTTP date is ignored)."""
    try:
        seconds = float(value) if value is not None else math.nan
    except ValueError:
        return None
    if not math.isfinite(seconds) or seconds < 0:
        return None
    return min(seconds, MAX_PASSED_RETRY_AFTER_SECONDS)


def default_headers(referer: str, title: str) -> dict[str, str]:
    title = quote(title.strip(), safe=_HEADER_SAFE)
    return {
        "HTTP-Referer": quote(referer.strip(), safe=_HEADER_SAFE),
        "X-Title": title,
        "X-OpenRouter-Title": title,
        "Accept": "text/event-stream",
        "Content-Type": "application/json",
        # A compressed event stream is held back by the compressor; ask for it plain.
        "Accept-Encoding": "identity",
    }


def pooled_session(pool_size: int, url: str) -> requests.Session:
    # Each open stream holds one pooled connection; requests' default keeps only 10.
    # Retries are ours (status- and first-token-aware), never urllib3's.
    # 1xx responses (103 Early Hints) before the answer are skipped (app/llm/informational.py).
    adapter = FinalResponseAdapter(pool_connections=1, pool_maxsize=pool_size, max_retries=Retry(total=0, read=False))
    session = requests.Session()
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    # Proxy and CA-bundle variables are read once for our one URL, not on every request
    # (requests re-reads the environment per request, a cost on every answer); trust_env
    # off also keeps ~/.netrc out when no key is set.
    environment = session.merge_environment_settings(url, {}, None, None, None)
    session.proxies.update(environment["proxies"])
    session.verify = environment["verify"]
    session.cert = environment["cert"]
    session.trust_env = False
    return session


class RetryableError(Exception):
    """A failure worth retrying while no token has been yielded; `error` is what callers see."""

    def __init__(self, error: LLMError) -> None:
        super().__init__(error.code)
        self.error = error


def is_event_stream(response: requests.Response) -> bool:
    """Tell whether the response declares an event stream (a missing Content-Type is given the benefit)."""
    content_type = response.headers.get("Content-Type")
    if content_type is None:
        return True
    return _media_type(content_type) == "text/event-stream"


def is_json(response: requests.Response) -> bool:
    """Tell whether the response is one JSON document (a whole completion, or an error object)."""
    return _media_type(response.headers.get("Content-Type", "")) == "application/json"


def is_compressed(response: requests.Response) -> bool:
    """Tell whether the body is compressed although we asked for `Accept-Encoding: identity`.

    Decompressed as it arrives, one small chunk can expand to hundreds of megabytes before the
    event-size limit sees a byte of it (measured: a 256 MiB line held a worker's loop 30 s).
    """
    return response.headers.get("Content-Encoding", "identity").strip().lower() not in ("", "identity")


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def transport_error(exc: requests.RequestException) -> tuple[LLMError | RetryableError, str]:
    """Map a requests failure to our error (retryable or not) and an `llm_requests_total` status label."""
    if isinstance(exc, requests.ConnectTimeout):
        return RetryableError(LLMError("llm_unavailable")), "connection_error"
    if _is_read_timeout(exc):
        # Not retried: we already waited the longest silence the operator allows.
        return LLMError("llm_timeout"), "timeout"
    if isinstance(exc, requests.ConnectionError | requests.exceptions.ChunkedEncodingError):
        return RetryableError(LLMError("llm_unavailable")), "connection_error"
    if isinstance(exc, requests.exceptions.ContentDecodingError):
        return LLMError("llm_bad_response"), "connection_error"
    return LLMError("llm_error"), "connection_error"


def _is_read_timeout(exc: BaseException) -> bool:
    # Mid-stream, requests wraps urllib3's ReadTimeoutError in a plain ConnectionError.
    seen: set[int] = set()
    pending: list[BaseException] = [exc]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, requests.ReadTimeout | ReadTimeoutError):
            return True
        pending.extend(arg for arg in current.args if isinstance(arg, BaseException))
        pending.extend(e for e in (current.__cause__, current.__context__) if e is not None)
    return False


# Failures another model would meet too: the key, the account's credit, a silence already waited out.
SAME_FOR_EVERY_MODEL = frozenset({"llm_auth", "llm_payment_required", "llm_timeout"})


def is_openrouter(base_url: str) -> bool:
    """Whether `base_url` is OpenRouter's, which reads fields no other server knows (`models`)."""
    host = urlsplit(base_url).hostname or ""
    return host == "openrouter.ai" or host.endswith(".openrouter.ai")


def record_usage(usage: Usage | None) -> None:
    """Count a finished answer's tokens and cost in the metrics."""
    if usage is None:
        return
    LLM_TOKENS.labels(kind="prompt").inc(usage.prompt_tokens)
    LLM_TOKENS.labels(kind="completion").inc(usage.completion_tokens)
    if usage.cost:
        LLM_COST.inc(usage.cost)
