"""Plain values and the backend interface shared by every memvid backend."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

PROFILE_ENTITY = "__profile__"
PROFILE_SLOT = "data"


@dataclass(frozen=True, slots=True)
class Passage:
    """One resume passage (a memvid frame) found for a query."""

    title: str
    text: str
    score: float
    tags: tuple[str, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class BackendHealth:
    """What a backend reports about itself; `connected=False` means it did not answer."""

    connected: bool
    frame_count: int = 0
    source: str = ""


class MemvidBackend(Protocol):
    """A memvid engine reached somehow: the Rust service over gRPC, or memvid-sdk in-process.

    `search` takes a query in the engine's lexical syntax (see `retrieval.query`); every
    method raises `app.errors.RetrievalUnavailable` when the engine cannot be reached,
    except `health`, which reports that instead.
    """

    name: str  # "grpc" | "embedded" | "none"

    def search(self, query: str, *, top_k: int, snippet_chars: int) -> list[Passage]: ...

    def get_state(self, entity: str, slot: str) -> str | None: ...

    def health(self, *, timeout: float) -> BackendHealth: ...

    def close(self) -> None: ...
