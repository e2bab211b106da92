"""The offline answerer quotes matching passage sentences, cites them, and streams them."""

from __future__ import annotations

import numpy as np
import pytest

from app.factory import create_app
from app.llm.offline import (
    CLOSEST_ONLY,
    GREETING,
    MAY_NOT_ANSWER,
    NO_SEARCH,
    PREAMBLE,
    OfflineAnswerer,
    compose_answer,
)
from app.llm.quote_choice import MAX_QUOTE_CHARS, MAX_SENTENCES
from app.llm.types import AnswerRequest, Finished, Token
from app.resume.sections import WRITTEN_LEADS
from app.retrieval.types import Passage
from app.text.passage_lines import restore_lines
from app.text.sentences import split_sentences
from tests.fakes import FakeMemvid

ACME = Passage(
    title="Experience — Acme Cloud",
    text=(
        "### Acme Cloud — Staff Engineer\n"
        "Period: 2019\u20132023\n"
        "Location: Berlin\n"
        "- Led the migration of 40 services to Kubernetes on AWS.\n"
        "- Mentored six engineers.\n"
        "The monolith could not scale. Deploys took a whole day.\n"
    ),
    score=3.2,
)
SKILLS = Passage(
    title="Skills",
    text=(
        "- Python: ten years, in production\n* Go: moderate\n"
        "Enjoys hiking on weekends. Managed budgets for\nthree teams.\n"  # a hard-wrapped sentence
    ),
    score=2.0,
)
PASSAGES = (ACME, SKILLS)
SUGGESTIONS = ("What cloud work has she done?", "Which languages?", "Where is she based?", "A fourth one?")


def ask(question: str, passages: tuple[Passage, ...] = PASSAGES, suggestions: tuple[str, ...] = SUGGESTIONS) -> str:
    return compose_answer(
        AnswerRequest(messages=[], question=question, passages=passages, suggested_questions=suggestions)
    )


def events(question: str, passages: tuple[Passage, ...] = PASSAGES) -> list[Token | Finished]:
    request = AnswerRequest(messages=[], question=question, passages=passages, suggested_questions=SUGGESTIONS)
    return list(OfflineAnswerer().stream(request))


@pytest.mark.parametrize(
    ("question", "expected", "first"),
    [
        (
            "What experience do they have with Kubernetes?",
            "Led the migration of 40 services to Kubernetes on AWS.",
            "Acme",
        ),
        ("Does he know Python?", "From *Skills*: Python: ten years, in production.", "Skills"),
        ("Any management experience?", "Managed budgets for three teams.", "Skills"),
        ("Where is she located?", "Location: Berlin.", "Acme"),
        ("what about go", "Go: moderate.", "Skills"),
        ("deployment speed", "Deploys took a whole day.", "Acme"),
    ],
)
def test_quotes_the_answering_sentence_from_its_passage_first(question: str, expected: str, first: str) -> None:
    answer = ask(question)

    assert answer.startswith(PREAMBLE + "\n\n")
    assert expected in answer
    assert first in answer.split("From *", 1)[1].split("*", 1)[0]  # the first passage cited
    assert MAY_NOT_ANSWER not in answer


def test_title_match_quotes_that_passage_in_original_order() -> None:
    answer = ask("What did she do at Acme?")
    body = answer.split("From *Experience — Acme Cloud*: ", 1)[1]
    assert body.index("Led the migration") < body.index("Mentored")
    assert "Location: Berlin." not in answer  # what she did there, not where it was
    assert answer.index("Acme") < answer.find("Skills") or "Skills" not in answer
    assert "###" not in answer  # headings are structure, not sentences


def test_sentence_words_outrank_title_words_and_groups_by_passage() -> None:
    answer = ask("Kubernetes skills")
    acme, skills = answer.index("*Experience — Acme Cloud*"), answer.index("*Skills*")
    assert acme < skills  # the passage holding the word itself comes first
    assert answer.count("From *") == 2


@pytest.mark.parametrize(("padding", "kept"), [(2, MAX_SENTENCES), (20, 3)])
def test_budget_bounds_sentences_and_characters(padding: int, kept: int) -> None:
    text = "\n".join(f"- Built rust service number {n} " + "with care " * padding for n in range(12))
    answer = ask("rust service", passages=(Passage("Projects", text, 1.0),))
    assert answer.count("Built rust service") == kept
    assert len(answer.removeprefix(PREAMBLE)) <= MAX_QUOTE_CHARS + 40


def test_overlong_sentence_is_clipped_at_a_word() -> None:
    answer = ask("terraform", passages=(Passage("Infra", "Terraform " + "modules everywhere " * 60, 1.0),))
    assert answer.endswith("…")
    assert len(answer) < len(PREAMBLE) + 450


@pytest.mark.parametrize("question", ["Does she speak Klingon?", "What is this?", "🙂🚀"])
def test_no_shared_word_quotes_less_says_so_and_suggests(question: str) -> None:
    answer = ask(question)

    assert CLOSEST_ONLY in answer
    assert 1 <= answer.count("From *") <= MAX_SENTENCES
    assert answer.endswith(
        "You could ask instead:\n- What cloud work has she done?\n- Which languages?\n- Where is she based?"
    )


def test_no_passages_says_so_and_suggests() -> None:
    answer = ask("Kubernetes?", passages=())
    assert "The resume search returned nothing" in answer
    assert "From *" not in answer
    assert answer.endswith(
        "You could ask instead:\n- What cloud work has she done?\n- Which languages?\n- Where is she based?"
    )
    assert "A fourth one?" not in answer


def test_nothing_found_without_suggestions_gives_a_hint() -> None:
    answer = ask("Klingon", passages=(), suggestions=("  ",))
    assert answer.endswith("Try asking about a specific skill, company or role.")
    assert "You could ask instead" not in answer


@pytest.mark.parametrize(
    ("question", "passage", "expected"),
    [
        (
            "Café ☕ expertise?",
            Passage("Hobbies 🎉", "Runs a café in Zürich.\nLikes tea.", 1.0),
            "Runs a café in Zürich.",
        ),
        ("Kubernetes 🚀🚀", ACME, "Kubernetes on AWS."),
        ("東京 経験", Passage("職歴", "- 東京 で五年", 1.0), "From *職歴*: 東京 で五年."),
        ("C++ and C#?", Passage("Languages", "- C++: strong\n- Java: none", 1.0), "C++: strong."),
        ("line\u2028break", Passage("Odd", "A line\u2028break inside.", 1.0), "A line\u2028break inside."),
    ],
)
def test_unicode_questions_and_passages(question: str, passage: Passage, expected: str) -> None:
    answer = ask(question, passages=(passage,))
    assert expected in answer
    assert "Java" not in answer


def test_markdown_in_titles_is_escaped() -> None:
    answer = ask("kafka", passages=(Passage("*Data_Team*", "Ran Kafka.", 1.0),))
    assert "From *\\*Data\\_Team\\**: Ran Kafka." in answer


@pytest.mark.parametrize("question", ["Kubernetes?", "Klingon?", "🙂", ""])
def test_stream_is_tokens_then_one_finished(question: str) -> None:
    stream = events(question)
    tokens, last = stream[:-1], stream[-1]
    assert last == Finished(finish_reason="stop", usage=None)
    assert len(tokens) > 3  # the client sees a stream, not one blob
    assert all(isinstance(t, Token) and t.text for t in tokens)
    assert "".join(t.text for t in tokens if isinstance(t, Token)) == compose_answer(
        AnswerRequest(messages=[], question=question, passages=PASSAGES, suggested_questions=SUGGESTIONS)
    )


def test_answerer_identity_and_close() -> None:
    answerer = OfflineAnswerer()
    assert answerer.name == "offline"
    answerer.close()
    assert events("Python", passages=())[-1] == Finished(finish_reason="stop")


def test_a_folded_snippet_gets_its_lines_back_and_a_label_of_several_words_stays_whole():
    # memvid folds a snippet's lines into one; "Google Cloud:" must not become "Google." + "Cloud: ...".
    folded = Passage(
        title="Skills — Moderate",
        text="Skills — Moderate - Kafka: event streaming - Google Cloud: GKE and Cloud SQL - Go: small CLIs "
        "Technical work: Flask services. Lessons learned: measure first.",
        score=1.0,
    )

    lines = restore_lines(folded).splitlines()

    assert lines == [
        "- Kafka: event streaming",
        "- Google Cloud: GKE and Cloud SQL",
        "- Go: small CLIs",
        "Technical work: Flask services.",
        "Lessons learned: measure first.",
    ]
    assert "Google." not in ask("Which cloud has she used?", (folded,))


@pytest.mark.parametrize("message", ["hello", "Hi there!", "Thank you very much!", "Good morning"])
def test_a_greeting_gets_a_greeting_and_the_suggestions_not_quotes(message):
    answer = ask(message)

    assert answer.startswith(GREETING)
    assert "You could ask instead:\n- What cloud work has she done?" in answer
    assert "From *" not in answer


@pytest.mark.parametrize("message", ["Hello, where is she based?", "Is she good?", "Thanks - does she know Go?"])
def test_a_question_with_a_greeting_is_still_answered_from_the_resume(message):
    assert not ask(message).startswith(GREETING)


def test_a_long_capitalised_run_before_a_label_is_split_in_linear_time():
    # A resume line of capitals (an acronym list, a shouted heading) once made the label check
    # backtrack exponentially: 30 letters took about a minute.
    shouted = Passage(title="Skills", text="Skills - " + "A" * 5000 + "! Location: Berlin", score=1.0)

    assert restore_lines(shouted).splitlines() == ["- " + "A" * 5000 + "!", "Location: Berlin"]


def test_a_sentence_ending_in_a_colon_is_quoted_with_the_list_it_announces() -> None:
    history = Passage(
        "Experience",
        "Work history: the companies worked for and the roles held there:\n"
        "- Acme Cloud — Staff Engineer (2019 - 2023)\n- Borealis — Engineer (2015 - 2019)\n"
        "She prefers small teams.",
        1.0,
    )

    answer = ask("Where has she worked?", passages=(history,))

    assert "roles held there: Acme Cloud — Staff Engineer (2019 - 2023). Borealis — Engineer (2015 - 2019)." in answer


def test_an_announced_list_stays_within_the_character_budget() -> None:
    items = "\n".join(f"- Skill number {n} with a long note about where it was used" for n in range(40))
    answer = ask("What are her strongest skills?", passages=(Passage("Skills", f"Strongest skills:\n{items}", 1.0),))

    assert "From *Skills*: Skill number 0" in answer  # the lead ingest wrote is not quoted (below)
    assert len(answer.removeprefix(PREAMBLE)) <= MAX_QUOTE_CHARS + 60


@pytest.mark.parametrize("lead", sorted(WRITTEN_LEADS))
def test_a_lead_ingest_wrote_brings_its_list_but_is_not_quoted_as_the_resume(lead: str) -> None:
    # "Work history: the companies worked for and the roles held there, with periods and places:"
    # was quoted "directly from the resume", though the service wrote it.
    passage = Passage("Experience", f"{lead}\n- Acme Cloud — Staff Engineer (2019 - 2023)\n- Borealis — Engineer", 1.0)

    answer = ask("Where has she worked, what are her strongest skills and skill gaps?", passages=(passage,))

    assert lead not in answer
    assert "From *Experience*: Acme Cloud — Staff Engineer (2019 - 2023). Borealis — Engineer." in answer


def test_a_capitalised_word_and_colon_inside_a_sentence_is_not_read_as_a_label():
    folded = Passage(
        title="Kestrel",
        text="Kestrel - Built the design system in Figma: 180 components and dark mode. Approach: shipped weekly.",
        score=1.0,
    )

    assert restore_lines(folded).splitlines() == [
        "- Built the design system in Figma: 180 components and dark mode.",
        "Approach: shipped weekly.",
    ]


def test_when_the_resume_could_not_be_searched_it_says_so_not_that_nothing_matched() -> None:
    request = AnswerRequest(messages=[], question="Kubernetes?", suggested_questions=SUGGESTIONS, resume_searched=False)

    answer = compose_answer(request)

    assert NO_SEARCH in answer
    assert "returned nothing" not in answer


def test_through_chat_memvid_down_is_told_apart_from_memvid_empty() -> None:
    down, empty = FakeMemvid(available=False), FakeMemvid(passages=[])
    answers = {}
    for name, memvid in (("down", down), ("empty", empty)):
        client = create_app({"rate_limit_per_minute": 1000}, memvid=memvid, llm=OfflineAnswerer()).test_client()
        body = client.post("/api/v1/chat", json={"message": "Does she know Kubernetes?", "stream": False}).get_json()
        answers[name] = body["message"]

    assert NO_SEARCH in answers["down"]
    assert NO_SEARCH not in answers["empty"]
    assert "The resume search returned nothing" in answers["empty"]


def test_a_sentence_the_resume_repeats_is_quoted_once() -> None:
    summary = Passage(
        "Summary", "She led the Kubernetes migration. She mentors engineers. She led the Kubernetes migration.", 1.0
    )

    answer = ask("Did she lead the Kubernetes migration?", passages=(summary,))

    assert answer.count("She led the Kubernetes migration.") == 1


def test_a_quoted_faq_answer_brings_its_first_sentence_the_plain_answer() -> None:
    faq = Passage(
        "Has she worked on call?",
        "Yes, for nine years.\nShe designed the on-call rotation and writes blameless incident reviews.",
        1.0,
    )

    answer = ask("Has she written incident reviews?", passages=(faq,))

    assert "Yes, for nine years. She designed the on-call rotation" in answer


def test_a_long_first_sentence_of_an_faq_answer_is_not_added_past_the_budget() -> None:
    opening = "It depends " + "on the team and the project " * 10 + "at hand."
    faq = Passage("Does she like startups?", f"{opening}\nShe has written incident reviews at every job.", 1.0)

    answer = ask("Has she written incident reviews?", passages=(faq,))

    assert "incident reviews at every job" in answer
    assert "It depends" not in answer


def test_a_quoted_fit_example_brings_its_fit_level_plain_or_bold() -> None:
    for label in ("Fit level:", "**Fit level:**"):
        fit = Passage(
            "Fit Assessment — Machine Learning Engineer at a retailer",
            f"{label} Weak fit\n"
            "Role: Machine learning engineer building recommendation models for a retailer.\n"
            "Job description: Train and ship recommendation models in Python for the retailer's shop.\n"
            "Verdict: Not a match: she runs model-serving machines but has never trained a model.\n"
            "Key matches: Python services, retail data pipelines.\n"
            "Gaps: No machine learning training, no statistics.\n"
            "Recommendation: Do not interview for this role; consider a platform role.",
            1.0,
        )

        answer = ask("Would she suit a machine learning role building recommendation models?", passages=(fit,))

        assert "Fit level: Weak fit" in answer  # bold marks are styling, not quoted
        assert answer.index("Fit level:") < answer.index("Verdict: Not a match")  # in the frame's order
        assert "Role: Machine learning" not in answer  # the cited title names the role


def test_a_fit_level_comes_only_with_its_own_fit_example() -> None:
    fit = Passage("Fit Assessment — Data Scientist", "Fit level: Weak fit\nVerdict: Not a match.", 1.0)

    answer = ask("Did she mentor engineers?", passages=(ACME, fit))

    assert "Mentored six engineers" in answer
    assert "Weak fit" not in answer


def test_a_range_written_with_a_plain_hyphen_in_a_folded_snippet_is_not_read_as_a_bullet():
    folded = Passage(
        title="Copperline",
        text="Copperline Period: 2016 - 2021 - Shipped 12 games - Grew the team to 40 - Led QA (2019 - present; Oslo)"
        " - Ran ops (Jan 2022 - Mar 2024) - Q1 2020 - Q3 2021 in Seoul (2016 - ongoing) - '14 - '15",
        score=1.0,
    )

    assert restore_lines(folded).splitlines() == [
        "Period: 2016 - 2021",
        "- Shipped 12 games",
        "- Grew the team to 40",
        "- Led QA (2019 - present; Oslo)",
        "- Ran ops (Jan 2022 - Mar 2024)",
        "- Q1 2020 - Q3 2021 in Seoul (2016 - ongoing)",
        "- '14 - '15",
    ]


def test_a_sentence_ending_in_a_cjk_full_stop_gets_no_second_one():
    question = "她会说中文吗\uff1f"
    answer = ask(question, passages=(Passage(question, "是的\uff0cHSK五级\uff0c在深圳工作过一年。", 1.0),))

    assert answer.endswith("在深圳工作过一年。")


def test_a_bare_yes_or_no_stays_with_the_sentence_it_opens():
    # Alone it holds no word to search for; dropped, the quote read as the opposite.
    faq = Passage("Does Sam need visa sponsorship?", "No. Sam would need a work visa to work in the UK.", 1.0)

    answer = ask("Does Sam need visa sponsorship?", passages=(faq,))

    assert "No. Sam would need a work visa" in answer


def test_an_faq_titled_with_a_full_width_question_mark_is_not_quoted_as_its_own_answer():
    # memvid returns the text in NFKC ("?"), the title as written (U+FF1F).
    faq = Passage("工作地点在哪里\uff1f", "工作地点在哪里? 目前在拉各斯。可以远程工作。", 1.0)

    assert restore_lines(faq) == "目前在拉各斯。可以远程工作。"


def test_a_fit_examples_job_description_is_never_quoted_as_the_candidates_experience() -> None:
    # "Job description: lead renovation sites" answered "has she led renovation work?" as if
    # she had (resumes audit); the fit level and verdict are still the fit example's answer.
    fit = Passage(
        title="Fit Assessment \u2014 Site Manager at a Madrid builder",
        text=(
            "Fit level: Partial fit\nRole: Site manager for building renovation\n"
            "Job description: Lead renovation sites of listed buildings in Madrid.\n"
            "Verdict: Strong on new-build sites; no renovation of listed buildings."
        ),
        score=2.0,
    )
    request = AnswerRequest(messages=[], question="Has she led renovation sites of listed buildings?", passages=(fit,))

    answer = compose_answer(request)

    assert "Lead renovation sites" not in answer
    assert "Site manager for building renovation" not in answer
    assert "no renovation of listed buildings" in answer


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Dr. Tobias Wennerholm leads the lab. He teaches.", ["Dr. Tobias Wennerholm leads the lab.", "He teaches."]),
        ("Cited by Morris, J. and Lee, K. in 2019. Twice.", ["Cited by Morris, J. and Lee, K. in 2019.", "Twice."]),
        ("Worked in the U.S. for years. Then moved.", ["Worked in the U.S. for years.", "Then moved."]),
        ("No. She would need a visa.", ["No. She would need a visa."]),
        ("Knows Python, Go, etc. She also writes Rust.", ["Knows Python, Go, etc.", "She also writes Rust."]),
        ("Took a course in Nov. 2023 on law. Then left.", ["Took a course in Nov. 2023 on law.", "Then left."]),
        # German, French and Spanish resumes' abbreviations, and a day written as an ordinal
        ("Frühestens am 1. April 2027. Danach nicht.", ["Frühestens am 1. April 2027.", "Danach nicht."]),
        ("Kenntnisse z. B. Python, ca. 40 Leute. Gut.", ["Kenntnisse z. B. Python, ca. 40 Leute.", "Gut."]),
        ("Langues, p. ex. Python. Bien.", ["Langues, p. ex. Python.", "Bien."]),
        ("She led a team of 12. She coached.", ["She led a team of 12.", "She coached."]),
        ("Registered (GPhC no. 2071193, lapsed). Moved.", ["Registered (GPhC no. 2071193, lapsed).", "Moved."]),
    ],
)
def test_a_title_or_initial_does_not_end_a_sentence(text: str, expected: list[str]) -> None:
    assert [sentence.text for sentence in split_sentences(0, text)] == expected


def test_an_announced_list_cut_by_the_budget_says_how_many_items_it_left_out() -> None:
    # Quoting three academic jobs and dropping the World Bank one, silently, answered
    # "has he worked outside a university?" with a wrong "no".
    items = "\n".join(f"- University number {n} with a long note about what was taught there" for n in range(30))
    answer = ask("Where has he worked?", passages=(Passage("Experience", f"Work history:\n{items}", 1.0),))

    quoted = answer.count("University number")
    assert 0 < quoted < 30
    assert answer.rstrip().endswith(f"(and {30 - quoted} more listed there)")


def test_a_paragraph_as_written_keeps_its_dashes_only_a_folded_snippet_is_unfolded() -> None:
    # "end to end - from heads of terms to completion - and" was cut into bullets and lost its middle.
    sentence = "I have run deals end to end - from heads of terms to completion - and partners trust me."
    written = Passage("Summary", f"Summary\n\n{sentence}", 1.0)
    folded = Passage("Summary", "Summary Period: 2020 - 2021 - Led the deal team.", 1.0)

    assert [s.text for s in split_sentences(0, restore_lines(written))] == [sentence]
    assert restore_lines(folded).splitlines() == ["Period: 2020 - 2021", "- Led the deal team."]


def test_a_heading_inside_a_section_leads_the_sentence_under_it() -> None:
    # Under "### Can he write code?", a bare "Yes. Since going freelance…" was quoted for any question.
    text = "### Can he write code?\nYes. Mostly Python for clients.\n### Publication record\n48 papers."

    assert [s.text for s in split_sentences(0, text)] == [
        "Can he write code? Yes. Mostly Python for clients.",
        "Publication record: 48 papers.",
    ]


def test_an_announced_list_brings_its_first_item_even_past_the_budget() -> None:
    # "Work history: …: (and 4 more listed there)" named no company at all.
    long_first = "Worked on contracts " + "and contracts " * 28 + "in many sectors."  # ~400 characters, clipped
    first = "Acme Law LLP — Partner, cross-border mergers and acquisitions practice group (2019 - 2023; London, United Kingdom)"
    history = Passage("Experience", f"Work history:\n- {first}\n- Borealis — Associate", 1.0)
    summary = Passage("Summary", f"{long_first} {long_first.replace('Worked', 'Has worked')}", 1.0)

    answer = ask("Where has she worked, and on what contracts in which sectors?", passages=(summary, history))

    assert first in answer
    assert answer.endswith("(and 1 more listed there)")


def test_emphasis_marks_are_not_quoted_as_words() -> None:
    # An italic line cut into sentences was quoted "…transactional experience.*.".
    passage = Passage("Summary", "Summary\n\n*Admitted 2014. Ten years of **transactional** work.* Knows PV*SOL.", 1.0)

    answer = ask("How many years of transactional work?", passages=(passage,))

    assert "Ten years of transactional work. Knows PV*SOL." in answer
    assert "**" not in answer.split("*Summary*: ")[1]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A paragraph's wrapped line that opens with "word: " goes on with the sentence above it.
        (
            "She cares about observable\ninfrastructure: clear SLOs and runbooks people\nactually read. She led six.",
            [
                "She cares about observable infrastructure: clear SLOs and runbooks people actually read.",
                "She led six.",
            ],
        ),
        # A bullet's wrapped line, indented under it, or going on in lower case.
        (
            "- Led the cutover over a\n  Single weekend, with no missed shipments.\n- Cut shrink\nby half.",
            ["Led the cutover over a Single weekend, with no missed shipments.", "Cut shrink by half."],
        ),
        ("No: she expects to be on site every\nworking day.", ["No: she expects to be on site every working day."]),
        # A label's wrapped line that goes on with a capital letter still goes on ("at Kirkstall / Valley
        # and taught" was quoted "at Kirkstall. Valley and taught"), as the profile reader reads it.
        (
            "Verdict: A close match: she has done this turnaround at Kirkstall\nValley and taught in Leeds.\n"
            "- Built the department's assessment tracker in Excel and\nPower BI.\n- Go: moderate\nEnjoys hiking.",
            [
                "Verdict: A close match: she has done this turnaround at Kirkstall Valley and taught in Leeds.",
                "Built the department's assessment tracker in Excel and Power BI.",
                "Go: moderate",  # a short line is a whole item: the paragraph after it is its own
                "Enjoys hiking.",
            ],
        ),
        # A label under a line without a full stop is still a label of its own; so is a table row.
        (
            "Acme Corp - Engineer (2019)\nPeriod: 2019 - 2020\n| Year | Grade |\n| 2019 | A |",
            ["Acme Corp - Engineer (2019)", "Period: 2019 - 2020", "| Year | Grade |", "| 2019 | A |"],
        ),
    ],
)
def test_a_line_wrapped_in_the_source_stays_with_the_sentence_it_continues(text: str, expected: list[str]) -> None:
    # "…on site every" and "working day." were quoted as two sentences, the second alone for
    # "has her employer recognised her work?".
    assert [sentence.text for sentence in split_sentences(0, text)] == expected


def test_a_wrapped_tags_line_is_left_out_of_quotes_whole() -> None:
    # Its second line was glued to the line above: "Location: Leeds, West Yorkshire line management."
    written = Passage(
        "Kirkstall", "Kirkstall\nLocation: Leeds\nTags: data, GCSE,\n  line management\n- Leads nine teachers.", 1.0
    )

    assert [s.text for s in split_sentences(0, restore_lines(written))] == ["Location: Leeds", "Leads nine teachers."]


@pytest.mark.parametrize(
    ("written", "quoted"),
    [
        (
            "92% of her students achieved grades A* to C in 2019.",
            "92% of her students achieved grades A* to C in 2019.",
        ),
        ("She was *rated* outstanding by **two** inspectors.", "She was rated outstanding by two inspectors."),
        ("LinkedIn: https://www.linkedin.com/in/priya-example", "LinkedIn: https://www.linkedin.com/in/priya-example"),
        # A title quoted to its own full stop was given a second one: '"…for managers.".'
        (
            'Keynote: "Fish on the move: forecasting for managers."',
            'Keynote: "Fish on the move: forecasting for managers."',
        ),
        ("Achieved every target (all of them.)", "Achieved every target (all of them.)"),
    ],
)
def test_a_quote_keeps_a_words_own_marks_and_an_address_gets_no_full_stop(written: str, quoted: str) -> None:
    # "A*" was quoted "A" (a grade changed), and a link ended in a full stop that is not its own.
    answer = ask(
        "What did she achieve with her students, and her LinkedIn?", passages=(Passage("Results", written, 1.0),)
    )

    assert f"From *Results*: {quoted}\n" in f"{answer}\n"


def test_a_question_asking_how_many_prefers_the_sentence_that_states_a_number() -> None:
    # "How big was her team?" quoted the sentences sharing its words, not "(six engineers)".
    passage = Passage(
        "Northwind",
        "Northwind\nShe took charge of hiring and onboarding.\nShe took charge of the budget reviews.\n"
        "She took charge of the on-call rota.\nShe took charge of the release calendar.\n"
        "She took charge of the incident reviews.\n"
        "Led the platform team (six engineers) across three regions.",
        1.0,
    )

    assert "six engineers" in ask("How big was the group she was in charge of?", passages=(passage,))
    assert "six engineers" not in ask("What was the group she was in charge of?", passages=(passage,))


def test_an_faq_answered_with_a_bare_yes_or_no_keeps_its_answer() -> None:
    # "### Does he do emergency callouts?" answered "No." had no sentence at all: nothing to
    # quote, nothing embedded, so search by meaning could not find the frame.
    assert [s.text for s in split_sentences(0, "No.")] == ["No."]
    assert [s.text for s in split_sentences(0, "### Can he drive?\nNo.\n### Does he smoke?\nYes.\n### Hobbies")] == [
        "Can he drive? No.",
        "Does he smoke? Yes.",
    ]
    faq = Passage("Does he do emergency callouts?", "Does he do emergency callouts?\n\nNo.", 1.0)
    assert "From *Does he do emergency callouts?*: No." in ask("Does he do emergency callouts?", passages=(faq,))


def test_addresses_quoted_side_by_side_are_parted_not_run_together() -> None:
    # "Email: a@b.org LinkedIn: https://…" read as one line once addresses lost their full stop.
    written = "Email: priya@example.org\nLinkedIn: linkedin.com/in/priya\nPortfolio: priyaraman.design"

    answer = ask("Her email, LinkedIn and portfolio?", passages=(Passage("Contact", written, 1.0),))

    assert answer.endswith(
        "From *Contact*: Email: priya@example.org; LinkedIn: linkedin.com/in/priya; Portfolio: priyaraman.design"
    )


@pytest.mark.parametrize(
    ("written", "quoted"),
    [
        ("Period: 2021 \u2013 present", "Period: 2021 \u2013 present."),
        ("- Engineer in Berlin, 2019 - present", "Engineer in Berlin, 2019 - present."),
    ],
)
def test_the_open_end_of_a_date_range_means_current_not_presented(written: str, quoted: str) -> None:
    # "Period: 2021 - present." was quoted first for "Has she presented at industry events?".
    passage = Passage("Acme", f"{written}\n- Gave talks at two industry meetups on build tooling.", 1.0)

    presented = ask("Has she presented at industry events?", passages=(passage,))
    current = ask("Is this her current job?", passages=(passage,))

    assert presented.endswith("From *Acme*: Gave talks at two industry meetups on build tooling.")
    # First: a question about her present job may quote the rest of the job too (standard_questions).
    assert current.split("\n\n")[1].startswith(f"From *Acme*: {quoted}")


def test_a_list_lead_among_the_closest_sentences_brings_its_list() -> None:
    # Cut to the closest three after the lists were added, "Moderate skills, working knowledge:"
    # was quoted alone: a label ingest writes, with none of the skills it announces.
    passages = (
        Passage("What is his availability?", "He is open to an interim manager post while he finishes his MSN.", 2.0),
        Passage(
            "Skills — Moderate",
            "Moderate skills, working knowledge:\n- Budgeting: unit labour budget and overtime tracking\n"
            "- Data and quality improvement: run charts\n- Pediatric emergency care, not practised since 2017",
            1.5,
        ),
        Passage("Skills — Strong", "Precepting and mentoring new graduates.", 1.0),
    )

    answer = ask("Is he doing a master's?", passages=passages)

    assert CLOSEST_ONLY in answer
    assert "From *Skills — Moderate*: Budgeting: unit labour budget and overtime tracking." in answer


def test_a_contact_line_is_quoted_by_meaning_only_when_the_question_asks_how_to_reach_her() -> None:
    # "Is she married or does she have children?" quoted her email and LinkedIn: near in meaning
    # to any question about the person, an answer to none.
    profile = Passage("Candidate Profile", "Email: miriam@example.org\nLinkedIn: linkedin.com/in/miriam", 2.0)
    talks = Passage("Conference Talks", "Invited talk, Ocean Sciences Meeting, 2024.", 1.0)

    married = ask("Is she married or does she have children?", passages=(profile, talks))
    reach = ask("How can I get in touch with her?", passages=(profile, talks))

    assert "miriam@example.org" not in married
    assert "From *Candidate Profile*: Email: miriam@example.org; LinkedIn: linkedin.com/in/miriam" in reach


def test_a_synonym_past_the_searched_forms_shares_the_question_s_word() -> None:
    # "What was her dissertation on?" was answered under "The resume may not answer this": the
    # engine searched five forms of "dissertation", and "thesis" was the seventh of its group.
    education = Passage("Education", "Ph.D. in Ecology, 2014. Thesis: Synchrony in anchovy stocks.", 1.0)

    answer = ask("What was her dissertation on?", passages=(education,))

    assert MAY_NOT_ANSWER not in answer
    assert "Thesis: Synchrony in anchovy stocks." in answer


def test_a_bare_period_is_quoted_by_meaning_only_when_the_question_asks_when() -> None:
    # "What's his notice period?" was answered with three bare lines like "Period: 2013 - 2017.".
    job = Passage("Castellan — Account Executive", "Period: 2013 - 2017\n- Sold copier contracts to schools.", 2.0)
    start = Passage("When can he start?", "Four weeks after an offer.", 1.0)

    notice = ask("What's his notice period?", passages=(job, start))
    when = ask("When was he at Castellan?", passages=(job, start))

    assert "Period: 2013 - 2017" not in notice
    assert "Four weeks after an offer." in notice
    assert "Period: 2013 - 2017." in when


def test_a_bare_period_or_place_under_a_matching_title_is_not_quoted_as_what_she_did() -> None:
    # "Tell me about her internship." was answered with "Period: …", "Location: …" and the
    # Situation line, and none of what she built there.
    internship = Passage(
        "Corrib Trust — Summer Intern",
        "Period: June 2025 - August 2025\nLocation: Oughterard, Ireland\n"
        "- Built a QGIS map of sampling sites.\n- Wrote a report on phosphate readings.",
        1.0,
    )

    about = ask("Tell me about her internship.", passages=(internship,))
    when = ask("When was her internship?", passages=(internship,))

    assert "Built a QGIS map of sampling sites." in about
    assert "Period:" not in about
    assert "Location:" not in about
    assert "Period: June 2025 - August 2025." in when


def test_a_list_comes_before_the_sentences_ranked_below_its_lead() -> None:
    # "List the employers she has had" quoted two skill gaps whole and three of four employers:
    # the sentences ranked below the work history had taken the room its items needed.
    roles = [
        f"Employer number {n} Regional Hospital — Charge Nurse, a long line about the ward ({2010 + n})"
        for n in range(4)
    ]
    history = Passage(
        "Experience", "Work history: the companies worked for:\n" + "\n".join(f"- {r}" for r in roles), 1.0
    )
    shifts = ("nights", "weekends", "holidays", "double shifts")
    worked = [
        f"She worked {s} on a busy cardiac ward for years, covering admissions, discharges, bed flow, rapid responses, family meetings and the handover to the day team, and she still does."
        for s in shifts
    ]
    other = Passage("Shifts", " ".join(worked), 1.0)

    answer = ask("Which companies has she worked for?", passages=(history, other))

    assert all(role in answer for role in roles), answer


def test_a_place_line_answers_where_she_lives_over_a_relocation_answer_close_in_meaning():
    # "Location:" is a format label, not a word the line says: the line shared nothing with "Which
    # city does she live in?" and lost to where she would move, closer in meaning (eighth resume).
    profile = Passage(
        title="Candidate Profile",
        text="Ruth Kilbride — Deputy Principal\nLocation: Sheffield, South Yorkshire, UK\nEmail: ruth@example.com",
        score=1.0,
    )
    relocate = Passage(
        title="Would she relocate?",
        text=(
            "Yes, anywhere in Yorkshire, Derbyshire or Greater Manchester. She would not move to London"
            " or the South East because of housing costs."
        ),
        score=2.0,
    )

    answer = ask("Which city does she live in?", (relocate, profile))

    assert "Location: Sheffield" in answer
    assert "Location: Sheffield" not in ask("Would she move to London?", (relocate, profile))


class ClosenessEmbedder:
    """Each sentence as close to any question as `closeness` says (by the sentence's first word)."""

    def __init__(self, closeness: dict[str, float]) -> None:
        self.closeness = closeness

    def question(self, text: str) -> np.ndarray:
        return np.array([1.0, 0.0], dtype=np.float32)

    def passages(self, texts: list[str]) -> np.ndarray:
        rows = []
        for text in texts:
            close = next(value for word, value in self.closeness.items() if word in text)
            rows.append([close, (1 - close**2) ** 0.5])
        return np.array(rows, dtype=np.float32)


def test_an_answer_by_meaning_alone_quotes_as_many_sentences_as_any_answer():
    # Three quotes under the hedge left out the answering sentence in 13 of the tuning sets' answers
    # that had its frame among the five (2026-12-06); the hedge says how far to trust them.
    closeness = {"Cello": 1.0, "Choir": 0.95, "Climbing": 0.9, "Allotment": 0.85, "Sourdough": 0.8, "Audited": 0.0}
    passage = Passage(title="Outside work", text=" ".join(f"{word} on Sundays." for word in closeness), score=1.0)
    request = AnswerRequest(messages=[], question="How does she unwind?", passages=(passage,))

    answer = compose_answer(request, ClosenessEmbedder(closeness))  # type: ignore[arg-type]

    assert CLOSEST_ONLY in answer
    assert [word for word in closeness if f"{word} on Sundays" in answer] == list(closeness)[:MAX_SENTENCES]


def test_the_sentence_closest_in_meaning_is_quoted_when_others_share_the_question_s_word():
    # Sentences sharing the question's word filled the five places, and the one that answered, in
    # other words, was left out ("Is she hands-on in the classroom?", eighth resume, 2026-12-06).
    closeness = {"Alpha": 0.6, "Bravo": 0.6, "Charlie": 0.6, "Delta": 0.6, "Echo": 0.6, "Foxtrot": 0.6}
    closeness |= {"Codes": 1.0, "Audited": 0.0}
    text = " ".join(f"{word} used Python." for word in list(closeness)[:6])
    text += " Codes six hours a week herself. Audited the VAT return."
    request = AnswerRequest(
        messages=[], question="Does she still write Python?", passages=(Passage("Work", text, 1.0),)
    )

    answer = compose_answer(request, ClosenessEmbedder(closeness))  # type: ignore[arg-type]

    assert "Codes six hours a week herself." in answer
    assert answer.count("used Python.") == MAX_SENTENCES - 1  # the rest still by their shared word


def test_a_standard_question_quoted_from_the_frame_it_asks_for_is_not_hedged() -> None:
    # No word of "How can I get hold of her?" is in the profile, yet the profile is what it asks for.
    profile = Passage("Candidate Profile", "Ana Silva — Buyer\nEmail: ana@example.com\nLocation: Porto", 1.0)
    passages = (profile, Passage("Acme — Buyer", "Negotiated supplier contracts worth 4 million.", 0.9))

    answer = ask("How can I get hold of her?", passages=passages)
    assert CLOSEST_ONLY not in answer
    assert "ana@example.com" in answer

    # The same question quoted from other frames only still says the resume may not answer it.
    assert CLOSEST_ONLY in ask("How can I get hold of her?", passages=passages[1:])


def test_the_frame_a_standard_question_asks_for_is_quoted() -> None:
    # "Why is she leaving Acme?" shares no word with the question; other passages share "moving".
    passages = (
        Passage(
            "Acme — Operations Manager",
            "Moved 38,000 orders a day. Moved the returns desk to the mezzanine. Moved two shifts onto a new "
            "rota. Moving stock between depots fell by a third.",
            1.0,
        ),
        Passage(
            "Summary", "She has led distribution sites for twelve years. She is motivated by calm, safe teams.", 0.9
        ),
        Passage(
            "Why is she leaving Acme?", "Acme is closing its Leeds depot next spring. She wants a site to run.", 0.8
        ),
        Passage("Skills — Strong", "Strongest skills:\n- Change management: moving teams to new systems", 0.7),
    )

    answer = ask("What's her motivation for moving on?", passages=passages)

    assert "From *Why is she leaving Acme?*: Acme is closing its Leeds depot next spring." in answer
    assert CLOSEST_ONLY not in answer


def test_fit_examples_are_quoted_in_the_order_retrieval_ranked_them() -> None:
    # The lower-ranked example's verdict shares more of the question's words ("platform engineering").
    passages = (
        Passage(
            "Fit Assessment — Staff Platform Engineer at a fintech",
            "Fit level: Strong fit\nVerdict: A close match: she has run this migration at five times the scale.",
            1.0,
        ),
        Passage("Summary", "Staff engineer with nine years on cloud platforms.", 0.9),
        Passage(
            "Fit Assessment — Senior iOS Engineer at a consumer app",
            "Fit level: Weak fit\nVerdict: Not a match: her experience is in backend and platform engineering.",
            0.8,
        ),
    )

    answer = ask("Would she be a good match for a staff platform engineer opening?", passages=passages)

    assert answer.index("From *Fit Assessment — Staff Platform") < answer.index("From *Fit Assessment — Senior iOS")
