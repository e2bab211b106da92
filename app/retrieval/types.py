"""Plain values and the backend interface shared by every memvid backend."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

PROFILE_ENTITY = "__profile__"
PROFILE_SLOT = "data"
# The memory card naming the model that embedded the frames (see app.resume.ingest).
INDEX_ENTITY = "__index__"
EMBEDDING_SLOT = "embedding_model"
# The card holding every frame's sentence vectors (see app.retrieval.sentence_vectors).
SENTENCES_SLOT = "sentence_vectors"
# The card holding every frame's text as written, line breaks kept (see app.retrieval.engine_hits).
FRAME_TEXTS_SLOT = "frame_texts"
# The card holding a digest of what ingest wrote: which resume a remote memvid serves.
CONTENT_SLOT = "content_digest"
# Search modes, as /health reports them.
LEXICAL = "lexical"
SEMANTIC = "semantic"


@dataclass(frozen=True, slots=True)
class Passage:
    """One resume passage (a memvid frame) found for a query."""

    title: str
    text: str
    score: float
    tags: tuple[str, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class Retrieval:
    """What retrieval found for one question.

    `passages` go to the answerer, best first; each `score` is in [0, 1], 1 meaning ranked
    first by every active mode. `searched_words` are the words the passages were searched
    under (the question's content words and their expansions): the offline answerer counts
    them as matches. `modes` are the search modes that ran ("lexical", "semantic").
    """

    passages: tuple[Passage, ...]
    searched_words: tuple[str, ...] = ()
    modes: tuple[str, ...] = ()

    @property
    def searched(self) -> bool:
        """Whether the resume was searched at all: no mode ran when retrieval was unavailable."""
        return bool(self.modes)


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


@runtime_checkable
class SemanticBackend(Protocol):
    """A backend that can also rank frames by meaning; `modes` says whether it can right now."""

    @property
    def modes(self) -> tuple[str, ...]: ...

    def semantic_search(self, question: str, *, top_k: int, snippet_chars: int) -> list[Passage]: ...


@runtime_checkable
class VersionedBackend(Protocol):
    """A backend that can tell which index it serves: a file replaced under it is a new version.

    Retrieval keys its caches by it, so a new resume is answered at once, never mixed with the
    old one's cached profile (its system prompt) or passages. In-process it is the file's
    digest; over gRPC the digest card ingest writes, read in the background (`remote_version`).
    A backend without it is trusted to stay the same for the caches' TTLs.
    """

    @property
    def index_version(self) -> str: ...
