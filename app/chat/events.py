"""The JSON of a chat stream's own events (SPEC §3): `retrieval` first, `done` last."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app.llm.types import AnswerMode, Finished
from app.retrieval.types import Passage


def sources(passages: Sequence[Passage]) -> list[dict[str, Any]]:
    """Name the passages given to the LLM, best first, so a page can show where an answer came from."""
    return [{"title": passage.title, "score": round(passage.score, 4)} for passage in passages]


def retrieval_event(session_id: str, passages: Sequence[Passage]) -> dict[str, Any]:
    """The first event: what retrieval found, and the session the answer belongs to."""
    return {"type": "retrieval", "chunks": len(passages), "session_id": session_id, "sources": sources(passages)}


def done_event(
    *,
    session_id: str,
    chunks: int,
    finished: Finished,
    elapsed: float,
    trace_id: str,
    mode: AnswerMode | None,
    message_index: int | None = None,
) -> dict[str, Any]:
    """The terminal event of an answer that completed; `message_index` is what feedback names it by."""
    done: dict[str, Any] = {
        "type": "done",
        "session_id": session_id,
        "chunks_retrieved": chunks,
        "tokens_used": finished.usage.total_tokens if finished.usage else 0,
        "elapsed_seconds": round(elapsed, 3),
        "trace_id": trace_id,
        "finish_reason": finished.finish_reason,
    }
    if finished.usage is not None and not finished.usage.reported:
        done["tokens_estimated"] = True  # the upstream reported no usage (app/llm/usage_estimate.py)
    if mode:
        done["mode"] = mode
    if message_index is not None:  # None: the answer could not be kept (Redis away)
        done["message_index"] = message_index
    return done
