"""Retrieval quality through the real embedded engine and embedding model, on twenty labelled sets.

The sets and the figures come from tests/retrieval_eval.py (`uv run python -m tests.retrieval_eval`
prints the table). The floors below are what fused search achieved when they were set, not the
issue's targets (recall@5 0.90 and offline 0.80 on paraphrased questions), which are not met yet:
they catch a regression, they do not claim the targets.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.config import EXAMPLE_RESUME
from app.resume import ResumeDocument
from app.resume.ingest import ingest_resume
from app.resume.parser import parse_resume
from app.retrieval.embedded import EmbeddedMemvidBackend
from app.retrieval.hybrid import hybrid_search
from app.retrieval.types import BackendHealth, Passage
from tests.retrieval_eval import TUNING_SETS, Score, measure, question_sets

# Letters and digits, one space apart: a word's forms OR-ed, or a frame's lookup ("strongest skills").
PLAIN_WORDS = re.compile(r"^[^\W_]+( (OR )?[^\W_]+)*$")

# (set, mode) -> floors of recall@3, recall@5, offline answers with the fact: the lowest figure
# measured on two machines, less about one question, so a regression fails and noise does not
# (the offline floors were raised on 2026-12-05 from one machine's figures, less one question).
# The machines differ: memvid's vector search picks its SIMD code by CPU, so frames near a tie
# in meaning can swap places (the third resume's paraphrased recall@3 is 0.87 on a machine
# with AVX2 only and 0.82 on one with AVX-512; README). The example, fourth, fifth, seventh and
# eighth resumes' sets are tuned on; the second, third, sixth, ninth and tenth are held out (never
# tuned on, misses never printed).
FLOORS = {
    ("example, matched", "fused"): (0.95, 0.97, 0.95),
    # recall@5 0.89 -> 0.85 (2026-12-06): the Strong skills lead no longer claims "production
    # experience", which three questions had found it by; the floor is one question lower.
    # Offline 0.84 -> 0.89 (2026-12-06, fourth session: acronyms, whole synonym groups), -> 0.92
    # (fifth session: grading and generic words, figures that changed): one question lower.
    # Seventh session (hub frames give way, "employed" searches the employers): 0.77 / 0.89 / 0.92.
    ("example, paraphrased", "fused"): (0.75, 0.87, 0.90),
    ("second resume, matched", "fused"): (0.95, 1.00, 0.95),
    # 0.91 at recall@5 since the Experience overview leads with what it lists (22 -> 21 of 23):
    # measured on one machine so far, so the floor is one question lower.
    # Offline 0.78 -> 0.74 on 2026-12-06 (quotes split as ingest split them), 0.78 after the fifth
    # session's offline changes (measured once): one question lower.
    ("second resume, paraphrased", "fused"): (0.78, 0.87, 0.82),
    ("third resume, matched", "fused"): (0.93, 0.97, 0.93),
    # Offline 0.68 (fifth session), 0.74 (sixth: a list before the sentences below its lead, "money"
    # for a budget, the hedge; the fifth resume, tuning data since then, is a nurse's too).
    ("third resume, paraphrased", "fused"): (0.78, 0.94, 0.78),
    ("fourth resume, matched", "fused"): (0.90, 0.90, 0.90),
    # recall@3 0.64 -> 0.62 when ingest began writing one frame per engine call (2026-12-06):
    # the lexical engine's statistics shift; the floor is one question lower.
    # Fifth session: recall@5 0.84 -> 0.87 ("team" and "reports" for headcount), offline 0.58 -> 0.64.
    # Sixth session: 0.73 / 0.91 / 0.71 ("live", "town", "money" in the expansions).
    ("fourth resume, paraphrased", "fused"): (0.71, 0.89, 0.69),
    # The fifth (tuning) and sixth (held out) resumes came from two blind writers on 2026-12-06,
    # with no content word of a paraphrased question in its answering frame. On arrival the fifth's
    # paraphrased set scored 0.69 / 0.74 / 0.52; after that session's changes 0.69 / 0.78 / 0.59.
    # The sixth was measured once, after them: one question lower each.
    ("fifth resume, matched", "fused"): (0.95, 0.95, 0.92),
    # Seventh session: the fifth 0.65 / 0.80 / 0.67 (hub frames give way: two fewer in the first three,
    # two more in the first five, four more facts); the sixth, measured once after, 0.61 / 0.76 / 0.47
    # (one fewer in the first five and two fewer facts than before it: held out, so not tuned back).
    ("fifth resume, paraphrased", "fused"): (0.63, 0.78, 0.70),
    ("sixth resume, matched", "fused"): (0.95, 0.95, 0.95),
    ("sixth resume, paraphrased", "fused"): (0.58, 0.79, 0.59),
    # The seventh (tuning; a medical-imaging service manager) came from a blind writer on 2026-12-06
    # (seventh session), same rule for its paraphrases. On arrival: 0.58 / 0.73 / 0.52; after that
    # session's changes 0.57 / 0.77 / 0.60.
    ("seventh resume, matched", "fused"): (0.96, 0.96, 0.96),
    ("seventh resume, paraphrased", "fused"): (0.55, 0.75, 0.63),
    # The eighth (tuning; a mathematics teacher turned deputy principal) and ninth (held out; a site
    # engineer turned construction project manager) came from two blind writers on 2026-12-06
    # (eighth session), each decided tuning or held out before it was written. On arrival:
    # eighth 0.58 / 0.80 / 0.39, ninth 0.53 / 0.65 / 0.45. After that session's changes (a place line
    # for "where", five quotes under the hedge, the question's synonyms in its vector), measured once:
    # eighth 0.55 / 0.82 / 0.46, ninth 0.57 / 0.68 / 0.49; the second 0.83 / 0.91 / 0.87, the third
    # 0.92 / 0.97 / 0.74, the sixth 0.58 / 0.81 / 0.53. Measured again after one more change (the
    # sentence closest in meaning quoted at worst third), offline: eighth 0.51, ninth 0.51, third
    # 0.82, sixth 0.61, second 0.87. Floors one question lower where they rose. Ninth session, on an
    # Intel machine, after a question about now favours the job still going on: tuning offline fourth
    # 0.73, fifth 0.76, seventh 0.70 (recall@5 0.77), eighth 0.49; held out, measured once, sixth 0.81 /
    # 0.60, ninth 0.60 / 0.69 / 0.53, second and third unchanged. Floors unchanged.
    # Tenth session, on an AMD machine, after a role question gets a fit example: tuning fifth 0.72 /
    # 0.85 / 0.74, seventh 0.67 / 0.77 / 0.70; held out, measured once, sixth 0.60 / 0.82 / 0.61, ninth
    # 0.57 / 0.68 / 0.52, second and third unchanged. Floors unchanged.
    ("eighth resume, matched", "fused"): (0.96, 0.96, 0.96),
    ("eighth resume, paraphrased", "fused"): (0.53, 0.78, 0.49),
    ("ninth resume, matched", "fused"): (0.96, 0.96, 0.89),
    ("ninth resume, paraphrased", "fused"): (0.51, 0.63, 0.48),
    # The tenth (held out; a front-desk agent turned hotel general manager, he/him) came from a blind
    # writer on 2026-12-07 (twelfth session), decided held out before it was written, and was measured
    # once on arrival on an Intel machine: matched 1.00 / 1.00 / 0.95, paraphrased 0.60 / 0.72 / 0.59.
    # Measured on one machine so far: the floors are about two questions lower.
    ("tenth resume, matched", "fused"): (0.95, 0.95, 0.89),
    ("tenth resume, paraphrased", "fused"): (0.57, 0.69, 0.56),
}
# Sets on which fused search ranks the answer in the first five less often than one mode
# alone (strict xfails). Empty since the expansion table grew (README): on the held-out third
# resume's paraphrased questions fusion had lost two answers against semantic search alone
# (35 of 38 against 37), and now loses one (36), within the allowed 0.05.
FUSION_LOSES_AT_5: set[str] = set()


@pytest.fixture(scope="module")
def figures() -> dict[tuple[str, str], Score]:
    return measure()


@pytest.fixture(scope="module")
def engine(tmp_path_factory) -> Iterator[tuple[ResumeDocument, EmbeddedMemvidBackend]]:
    """The example resume's .mv2 built into a temporary folder, and a backend over it."""
    out = tmp_path_factory.mktemp("quality") / "example.mv2"
    document = ingest_resume(EXAMPLE_RESUME, out)
    backend = EmbeddedMemvidBackend(out)
    yield document, backend
    backend.close()


def test_question_sets_are_large_and_labelled_with_real_frames():
    sizes = {}
    for question_set in question_sets():
        titles = {frame.title for frame in parse_resume(question_set.resume.read_text(encoding="utf-8")).frames}
        unknown = [q.question for q in question_set.questions if not set(q.answers) <= titles]
        assert unknown == [], question_set.name
        sizes[question_set.name] = len(question_set.questions)

    assert sizes["example, matched"] >= 44
    assert sizes["example, paraphrased"] >= 60
    assert sizes["second resume, matched"] + sizes["second resume, paraphrased"] >= 40
    assert sizes["second resume, paraphrased"] >= 20
    assert sizes["third resume, matched"] + sizes["third resume, paraphrased"] >= 40
    assert sizes["third resume, paraphrased"] >= 20
    assert sizes["fourth resume, paraphrased"] >= 40
    assert sizes["fifth resume, paraphrased"] >= 40
    assert sizes["sixth resume, matched"] + sizes["sixth resume, paraphrased"] >= 40
    assert sizes["sixth resume, paraphrased"] >= 20
    assert sizes["seventh resume, paraphrased"] >= 40
    assert sizes["eighth resume, paraphrased"] >= 40
    assert sizes["ninth resume, matched"] + sizes["ninth resume, paraphrased"] >= 40
    assert sizes["ninth resume, paraphrased"] >= 20
    assert sizes["tenth resume, matched"] + sizes["tenth resume, paraphrased"] >= 40
    assert sizes["tenth resume, paraphrased"] >= 20


@pytest.mark.parametrize(("key", "floors"), FLOORS.items(), ids=[name for name, _ in FLOORS])
@pytest.mark.timeout(600)  # the first test builds every figure: ~20 s alone, minutes on a busy machine
def test_fused_search_holds_its_measured_quality(figures, key, floors):
    result = figures[key]

    got = (result.recall_3, result.recall_5, result.offline)

    shown = result.misses if key[0].startswith(TUNING_SETS) else "(held out: misses not shown)"
    assert all(value >= floor for value, floor in zip(got, floors, strict=True)), (got, shown)


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(name, marks=pytest.mark.xfail(strict=True, reason="fusion below semantic alone, held out"))
        if name in FUSION_LOSES_AT_5
        else name
        for name in sorted({name for name, _ in FLOORS})
    ],
)
def test_fusion_loses_nothing_against_either_mode_alone_at_5(figures, name):
    fused = figures[name, "fused"].recall_5

    assert fused >= figures[name, "lexical"].recall_5 - 0.02
    assert fused >= figures[name, "semantic"].recall_5 - 0.05


SYNTAX = st.sampled_from(
    [
        *("AND", "OR", "NOT", "and", "or", "not", "TO", "*", "?", ":", "title:", "(", ")", "[", "]", "{", "}"),
        *('"', "'", "\\", "/", "^", "~", "!", "+", "-", "&&", "||", "😀", "İ", "ß", "\u2028", "\x00", "_"),
        *("kubernetes", "AWS"),
    ]
)
QUESTION_TEXT = st.one_of(
    st.text(max_size=200),
    st.lists(st.one_of(SYNTAX, st.text(max_size=12)), max_size=30).map(" ".join),
    st.lists(SYNTAX, max_size=30).map("".join),
)


class RecordingBackend:
    """Passes calls to the real engine and keeps the queries it was sent."""

    name = "recording"

    def __init__(self, backend: EmbeddedMemvidBackend) -> None:
        self.backend = backend
        self.queries: list[str] = []

    def search(self, query: str, *, top_k: int, snippet_chars: int) -> list[Passage]:
        self.queries.append(query)
        return self.backend.search(query, top_k=top_k, snippet_chars=snippet_chars)

    def get_state(self, entity: str, slot: str) -> str | None:
        return self.backend.get_state(entity, slot)

    def health(self, *, timeout: float) -> BackendHealth:
        return self.backend.health(timeout=timeout)

    def close(self) -> None:
        return None


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(question=QUESTION_TEXT)
def test_any_text_never_raises_and_sends_only_plain_words(engine, question):
    backend = RecordingBackend(engine[1])

    passages = hybrid_search(backend, question, top_k=5, snippet_chars=200).passages

    assert len(passages) <= 5
    assert len({p.title for p in passages}) == len(passages)
    # The gRPC service gets the same queries: no engine syntax may slip through.
    assert all(PLAIN_WORDS.match(query) for query in backend.queries), backend.queries


@pytest.mark.parametrize("question", ["Has Elena Marsh used Terraform?", "Has Elena used Terraform?"])
def test_a_question_naming_the_candidate_finds_what_the_same_question_about_her_finds(engine, question):
    # The name is in the profile frame and the summary, not in the answer: searched for, it
    # ranked those first and pushed the skills list out of the five passages.
    from app.factory import create_app
    from app.llm.offline import OfflineAnswerer

    _, backend = engine
    client = create_app({"rate_limit_per_minute": 1000}, memvid=backend, llm=OfflineAnswerer()).test_client()

    body = client.post("/api/v1/chat", json={"message": question, "stream": False}).get_json()

    assert "Skills — Strong" in [source["title"] for source in body["sources"]]
    assert "Terraform: infrastructure as code" in body["message"]
    assert "elena.marsh@example.com" not in body["message"]  # the profile's contact lines are no answer
