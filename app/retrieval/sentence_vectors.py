"""Every frame's sentences embedded at ingest, and the ranking of frames by their best sentence.

One vector per frame averages a whole job entry into one point, so a question about one
bullet ("did she stop sending lorries out half empty?") lies far from it. A frame is also
ranked by its sentence closest to the question, which the embedded backend fuses with
memvid's frame ranking. Embedding the sentences costs about 50 ms each on this machine's
CPU (seconds for one resume), so it is done once at ingest and stored in the `.mv2` file
as a memory card, with the model that made the vectors and the texts embedded: the search
itself only takes dot products, and the offline answerer, which ranks the same sentences,
finds their vectors already made (`texts_and_vectors`; a new question cost ~1 s without).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from app.resume.engine import card_value
from app.resume.model import Frame
from app.retrieval.types import INDEX_ENTITY, SENTENCES_SLOT, Passage
from app.text.embedding import Embedder
from app.text.sentences import split_sentences, titled

# float16 halves the card; a similarity moves by less than 0.002 (tests/test_ingest.py).
_DTYPE = np.float16
# How much a frame's hubness (`hubness`) lowers its best sentence's closeness. Chosen on the tuning
# sets only (example, fourth, fifth and seventh resumes; tests/retrieval_eval.py), fused: offline
# facts / answering frame among five, of 336 questions: 0: 268 / 297, 0.15: 267 / 297, 0.25: 271 / 299,
# 0.3: 272 / 300, 0.35: 275 / 300, 0.4: 275 / 300, 0.5: 273 / 293, 1.5: 260 / 279.
HUB_WEIGHT = 0.4
# Near "every other frame" needs others to be near: in a resume of a handful of frames one long
# job entry is most of the text, and a short education line looked like an anti-hub, lifted over
# the entry whose bullet answered ("Is she bilingual?", tests/test_embedded.py). The resumes measured
# have 18 to 22 frames; below 10 the sentences rank by closeness alone.
HUB_MIN_FRAMES = 10


def sentence_texts(frame: Frame) -> list[str]:
    """Return the texts embedded for `frame`: each sentence led by the frame's title (`titled`)."""
    return [titled(frame.title, sentence.text) for sentence in split_sentences(0, frame.text)]


def encode(frames: Sequence[Frame], embedder: Embedder) -> str:
    """Embed every sentence of `frames` and return the memory card's value (JSON)."""
    texts = [sentence_texts(frame) for frame in frames]
    flat = [text for frame_texts in texts for text in frame_texts]
    vectors = embedder.passages(flat) if flat else np.zeros((0, 0), dtype=np.float32)
    entries, start = [], 0
    for frame, frame_texts in zip(frames, texts, strict=True):
        block = vectors[start : start + len(frame_texts)].astype(_DTYPE)
        start += len(frame_texts)
        vectors_b64 = base64.b64encode(block.tobytes()).decode("ascii")
        entries.append({"title": frame.title, "vectors": vectors_b64, "texts": frame_texts})
    return json.dumps({"model": embedder.identity, "dim": int(vectors.shape[1]) if flat else 0, "frames": entries})


def read(memory: Any, model: str) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Return the sentence vectors of an open `.mv2` file by frame title (`decode`) and by text
    (`texts_and_vectors`)."""
    # A file built before sentence vectors existed has no such card: frame vectors alone rank.
    raw = card_value(memory, INDEX_ENTITY, SENTENCES_SLOT)
    return decode(raw, model), texts_and_vectors(raw, model)


def decode(raw: str | None, model: str) -> dict[str, np.ndarray]:
    """Return each frame title's sentence vectors (rows); {} when absent, unreadable or made by another model."""
    return {title: rows for title, rows, _ in _entries(raw, model)}


def texts_and_vectors(raw: str | None, model: str) -> dict[str, np.ndarray]:
    """Return each embedded sentence text's vector; {} as `decode`, and for a card older than its texts."""
    found: dict[str, np.ndarray] = {}
    for _, rows, texts in _entries(raw, model):
        if len(texts) == len(rows):
            found.update(zip(texts, rows, strict=True))
    return found


def _entries(raw: str | None, model: str) -> list[tuple[str, np.ndarray, list[str]]]:
    try:
        card: Any = json.loads(raw) if raw else None
        if not isinstance(card, Mapping) or card.get("model") != model:
            return []
        dim = int(card["dim"])
        found = []
        for entry in card["frames"]:
            block = np.frombuffer(base64.b64decode(entry["vectors"]), dtype=_DTYPE)
            if dim and block.size:
                texts = [str(text) for text in entry.get("texts", [])]
                found.append((str(entry["title"]), block.reshape(-1, dim).astype(np.float32), texts))
        return found
    except (ValueError, KeyError, TypeError, AttributeError):
        return []


def rank_by_best_sentence(
    question: np.ndarray,
    passages: Sequence[Passage],
    vectors: Mapping[str, np.ndarray],
    hubs: Mapping[str, float] | None = None,
) -> list[Passage]:
    """Return the passages with sentence vectors, best first by their sentence closest to `question`,
    less HUB_WEIGHT times the frame's `hubs` value (see `hubness`)."""
    hubs = hubs or {}
    scored = [
        (float(np.max(vectors[p.title] @ question)) - HUB_WEIGHT * hubs.get(p.title, 0.0), p)
        for p in passages
        if p.title in vectors
    ]
    scored.sort(key=lambda item: -item[0])
    return [passage for _, passage in scored]


def hubness(vectors: Mapping[str, np.ndarray]) -> dict[str, float]:
    """Return how close each frame's sentences lie to the other frames' on average, less the mean of that.

    Some frames are near everything: a skills list, a profile line, an FAQ entry whose title is a
    question ("Is she willing to travel or be on call?" leads each of its sentences, and a question
    lies near a question). They came first for questions they do not answer ("Who does she answer
    to?"), pushing the answering frame out of the five. How near a frame lies to the rest of its
    own resume says so without any question: nothing here is fitted to a question set. {} for a
    resume of fewer than HUB_MIN_FRAMES frames.
    """
    titles = [title for title, rows in vectors.items() if len(rows)]
    if len(titles) < HUB_MIN_FRAMES:
        return {}
    rows = np.concatenate([vectors[title] for title in titles])
    owner = np.repeat(np.arange(len(titles)), [len(vectors[title]) for title in titles])
    closeness = rows @ rows.T
    raw = {}
    for index, title in enumerate(titles):
        mine = owner == index
        raw[title] = float(closeness[np.ix_(mine, ~mine)].mean())
    mean = float(np.mean(list(raw.values())))
    return {title: value - mean for title, value in raw.items()}
