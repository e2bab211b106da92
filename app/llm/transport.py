"""How the LLM client talks HTTP: pooled session, headers, auth, and when to retry.

Kept apart from the client so `openrouter.py` reads as the request's life: open, retry
before the first token, stream, close.
"""

from __future__ import annotations

import math
from urllib.parse import quote

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

RETRY_STATUSES = frozenset({408, 429, 502, 503})
BACKOFF_BASE_SECONDS = 0.5
MAX_BACKOFF_SECONDS = 8.0
# A longer Retry-After is not slept through while a recruiter waits: we give up at once
# and pass the delay on (the client's error then carries it).
MAX_RETRY_AFTER_SECONDS = 10.0

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


def parse_retry_after(value: str | None) -> float | None:
    """A numeric Retry-After in seconds (an HTTP date is ignored)."""
    try:
        seconds = float(value) if value is not None else math.nan
    except ValueError:
        return None
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


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
    adapter = HTTPAdapter(pool_connections=1, pool_maxsize=pool_size, max_retries=Retry(total=0, read=False))
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
