"""memvid-sdk's search hits as the passages retrieval hands on: one per frame, without the
metadata memvid indexes with each frame's text."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from app.retrieval.types import Passage


def engine_passages(hits: Iterable[Mapping[str, Any]], top_k: int) -> list[Passage]:
    """The first `top_k` frames of the engine's hits, one passage each, without memvid's metadata."""
    passages: list[Passage] = []
    seen: set[object] = set()
    for hit in hits:
        frame = hit.get("frame_id", hit.get("title"))
        if frame in seen:
            continue
        seen.add(frame)
        title = str(hit.get("title") or "")
        text = _without_metadata(str(hit.get("snippet") or hit.get("text") or ""), title)
        tags = tuple(str(tag) for tag in hit.get("tags") or ())
        passages.append(Passage(title=title, text=text, score=float(hit.get("score") or 0.0), tags=tags))
        if len(passages) == top_k:
            break
    return passages


def _without_metadata(snippet: str, title: str) -> str:
    # memvid appends "title: … tags: … labels: …" to a frame's indexed text; it is noise to the LLM.
    cut = snippet.rfind("title: ")
    if cut <= 0:
        return snippet
    tail = snippet[cut + len("title: ") :].removesuffix("...").rstrip()
    return snippet[:cut].rstrip() if tail.startswith(title) or title.startswith(tail) else snippet
