"""memvid-sdk's search hits as the passages retrieval hands on: one per frame, without the
metadata memvid indexes with each frame's text, and with its line breaks when ingest kept them.

memvid's snippets fold all whitespace into single spaces, so a job's `Period:` line, its bullets
and a table's rows run together, and splitting them again is guesswork ("Leads the Catchment
Risk Group: three postdocs" read as a `Group:` label). Ingest stores each frame's text as it
wrote it (the `frame_texts` card); a hit's frame is given that text instead.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from app.retrieval.types import Passage


def engine_passages(
    hits: Iterable[Mapping[str, Any]], top_k: int, written: Mapping[str, str] | None = None, snippet_chars: int = 0
) -> list[Passage]:
    """The first `top_k` frames of the engine's hits, one passage each, without memvid's metadata;
    a frame in `written` (title to text) has that text, up to `snippet_chars`."""
    passages: list[Passage] = []
    seen: set[object] = set()
    for hit in hits:
        frame = hit.get("frame_id", hit.get("title"))
        if frame in seen:
            continue
        seen.add(frame)
        title = str(hit.get("title") or "")
        text = _without_metadata(str(hit.get("snippet") or hit.get("text") or ""), title)
        if written and title in written:
            text = _clipped(written[title], snippet_chars)
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


def written_texts(raw: str | None) -> dict[str, str]:
    """Return the `frame_texts` card's texts by frame title; {} when absent (a file ingested before it) or unreadable."""
    try:
        texts = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    if not isinstance(texts, dict):
        return {}
    return {str(title): text for title, text in texts.items() if isinstance(text, str)}


def _clipped(text: str, limit: int) -> str:
    if limit <= 0 or len(text) <= limit:
        return text
    return text[:limit].rsplit(maxsplit=1)[0]
