"""Build a `.mv2` file from a resume: its frames with their vectors, plus memory cards.

Each frame is stored with its embedding (semantic search) beside the lexical index, its
sentences' embeddings go in an `__index__` card (`app.retrieval.sentence_vectors`), and
the embedding model's identity is recorded in the `__index__` card too: a vector from another
model cannot be compared, so a file built by another model is rebuilt, not searched.
The `__profile__` card holds the candidate profile.

The file is written under a temporary name in the destination folder and renamed over
the destination only once it has been written, closed and read back, so a failed run
never leaves a half-written `.mv2` (and never damages the one already there).
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from pathlib import Path
from typing import Any

from app.resume.engine import card_value, memvid_sdk
from app.resume.model import Frame, ResumeDocument, ResumeFormatError
from app.resume.parser import parse_resume
from app.retrieval import sentence_vectors
from app.retrieval.types import (
    CONTENT_SLOT,
    EMBEDDING_SLOT,
    FRAME_TEXTS_SLOT,
    INDEX_ENTITY,
    PROFILE_ENTITY,
    PROFILE_SLOT,
    SENTENCES_SLOT,
)
from app.text.embedding import Embedder, shared_embedder

# memvid must not embed by itself: its built-in models are not in the wheel, and with
# OPENAI_API_KEY set it would call OpenAI. The vectors are ours, passed as `embeddings=`.
_PUT_OPTIONS = {"enable_embedding": False, "auto_tag": False, "extract_dates": False}


# Twenty times the bundled example. Every sentence is embedded, about 0.8 s per KB on a 2-core
# machine: a 250 KB file took 200 s and 570 MB, and 5 MB ran for minutes before it was killed.
MAX_RESUME_BYTES = 200_000
_MV2_MAGIC = b"MV2\x00"  # how every memvid file starts


class IngestError(RuntimeError):
    """The memvid engine failed to write or read back the `.mv2` file."""


def ingest_resume(markdown_path: Path, out_path: Path, *, embedder: Embedder | None = None) -> ResumeDocument:
    """Parse the resume at `markdown_path` and write it to `out_path` as a `.mv2` file."""
    document = parse_resume(_read_text(markdown_path))
    write_index(document, out_path, embedder=embedder)
    return document


def write_index(document: ResumeDocument, out_path: Path, *, embedder: Embedder | None = None) -> None:
    """Write `document` to `out_path` atomically: all of it, or nothing."""
    embedder = embedder or shared_embedder()
    # Through a symlink to the file it names: replacing the link left a service whose MEMVID_FILE
    # is the target (a release or volume layout) on the old resume.
    out_path = Path(os.path.realpath(out_path))
    _refuse_to_replace_other_files(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    temp = out_path.with_name(f".{out_path.stem}.{os.getpid()}-{secrets.token_hex(4)}.mv2")
    try:
        _write(document, temp, embedder)
        _check(document, temp, embedder.question("resume").tolist())
        os.replace(temp, out_path)
    except memvid_sdk.MemvidError as error:
        raise IngestError(f"memvid could not build {out_path}: {error}") from error
    finally:
        # memvid keeps a `<stem>.manifest.wal` beside a file while writing it.
        for leftover in temp.parent.iterdir():
            if leftover.name.startswith(f"{temp.stem}."):
                leftover.unlink(missing_ok=True)


def _refuse_to_replace_other_files(out_path: Path) -> None:
    # `--out resume.md` replaced the resume itself with the index, and `--out notes.txt` a note:
    # only a memvid file (or an empty one) is replaced.
    try:
        with out_path.open("rb") as existing:
            start = existing.read(len(_MV2_MAGIC))
    except (FileNotFoundError, IsADirectoryError):
        return
    if start and start != _MV2_MAGIC:
        raise IngestError(f"{out_path} exists and is not a memvid file: remove it or choose another --out")


def _read_text(path: Path) -> str:
    data = path.read_bytes()
    if len(data) > MAX_RESUME_BYTES:
        line = data.count(b"\n", 0, MAX_RESUME_BYTES) + 1
        raise ResumeFormatError(
            line, f"the file is {len(data):,} bytes, past the {MAX_RESUME_BYTES:,} a resume may have"
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise ResumeFormatError(line, "the file is not UTF-8 text") from None


def _write(document: ResumeDocument, path: Path, embedder: Embedder) -> None:
    requests = [_put_request(frame) for frame in document.frames]
    vectors = embedder.passages([request["text"] for request in requests])
    memory = memvid_sdk.create(str(path), enable_vec=True, enable_lex=True)
    try:
        # One frame a call, each with its own URI. memvid-sdk 2.0 kept the vectors of only the
        # last frames of one large `put_many` (32 frames: 10 found by meaning), and one frame a
        # call without a URI lost a frame to another's default one (21 written, 20 stored);
        # neither raised. `_check` reads both back.
        for request, vector in zip(requests, vectors.tolist(), strict=True):
            memory.put_many([{**request, "uri": _frame_uri(request)}], opts=_PUT_OPTIONS, embeddings=[vector])
        profile = {"entity": PROFILE_ENTITY, "slot": PROFILE_SLOT, "value": document.profile_json(), "kind": "Profile"}
        model = {"entity": INDEX_ENTITY, "slot": EMBEDDING_SLOT, "value": embedder.identity, "kind": "Index"}
        sentences = {
            "entity": INDEX_ENTITY,
            "slot": SENTENCES_SLOT,
            "value": sentence_vectors.encode(document.frames, embedder),
            "kind": "Index",
        }
        written = {request["title"]: request["text"] for request in requests}
        texts = {"entity": INDEX_ENTITY, "slot": FRAME_TEXTS_SLOT, "value": json.dumps(written), "kind": "Index"}
        content = {
            "entity": INDEX_ENTITY,
            "slot": CONTENT_SLOT,
            "value": content_digest(document, embedder),
            "kind": "Index",
        }
        memory.add_memory_cards([profile, model, sentences, texts, content])
        memory.seal()
    finally:
        memory.close()


def content_digest(document: ResumeDocument, embedder: Embedder) -> str:
    """Return a digest of what ingest writes for `document`: a new resume, or model, is a new digest."""
    frames = [[frame.title, frame.text, frame.label, list(frame.tags)] for frame in document.frames]
    written = json.dumps([document.profile_json(), frames, embedder.identity], ensure_ascii=False)
    return hashlib.sha256(written.encode()).hexdigest()[:16]


def _frame_uri(request: dict[str, Any]) -> str:
    # memvid indexes a URI's words with the text: a digest adds none a question could match
    # ("mv2://resume/3" made "resume" a word of every frame).
    return "mv2://" + hashlib.sha256(request["text"].encode()).hexdigest()[:20]


def _put_request(frame: Frame) -> dict[str, Any]:
    # memvid does not search titles, so the heading leads the text: an FAQ question, a
    # company's name. It also tells the LLM which entry a passage comes from.
    text = f"{frame.title}\n\n{frame.text}"
    return {"title": frame.title, "label": frame.label, "labels": [frame.label], "text": text, "tags": list(frame.tags)}


def _check(document: ResumeDocument, path: Path, probe: list[float]) -> None:
    # Read the file back before it replaces anything: a file that cannot answer is not published.
    memory = memvid_sdk.use("basic", str(path), read_only=True)
    count = len(document.frames)
    try:
        frames = memory.stats().get("frame_count")
        stored = card_value(memory, PROFILE_ENTITY, PROFILE_SLOT)
        # Every frame must be reachable by meaning, not only stored (see `_write`). Over-fetched:
        # memvid may return a frame once per slice.
        hits = memory.find("resume", k=count * 3, snippet_chars=1, mode="sem", query_embedding=probe)["hits"]
    finally:
        memory.close()
    if frames != count or stored != document.profile_json():
        raise IngestError(f"{path} did not read back as written ({frames} of {count} frames)")
    if (reached := len({hit["frame_id"] for hit in hits})) != count:
        raise IngestError(f"{path}: memvid can find {reached} of {count} frames by meaning")
