"""Reading one answer whole, for the callers that do not stream it (chat's `stream: false`, fit).

The streaming path (`app.chat.relay`) follows the same rules as it relays: an answerer fails
with `LLMError`; anything else it raises is a bug of ours, logged and told to the client as
`llm_error`; a stream that ends without saying it finished is `llm_bad_response`.
"""

from __future__ import annotations

import structlog

from app.errors import LLMError
from app.llm.types import Answerer, AnswerRequest, Finished, Token

log = structlog.get_logger(__name__)


def collect(answerer: Answerer, request: AnswerRequest) -> tuple[list[str], Finished]:
    """Run `request` to the end: return its token texts in order and how it finished; raise LLMError."""
    texts: list[str] = []
    stream = answerer.stream(request)
    try:
        for event in stream:
            if isinstance(event, Token):
                texts.append(event.text)
            elif isinstance(event, Finished):
                return texts, event
    except LLMError:
        raise
    except Exception:
        log.exception("llm.unexpected_error")
        raise LLMError("llm_error") from None
    finally:
        stream.close()
    raise LLMError("llm_bad_response")  # the answerer ended without saying it finished
