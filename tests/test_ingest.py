"""Building a .mv2 from a resume: round trip, all-or-nothing writes, and one build under a lock."""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from app.config import EXAMPLE_RESUME
from app.resume import Frame, ResumeDocument, ResumeFormatError
from app.resume.engine import memvid_sdk
from app.resume.ingest import ingest_resume, write_index
from app.resume.profile import Profile
from app.retrieval import sentence_vectors
from app.retrieval.embedded import EmbeddedMemvidBackend
from app.retrieval.example_index import ensure_example_index
from app.retrieval.types import INDEX_ENTITY, PROFILE_ENTITY, PROFILE_SLOT, SENTENCES_SLOT
from app.text.embedding import Embedder, shared_embedder

MALFORMED = "---\nname: Ada\n---\n## Experience\n### No dash here\n"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[ResumeDocument, Path]:
    """The example resume ingested once for the read-only tests of this module."""
    out = tmp_path_factory.mktemp("built") / "resume.mv2"
    return ingest_resume(EXAMPLE_RESUME, out), out


def test_round_trip_frames_profile_and_health(built):
    document, out = built

    backend = EmbeddedMemvidBackend(out)
    try:
        health = backend.health(timeout=1.0)
        stored = backend.get_state(PROFILE_ENTITY, PROFILE_SLOT)
        hits = backend.search("sponsorship", top_k=3, snippet_chars=400)
    finally:
        backend.close()

    assert health.connected
    assert health.frame_count == len(document.frames)
    assert stored is not None
    assert Profile.model_validate_json(stored) == document.profile
    assert json.loads(stored)["system_prompt"].startswith("You answer recruiters' questions")
    assert [hit.title for hit in hits] == ["Does she need visa sponsorship?"]
    assert os.listdir(out.parent) == ["resume.mv2"]  # no temporary or side files left


def test_profile_is_a_memory_card_any_memvid_reader_finds(built):
    # The Rust memvid service's GetState(entity, slot) reads the same memories track.
    document, out = built

    memory = memvid_sdk.use("basic", str(out), read_only=True)
    try:
        state = memory.state(PROFILE_ENTITY, slot=PROFILE_SLOT)
        cards = memory.memories(entity=PROFILE_ENTITY)["cards"]
    finally:
        memory.close()

    assert state["found"] is True
    assert state["slots"][PROFILE_SLOT]["value"] == document.profile_json()
    assert [(card["entity"], card["slot"]) for card in cards] == [(PROFILE_ENTITY, PROFILE_SLOT)]


def test_every_frames_sentences_are_stored_embedded_by_the_current_model(built):
    document, out = built

    memory = memvid_sdk.use("basic", str(out), read_only=True)
    try:
        raw = memory.state(INDEX_ENTITY, slot=SENTENCES_SLOT)["slots"][SENTENCES_SLOT]["value"]
    finally:
        memory.close()
    stored = sentence_vectors.decode(raw, shared_embedder().identity)

    for frame in document.frames:
        texts = sentence_vectors.sentence_texts(frame)
        assert stored[frame.title].shape == (len(texts), 384)
        # float16 in the card: the same vectors to three decimals.
        assert abs(stored[frame.title] - shared_embedder().passages(texts)).max() < 2e-3


def test_malformed_resume_writes_nothing(tmp_path):
    source = tmp_path / "resume.md"
    source.write_text(MALFORMED, encoding="utf-8")

    with pytest.raises(ResumeFormatError, match="line 5: "):
        ingest_resume(source, tmp_path / "out" / "resume.mv2")

    assert sorted(os.listdir(tmp_path)) == ["resume.md"]


def test_failed_rebuild_keeps_the_existing_file(tmp_path):
    out = tmp_path / "resume.mv2"
    ingest_resume(EXAMPLE_RESUME, out)
    before = digest(out)
    source = tmp_path / "broken.md"
    source.write_text(MALFORMED, encoding="utf-8")

    with pytest.raises(ResumeFormatError):
        ingest_resume(source, out)

    assert digest(out) == before
    assert sorted(os.listdir(tmp_path)) == ["broken.md", "resume.mv2"]


def test_failure_while_writing_leaves_no_output_and_no_temp_file(tmp_path):
    # A lone surrogate passes the parser's types but the engine cannot encode it, so the
    # failure happens after memvid has created the temporary file.
    document = ResumeDocument(frames=(Frame("Broken", "text \ud800 here", "section"),), profile=Profile())

    with pytest.raises(UnicodeEncodeError):
        write_index(document, tmp_path / "resume.mv2")

    assert os.listdir(tmp_path) == []


def test_failure_at_the_rename_leaves_no_temp_file(tmp_path):
    out = tmp_path / "resume.mv2"
    out.mkdir()  # os.replace cannot put a file over a directory

    with pytest.raises(OSError, match="directory"):
        ingest_resume(EXAMPLE_RESUME, out)

    assert os.listdir(tmp_path) == ["resume.mv2"]
    assert out.is_dir()


def test_a_file_past_the_size_limit_is_refused_before_anything_is_embedded(tmp_path):
    source = tmp_path / "huge.md"
    source.write_text("---\nname: Ada\n---\n## Summary\n" + "Writes compilers all day.\n" * 8_000, encoding="utf-8")
    out = tmp_path / "huge.mv2"

    with pytest.raises(ResumeFormatError, match=r"the file is 208,\d{3} bytes, past the 200,000 a resume may have"):
        ingest_resume(source, out)  # refused at once: embedding it would take minutes

    assert not out.exists()


def test_invalid_utf8_names_the_line(tmp_path):
    source = tmp_path / "resume.md"
    source.write_bytes(b"---\nname: Ada\ntitle: caf\xe9\n---\n## A\ntext\n")

    with pytest.raises(ResumeFormatError, match="line 3: the file is not UTF-8 text"):
        ingest_resume(source, tmp_path / "resume.mv2")


def test_ensure_example_index_builds_once_and_then_only_when_the_markdown_changes(tmp_path):
    markdown = tmp_path / "resume.md"
    markdown.write_text(EXAMPLE_RESUME.read_text(encoding="utf-8"), encoding="utf-8")
    out = tmp_path / "index" / "resume.mv2"
    builds: list[Path] = []

    def build(source: Path, target: Path) -> None:
        builds.append(source)
        target.write_bytes(b"built")

    assert ensure_example_index(markdown, out, build=build) == out
    ensure_example_index(markdown, out, build=build)
    assert len(builds) == 1

    later = out.stat().st_mtime_ns + 1_000_000_000
    os.utime(markdown, ns=(later, later))
    ensure_example_index(markdown, out, build=build)
    assert len(builds) == 2


def test_ensure_example_index_rebuilds_a_file_older_than_the_ingest_code(tmp_path):
    markdown = tmp_path / "resume.md"
    markdown.write_text("unused", encoding="utf-8")
    out = tmp_path / "resume.mv2"
    out.write_bytes(b"built by an older parser")
    for path in (markdown, out):
        os.utime(path, ns=(0, 0))  # both older than any source file of app/resume
    builds: list[Path] = []

    ensure_example_index(markdown, out, build=lambda source, target: builds.append(source))

    assert builds == [markdown]


def test_concurrent_ensure_example_index_builds_once(tmp_path):
    out = tmp_path / "resume.mv2"
    builds: list[str] = []
    errors: list[BaseException] = []

    def slow_build(source: Path, target: Path) -> None:
        builds.append(threading.current_thread().name)
        time.sleep(0.3)  # hold the lock long enough for the others to queue behind it
        target.write_bytes(b"built")

    def call() -> None:
        try:
            ensure_example_index(EXAMPLE_RESUME, out, build=slow_build)
        except BaseException as error:  # surfaced by the assertion below
            errors.append(error)

    # Each thread opens its own descriptor of the lock file: flock excludes them like processes.
    threads = [threading.Thread(target=call, name=f"worker-{n}") for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert len(builds) == 1
    assert out.exists()
    assert (tmp_path / "resume.mv2.lock").exists()


def test_ensure_example_index_rebuilds_a_file_embedded_by_another_model(tmp_path):
    markdown = tmp_path / "resume.md"
    markdown.write_text(EXAMPLE_RESUME.read_text(encoding="utf-8"), encoding="utf-8")
    out = tmp_path / "resume.mv2"
    ingest_resume(markdown, out, embedder=OtherModel())
    later = markdown.stat().st_mtime_ns + 1_000_000_000
    os.utime(out, ns=(later, later))
    builds: list[Path] = []

    ensure_example_index(markdown, out, build=lambda source, target: builds.append(source))

    assert builds == [markdown]


class OtherModel(Embedder):
    """The real model under another name: what an upgraded embedding model looks like to the index."""

    def __init__(self) -> None:
        super().__init__()
        self.identity = "another-model/1"

    def passages(self, texts: Sequence[str]) -> np.ndarray:
        # The shared model's vectors, cached: embedding the resume again would only cost time.
        return shared_embedder().passages(texts)


def test_a_resume_with_a_long_entry_is_stored_as_written_and_its_last_part_is_found(tmp_path):
    # memvid itself cuts a document of 2,400 characters or more into pages it titles its own way.
    lines = [
        f"- Led improvement project {n}: reduced dock waiting at the Harbourside depot number {n}." for n in range(50)
    ]
    source = tmp_path / "long.md"
    source.write_text("---\nname: Ada\n---\n## Experience\n### Cloudco — Site Manager\n" + "\n".join(lines) + "\n")

    document = ingest_resume(source, tmp_path / "long.mv2")

    backend = EmbeddedMemvidBackend(tmp_path / "long.mv2")
    try:
        health = backend.health(timeout=1.0)
        hits = backend.search("project 49", top_k=1, snippet_chars=400)
    finally:
        backend.close()
    last = document.frames[-1]
    assert last.title.startswith("Cloudco — Site Manager (part ")
    assert health.frame_count == len(document.frames)
    assert [hit.title for hit in hits] == [last.title]


def test_the_prebuild_command_leaves_a_fresh_example_index():
    # gunicorn's master runs it as `python -m app.retrieval.example_index` before opening its port.
    from app.retrieval import example_index

    example_index.main()

    assert example_index._is_fresh(EXAMPLE_RESUME, EXAMPLE_RESUME.with_suffix(".mv2"))


def test_every_frame_of_a_resume_bigger_than_the_example_is_found_by_meaning(tmp_path):
    # One put_many of 32 frames kept the vectors of the last 10 only (memvid-sdk 2.0), silently:
    # a resume a little bigger than the example lost semantic search for most of its frames.
    extra = "".join(f"\n## Extra Section {n}\nVolunteer work number {n} at the city food bank.\n" for n in range(10))
    source = tmp_path / "bigger.md"
    source.write_text(EXAMPLE_RESUME.read_text(encoding="utf-8") + extra, encoding="utf-8")
    document = ingest_resume(source, tmp_path / "bigger.mv2")
    vector = shared_embedder().question("Where has she volunteered?").tolist()

    memory = memvid_sdk.use("basic", str(tmp_path / "bigger.mv2"), read_only=True)
    try:
        hits = memory.find("volunteer", k=100, snippet_chars=10, mode="sem", query_embedding=vector)["hits"]
    finally:
        memory.close()

    assert len(document.frames) == 32
    assert len({hit["frame_id"] for hit in hits}) == 32
