"""OpenRouter chat completions, streamed (any OpenAI-compatible server works too).

The client owns one pooled session (`completion_endpoint.py`). Every upstream response is a
context manager inside the generator: a consumer that closes the generator (or a killed greenlet)
closes the connection at once and OpenRouter stops generating and billing. Retries happen only
before the first token was yielded. Usage the upstream never reported is estimated.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Generator, Iterable
from typing import Any

import structlog

from app.errors import LLMError
from app.llm import transport
from app.llm.completion_endpoint import CompletionEndpoint
from app.llm.deadline import AnswerDeadline
from app.llm.types import AnswerRequest, Finished, LLMEvent, Token
from app.llm.upstream_stream import read_completion_stream
from app.llm.usage_estimate import with_usage
from app.telemetry.llm_span import LLMSpan

log = structlog.get_logger(__name__)

# Far more than one token holds (English averages 4 characters): a longer answer ignored max_tokens.
MAX_CHARS_PER_TOKEN = 64
# Comments reset the read timeout (they are bytes); only comments for this many (5 min) is a timeout.
COMMENTS_ONLY_FACTOR = 5


class OpenRouterClient:
    """Streams chat completions from OpenRouter; implements `app.llm.types.Answerer`."""

    name = "openrouter"

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str | None,
        model: str,
        fallback_models: Iterable[str] = (),
        max_tokens: int,
        temperature: float,
        connect_timeout: float,
        read_timeout: float,
        max_retries: int,
        answer_timeout: float = 300.0,
        referer: str,
        title: str,
        pool_size: int,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self._url = base_url.rstrip("/") + "/chat/completions"
        self._model = model
        self._fallbacks = tuple(dict.fromkeys(m for m in fallback_models if m and m != model))
        # OpenRouter tries the fallbacks itself (its `models` field); any other server is asked
        # for each in turn, before the first token, when the one before failed.
        self._server_falls_back = transport.is_openrouter(base_url)
        self._max_tokens = max_tokens
        self._temperature = temperature
        self._max_retries = max(0, max_retries)
        self._comments_only_limit = read_timeout * COMMENTS_ONLY_FACTOR
        self._read_timeout = read_timeout
        self._answer_timeout = answer_timeout  # the whole answer, retries and fallbacks included
        # Looked up at call time: gevent may patch `time.sleep` after this module was imported.
        self._sleep = sleep or (lambda seconds: time.sleep(seconds))
        self._endpoint = CompletionEndpoint(
            self._url,
            headers=transport.default_headers(referer, title),
            auth=transport.BearerAuth(api_key) if api_key else None,  # an empty key is never sent
            pool_size=pool_size,
            timeout=(connect_timeout, read_timeout),
        )

    def __repr__(self) -> str:
        return f"OpenRouterClient(url={self._url!r}, model={self._model!r})"

    def stream(self, request: AnswerRequest) -> Generator[LLMEvent, None, None]:
        """Yield the answer's tokens then one Finished; raise LLMError on failure."""
        span = LLMSpan(
            provider=self.name,
            model=self._model,
            url=self._url,
            max_tokens=self._max_tokens,
            temperature=self._temperature,
        )
        if not span.recording:  # tracing off, or this trace not sampled: nothing to note per token
            yield from self._attempts(request, span.headers())
            return
        try:
            for event in self._attempts(request, span.headers()):
                span.saw(event)
                yield event
        except LLMError as error:
            span.failed(error.code)
            raise
        finally:
            span.end()

    def _attempts(self, request: AnswerRequest, trace_headers: dict[str, str]) -> Generator[LLMEvent, None, None]:
        """Request the completion from each model in turn until one answers; yield its events."""
        models = [self._model] if self._server_falls_back else [self._model, *self._fallbacks]
        # A trickle just inside the read timeout (a token a minute) would otherwise never end.
        deadline = request.deadline or AnswerDeadline.after(self._answer_timeout)
        for index, model in enumerate(models):
            answered = False
            try:
                attempts = self._model_attempts(request, model, trace_headers, deadline)
                for event in with_usage(attempts, request, self._max_tokens):
                    answered = True
                    yield event
                return
            except LLMError as error:
                if answered or index + 1 == len(models) or error.code in transport.SAME_FOR_EVERY_MODEL:
                    raise
                log.warning("llm.fallback", failed_model=model, code=error.code, next_model=models[index + 1])

    def _model_attempts(
        self, request: AnswerRequest, model: str, trace_headers: dict[str, str], deadline: AnswerDeadline
    ) -> Generator[LLMEvent, None, None]:
        """Request the completion from `model`, retrying before the first token; yield its events."""
        body = json.dumps(self._payload(request, model), ensure_ascii=False).encode(errors="replace")
        for attempt in range(self._max_retries + 1):
            started = False
            finished: Finished | None = None
            relayed = 0  # characters of answer so far
            deadline.check()
            read_timeout, idle = deadline.capped(self._read_timeout), self._comments_only_limit
            try:
                with self._endpoint.open(body, trace_headers, read_timeout=read_timeout, deadline=deadline) as reply:
                    for event in read_completion_stream(reply, idle_seconds=idle, deadline=deadline):
                        if isinstance(event, Finished):
                            finished = event
                            break  # the connection closes before the consumer hears the end
                        room = self._max_tokens * MAX_CHARS_PER_TOKEN - relayed
                        relayed += len(event.text)
                        if relayed > self._max_tokens * MAX_CHARS_PER_TOKEN:
                            if room > 0:  # a first delta of 200 KB is cut, not dropped whole
                                started = True
                                yield Token(event.text[:room])
                            finished = self._cut_at_max_tokens()
                            break
                        started = True
                        yield event
            except transport.RetryableError as exc:
                self._before_retry(exc.error, attempt=attempt, started=started, deadline=deadline)
                continue
            if finished is None:  # the reader ends with Finished or raises; never end silently
                raise LLMError("llm_error")
            if not started:
                # Nothing to show (e.g. a reasoning model that spent max_tokens thinking, or
                # only tool calls): an empty answer is not an answer, nor kept as one.
                log.warning("llm.empty_answer", finish_reason=finished.finish_reason)
                raise LLMError("llm_bad_response")
            transport.record_usage(finished.usage)
            yield finished
            return

    def close(self) -> None:
        """Close the pooled connections."""
        self._endpoint.close()

    def _cut_at_max_tokens(self) -> Finished:
        # An upstream that sends far more text than `max_tokens` can hold ignores the limit,
        # and would otherwise be relayed (and kept in the session) without end. Counted in
        # characters, not deltas: a proxy may split the text into one delta per character.
        log.warning("llm.answer_cut_at_max_tokens", max_tokens=self._max_tokens)
        return Finished("length")

    def _before_retry(self, error: LLMError, *, attempt: int, started: bool, deadline: AnswerDeadline) -> None:
        """Wait before the next attempt, or raise `error` when there is none to make."""
        delay = None if started or attempt >= self._max_retries else transport.retry_delay(attempt, error.retry_after)
        if delay is None or delay >= deadline.remaining():  # no time left to wait: say why now
            log.warning("llm.failed", code=error.code, attempts=attempt + 1, after_first_token=started)
            raise transport.given_up(error, attempt) from None
        log.info("llm.retry", code=error.code, attempt=attempt + 1, delay=delay)
        self._sleep(delay)

    def _payload(self, request: AnswerRequest, model: str) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "model": model,
            "messages": list(request.messages),
            "max_tokens": self._max_tokens,
            "temperature": self._temperature,
            "stream": True,
            # Usage in the stream: OpenRouter's own form (now always on there), and the OpenAI
            # form, without which vLLM, llama.cpp or OpenAI itself report none (tokens_used 0).
            "usage": {"include": True},
            "stream_options": {"include_usage": True},
        }
        if request.response_format is not None:
            payload["response_format"] = request.response_format
        if self._fallbacks and self._server_falls_back:
            payload["models"] = [self._model, *self._fallbacks]  # OpenRouter tries them in order
        return payload
