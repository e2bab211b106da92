"""The `.mv2` file of the bundled example resume, built on first use and kept fresh.

Built in the worker that first needs it, once, under a file lock: several gunicorn workers
starting together build it once. Building embeds the frames, so it must never run in
gunicorn's master (a process that ran the embedding model and then forked hangs).
"""

from __future__ import annotations

import fcntl
from collections.abc import Callable
from pathlib import Path
from typing import Any

import structlog

from app import resume as resume_package
from app.resume.engine import card_value, memvid_sdk
from app.resume.ingest import ingest_resume
from app.retrieval import sentence_vectors
from app.retrieval.types import EMBEDDING_SLOT, INDEX_ENTITY
from app.text import sentences
from app.text.embedding import shared_embedder

log = structlog.get_logger(__name__)
# The code whose change changes what ingest writes: the parser and writer, and the sentence
# split whose vectors are stored.
_INGEST_CODE = (
    *Path(resume_package.__file__).parent.glob("*.py"),
    Path(sentence_vectors.__file__),
    Path(sentences.__file__),
)


def embedding_model(memory: Any) -> str | None:
    """Return the identity of the model that embedded an open file's frames; None without vectors."""
    if not memory.stats().get("has_vec_index"):
        return None
    return card_value(memory, INDEX_ENTITY, EMBEDDING_SLOT)


def ensure_example_index(markdown: Path, out: Path, *, build: Callable[[Path, Path], object] = ingest_resume) -> Path:
    """Build `out` from `markdown` when it is missing, older, or embedded by another model.

    One process builds, the others wait. Building embeds the frames: call this in a
    worker, never in gunicorn's master (a process that embedded and then forked hangs).
    """
    if _is_fresh(markdown, out):
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(f"{out}.lock", "a") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            # Another worker may have built it while this one waited for the lock.
            if not _is_fresh(markdown, out):
                build(markdown, out)
                log.info("memvid.index_built", source=str(markdown), path=str(out))
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)
    return out


def _is_fresh(markdown: Path, out: Path) -> bool:
    try:
        built = out.stat().st_mtime_ns
    except FileNotFoundError:
        return False
    # A change to the parser or ingest code changes the frames too: it counts as a new source.
    code = max(path.stat().st_mtime_ns for path in _INGEST_CODE)
    try:
        newer = built >= max(markdown.stat().st_mtime_ns, code)
    except FileNotFoundError:
        return True  # nothing to rebuild from: the existing file is the best there is
    return newer and not _embedded_by_another_model(out)


def _embedded_by_another_model(path: Path) -> bool:
    # A file memvid cannot open is left to the backend to report, as before vectors existed.
    try:
        memory = memvid_sdk.use("basic", str(path), read_only=True)
    except memvid_sdk.MemvidError:
        return False
    try:
        return embedding_model(memory) != shared_embedder().identity
    finally:
        memory.close()


def main() -> None:
    """Build the bundled example's `.mv2` if it is stale: `python -m app.retrieval.example_index`.

    gunicorn's master runs this in a child process before it opens its port (gunicorn.conf.py):
    the master itself must never load the embedding model, and a worker building it would
    answer its first requests seconds late.
    """
    from app.config import EXAMPLE_RESUME, load_settings
    from app.telemetry.logs import configure_logging

    settings = load_settings()  # its lines read like the service's (LOG_FORMAT, LOG_LEVEL)
    configure_logging(settings.log_level, settings.log_format)
    ensure_example_index(EXAMPLE_RESUME, EXAMPLE_RESUME.with_suffix(".mv2"))


if __name__ == "__main__":
    main()
