"""Sentence vectors: stored at ingest in a memory card, read back, and ranking frames by their best sentence."""

from __future__ import annotations

import json

import numpy as np
import pytest

from app.resume.model import Frame
from app.retrieval.sentence_vectors import (
    HUB_MIN_FRAMES,
    decode,
    encode,
    hubness,
    rank_by_best_sentence,
    read,
    sentence_texts,
    texts_and_vectors,
)
from app.retrieval.types import INDEX_ENTITY, SENTENCES_SLOT, Passage


class AxisEmbedder:
    """Each distinct text is a unit vector along its own axis: exact, and easy to read in a test."""

    identity = "axes/1"

    def __init__(self) -> None:
        self.seen: list[str] = []

    def passages(self, texts):
        rows = []
        for text in texts:
            if text not in self.seen:
                self.seen.append(text)
            row = np.zeros(8, dtype=np.float32)
            row[self.seen.index(text)] = 1.0
            rows.append(row)
        return np.stack(rows)


def frame(title: str, text: str) -> Frame:
    return Frame(title=title, label="experience", text=text, tags=())


FRAMES = [
    frame("Acme", "- Built the billing system.\n- Ran the on-call rota."),
    frame("Languages", "Dutch and English."),
]


def test_each_sentence_is_embedded_under_its_frame_title():
    assert sentence_texts(FRAMES[0]) == ["Acme: Built the billing system.", "Acme: Ran the on-call rota."]


def test_vectors_read_back_as_written_per_frame():
    embedder = AxisEmbedder()

    found = decode(encode(FRAMES, embedder), "axes/1")

    assert sorted(found) == ["Acme", "Languages"]
    assert found["Acme"].shape == (2, 8)
    assert np.array_equal(found["Acme"], embedder.passages(sentence_texts(FRAMES[0])))
    assert np.array_equal(found["Languages"][0], embedder.passages(["Languages: Dutch and English."])[0])


def test_each_text_is_read_back_with_its_vector_for_the_embedders_cache():
    embedder = AxisEmbedder()

    found = texts_and_vectors(encode(FRAMES, embedder), "axes/1")

    texts = [*sentence_texts(FRAMES[0]), *sentence_texts(FRAMES[1])]
    assert sorted(found) == sorted(texts)
    assert all(np.array_equal(found[text], embedder.passages([text])[0]) for text in texts)


def test_a_card_written_before_its_texts_still_gives_its_vectors_by_title():
    card = json.loads(encode(FRAMES, AxisEmbedder()))
    for entry in card["frames"]:
        del entry["texts"]
    old = json.dumps(card)

    assert sorted(decode(old, "axes/1")) == ["Acme", "Languages"]
    assert texts_and_vectors(old, "axes/1") == {}


def test_vectors_of_another_model_are_not_used():
    assert decode(encode(FRAMES, AxisEmbedder()), "another-model/2") == {}
    assert texts_and_vectors(encode(FRAMES, AxisEmbedder()), "another-model/2") == {}


@pytest.mark.parametrize(
    "raw",
    [
        None,
        "",
        "not json",
        "[1, 2]",
        json.dumps({"model": "axes/1"}),
        json.dumps({"model": "axes/1", "dim": 8, "frames": [{"title": "Acme", "vectors": "%%%"}]}),
        json.dumps({"model": "axes/1", "dim": 4, "frames": [{"title": "Acme", "vectors": "AAAAAAAA"}]}),
        json.dumps({"model": "axes/1", "dim": "eight", "frames": []}),
    ],
)
def test_an_unreadable_card_gives_no_vectors_not_an_error(raw):
    assert decode(raw, "axes/1") == {}
    assert texts_and_vectors(raw, "axes/1") == {}


def test_a_frame_ranks_by_its_closest_sentence_not_its_average():
    question = np.array([1.0, 0.0, 0.0], dtype=np.float32)
    vectors = {
        # One sentence answers exactly; the others are about something else.
        "Acme": np.array([[0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [1.0, 0.0, 0.0]], dtype=np.float32),
        # Every sentence is somewhat close: a higher mean, a lower best.
        "Summary": np.array([[0.7, 0.7, 0.0], [0.7, 0.0, 0.7]], dtype=np.float32),
    }
    passages = [Passage("Summary", "s", 0.9), Passage("No vectors", "n", 0.8), Passage("Acme", "a", 0.1)]

    ranked = rank_by_best_sentence(question, passages, vectors)

    assert [p.title for p in ranked] == ["Acme", "Summary"]  # a frame without vectors is left out


def _unit(*rows: list[float]) -> np.ndarray:
    array = np.array(rows, dtype=np.float32)
    return array / np.linalg.norm(array, axis=1, keepdims=True)


def _frames_and_a_hub(count: int) -> dict[str, np.ndarray]:
    # `count` frames along their own axes, each unlike the others, and one close to all of them
    # (an FAQ entry or a skills list).
    vectors = {f"Job {i}": _unit([1.0 if j == i else 0.0 for j in range(count + 1)]) for i in range(count)}
    vectors["Hub"] = _unit([1.0] * count + [0.2])
    return vectors


def test_a_frame_near_every_other_frame_is_a_hub_and_ranks_below_an_equally_close_one():
    vectors = _frames_and_a_hub(HUB_MIN_FRAMES)
    hubs = hubness(vectors)
    assert max(hubs, key=hubs.__getitem__) == "Hub"
    assert abs(sum(hubs.values())) < 1e-6  # centred: an ordinary frame is moved by little

    # A question closer to the hub's sentence (0.86) than to Job 0's (0.76): the hub gives way.
    question = 0.8 * vectors["Job 0"][0] + vectors["Hub"][0]
    question /= np.linalg.norm(question)
    passages = [Passage("Hub", "h", 0.9), Passage("Job 0", "a", 0.8)]
    assert [p.title for p in rank_by_best_sentence(question, passages, vectors)] == ["Hub", "Job 0"]
    assert [p.title for p in rank_by_best_sentence(question, passages, vectors, hubs)] == ["Job 0", "Hub"]


def test_a_resume_of_a_few_frames_has_no_hubs():
    # Too few others to say what "near every other frame" is.
    assert hubness(_frames_and_a_hub(HUB_MIN_FRAMES - 2)) == {}
    assert hubness({}) == {}


class CardStore:
    """An open `.mv2` as `read` sees it: memory cards by entity and slot."""

    def __init__(self, cards: dict[tuple[str, str], str]) -> None:
        self.cards = cards

    def state(self, entity: str, slot: str) -> dict:
        if (entity, slot) not in self.cards:
            return {"found": False}
        return {"found": True, "slots": {slot: {"value": self.cards[entity, slot]}}}


def test_a_file_built_before_sentence_vectors_has_none():
    assert read(CardStore({}), "axes/1") == ({}, {})


def test_the_card_is_read_from_the_index_entity():
    card = encode(FRAMES, AxisEmbedder())

    by_title, by_text = read(CardStore({(INDEX_ENTITY, SENTENCES_SLOT): card}), "axes/1")

    assert sorted(by_title) == ["Acme", "Languages"]
    assert len(by_text) == 3
