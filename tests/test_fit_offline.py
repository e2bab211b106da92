"""The offline keyword-overlap assessment (app/fit/offline.py)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.fit.offline import LABEL, offline_assessment
from app.resume.profile import parse_profile
from app.retrieval.types import Passage
from tests.fakes import PROFILE

PASSAGES = [Passage("Experience — Cloudco", "Ran Kubernetes on AWS with Terraform and PostgreSQL.", 1.0)]
PROFILE_MODEL = parse_profile(json.dumps(PROFILE))


@pytest.mark.parametrize(
    ("job", "matched", "missing"),
    [
        (
            "Platform Engineer\nYou will run Kubernetes and AWS. Bonus: Rust and Kafka.",
            {"Kubernetes", "AWS"},
            {"Rust", "Kafka"},
        ),
        ("Data role\nWe need SQL, dbt and PostgreSQL; Airflow is a plus.", {"PostgreSQL"}, {"SQL", "Airflow"}),
        # Another script between Latin names separates them
        ("平台工程师\n需要在AWS上运行Kubernetes集群，熟悉Rust。", {"Kubernetes", "AWS"}, {"Rust"}),  # noqa: RUF001
        # A script without capitals starts no sentence with one: a name after its marks counts
        (
            "求人\n募集しています。AWS、Kubernetesの経験が必須です。Rustの経験\uff1aKafka",
            {"Kubernetes", "AWS"},
            {"Rust", "Kafka"},
        ),
        # Written in lower case: a candidate's own skill, or a name with a digit, is still a term;
        # a numeronym names the word it shortens (k8s: k, 8 letters, s)
        ("Platform role\nstack: k8s, kubernetes, kafka", {"kubernetes", "k8s"}, set()),
    ],
)
def test_terms_are_split_into_matches_and_gaps(job: str, matched: set[str], missing: set[str]) -> None:
    result = offline_assessment(job, PASSAGES, PROFILE_MODEL)
    found = {m.split(" (")[0] for m in result.key_matches}
    gaps = {g.split(" (")[0] for g in result.gaps}
    assert matched <= found
    assert missing <= gaps
    assert not found & gaps


def test_a_term_the_resume_mentions_is_never_called_a_gap_however_many_match() -> None:
    tools = [
        "Kubernetes",
        "Terraform",
        "PostgreSQL",
        "Kafka",
        "Grafana",
        "Prometheus",
        "Ansible",
        "Jenkins",
        "Redis",
        "Go",
    ]
    resume = [Passage("Experience — Cloudco", "Ran " + ", ".join(tools) + ".", 1.0)]
    job = "Platform Engineer\nYou will use " + ", ".join(tools) + " and Rust every day."

    result = offline_assessment(job, resume, None)

    gaps = {g.split(" (")[0] for g in result.gaps}
    assert gaps == {"Rust"}  # the matches past the 8 listed were reported as gaps
    assert "10 of the job's 11 key terms" in result.verdict


def test_a_term_the_requirement_passages_miss_is_searched_for_before_it_is_called_a_gap() -> None:
    searched: list[str] = []

    def look_up(term: str) -> list[Passage]:
        searched.append(term)
        return [Passage("Languages", "Dutch (professional working proficiency).", 1.0)] if term == "Dutch" else []

    result = offline_assessment("Account Manager\nYou speak Dutch and use Salesforce on AWS.", PASSAGES, None, look_up)

    assert {m.split(" (")[0] for m in result.key_matches} == {"AWS", "Dutch"}
    assert [g.split(" (")[0] for g in result.gaps] == ["Salesforce"]
    assert sorted(searched) == ["Dutch", "Salesforce"]  # only what the passages did not mention


def test_what_the_candidate_lacks_is_no_mention_of_it() -> None:
    passages = [
        *PASSAGES,
        Passage("Skills — Gaps", "Known gaps:\n- Rust: never used professionally.", 0.9),
        Passage("Fit Assessment — Payments role", "Gaps: No PCI DSS compliance experience.", 0.8),
    ]

    result = offline_assessment("Payments Engineer\nWe need Rust and PCI DSS on AWS.", passages, None)

    found = {m.split(" (")[0] for m in result.key_matches}
    assert "AWS" in found
    assert not found & {"Rust", "PCI", "DSS", "PCI DSS"}


def test_it_is_labelled_and_names_the_known_gaps() -> None:
    result = offline_assessment(
        "Mainframe Engineer\nMaintain COBOL batch jobs on z/OS for a bank.", PASSAGES, PROFILE_MODEL
    )
    assert result.verdict.startswith(LABEL)
    assert "COBOL (listed among the resume's gaps)" in result.gaps  # the profile's gaps name it
    assert "little overlap" in result.verdict
    assert "No language model is configured" in result.recommendation


def test_a_term_the_gaps_list_names_in_a_note_is_listed_there_not_unfound() -> None:
    # As ingest stores it: the profile holds the gap's name, its frame the note.
    skills = PROFILE_MODEL.skills.model_copy(update={"gaps": ["Cloud"]})
    profile = PROFILE_MODEL.model_copy(update={"skills": skills})
    gaps_frame = Passage("Skills — Gaps", "Skill gaps: weaknesses:\n- Cloud: no AWS or Azure", 0.5)

    result = offline_assessment(
        "Platform Engineer\nRun our Azure estate and our Fortran jobs.", [*PASSAGES, gaps_frame], profile
    )

    assert "Azure (listed among the resume's gaps)" in result.gaps
    assert "Fortran (not found in the resume)" in result.gaps


def test_a_known_gap_is_a_word_of_the_job_not_part_of_one_and_is_listed_once() -> None:
    skills = PROFILE_MODEL.skills.model_copy(update={"gaps": ["Rust", "COBOL"]})
    profile = PROFILE_MODEL.model_copy(update={"skills": skills})

    result = offline_assessment(
        "Mainframe Engineer\nA trustworthy engineer for COBOL batch jobs; Cobol copybooks too.", PASSAGES, profile
    )

    assert not [gap for gap in result.gaps if gap.startswith("Rust")]  # "trustworthy" names no Rust
    assert [gap for gap in result.gaps if gap.casefold().startswith("cobol")] == [
        "COBOL (listed among the resume's gaps)"
    ]


def test_a_job_without_skill_names_says_so() -> None:
    result = offline_assessment("Helper\nyou will help us with many things every day, and more.", [], None)
    assert "names no skills or tools" in result.verdict
    assert result.key_matches == result.gaps == []


def test_an_endless_term_is_not_a_skill_and_breaks_nothing() -> None:
    # A tracking link is one "term" (dots and slashes are kept for Node.js, CI/CD); a
    # slash-joined list is read item by item. Offline, such a job once failed the answer's own
    # 600-character limit.
    link = "careers.example.com/jobs/platform?ref=" + "a1b2c3d4e5" * 65
    stack = "/".join(["Go", "Rust", "Kafka"] * 120)

    result = offline_assessment(
        f"Platform Engineer\nApply at {link}. Stack: {stack}. We run Kubernetes.", PASSAGES, None
    )

    assert result.key_matches == ["Kubernetes (mentioned in the resume)"]
    assert result.gaps == [f"{name} (not found in the resume)" for name in ("Go", "Rust", "Kafka")]


def test_a_long_known_gap_from_the_resume_is_shortened_not_fatal() -> None:
    gap = "Mainframe " + "work " * 200
    profile = PROFILE_MODEL.model_copy(update={"skills": PROFILE_MODEL.skills.model_copy(update={"gaps": [gap]})})

    result = offline_assessment(f"Platform Engineer\nWe need {gap}.", PASSAGES, profile)

    assert result.gaps[0].startswith("Mainframe work work")
    assert result.gaps[0].endswith("… (listed among the resume's gaps)")
    assert all(len(line) <= 600 for line in result.gaps)


# Job descriptions made of skill-like pieces, separators and arbitrary text, within the 20,000
# characters the endpoint accepts.
JOB_PIECES = st.one_of(
    st.sampled_from(
        ["Kubernetes", "C++", "CI/CD", "Node.js", "AWS", "COBOL", "/", ".", "-", "\n", " ", "• ", "A" * 700]
    ),
    st.text(max_size=80),
)


@settings(max_examples=300, deadline=2000)
@given(job=st.lists(JOB_PIECES, max_size=200).map("".join).map(lambda text: text[:20_000]))
def test_any_job_description_gets_an_offline_assessment(job: str) -> None:
    result = offline_assessment(job, PASSAGES, PROFILE_MODEL)

    assert result.verdict.startswith(LABEL)
    assert not {m.split(" (")[0] for m in result.key_matches} & {g.split(" (")[0] for g in result.gaps}


def test_a_known_gap_shown_is_not_repeated_word_by_word() -> None:
    skills = PROFILE_MODEL.skills.model_copy(update={"gaps": ["Java and Spring"]})
    profile = PROFILE_MODEL.model_copy(update={"skills": skills})

    result = offline_assessment("Backend Engineer\nWe build in Java and Spring on AWS.", PASSAGES, profile)

    assert result.gaps == ["Java and Spring (listed among the resume's gaps)"]
    assert result.key_matches == ["AWS (mentioned in the resume)"]


NUMBERED_JOB = "Compliance Lead\nYou champion WCAG 2.2 AA, run ISO 27001 and PCI DSS v4, hold the 18th Edition."


@pytest.mark.parametrize(
    ("job", "resume", "matched", "missing"),
    [
        (
            NUMBERED_JOB,
            "Audited WCAG 2.2 AA; certified ISO 27001:2022; PCI DSS v4 audits; 18th Edition BS 7671.",
            {"WCAG 2.2 AA", "ISO 27001", "PCI DSS v4", "18th Edition"},
            set(),
        ),
        # The same names with other numbers are other standards, versions, editions.
        (
            NUMBERED_JOB,
            "Audited WCAG 2.1 AA; certified ISO 9001; PCI DSS v3 audits; 17th Edition BS 7671.",
            set(),
            {"WCAG 2.2 AA", "ISO 27001", "PCI DSS v4", "18th Edition"},
        ),
        # A dotted version is words of its own: five words side by side.
        (
            "Designer\nYou meet WCAG 2.2 Level AA.",
            "Met WCAG 2.2 Level AA on every screen.",
            {"WCAG 2.2 Level AA"},
            set(),
        ),
    ],
)
def test_a_term_with_a_number_matches_that_number_only(
    job: str, resume: str, matched: set[str], missing: set[str]
) -> None:
    result = offline_assessment(job, [Passage("Certifications", resume, 1.0)], None)

    assert {m.split(" (")[0] for m in result.key_matches} == matched
    assert {g.split(" (")[0] for g in result.gaps} == missing


def test_a_place_written_with_based_is_the_setting_not_a_term() -> None:
    result = offline_assessment(
        "Platform Engineer\nJoin a Bristol-based team running Kubernetes on AWS-based infrastructure.",
        [Passage("Experience — Cloudco", "Ran Kubernetes on AWS in Bristol.", 1.0)],
        PROFILE_MODEL,
    )

    assert [m.split(" (")[0] for m in result.key_matches] == ["Kubernetes", "AWS"]
    assert result.gaps == []


def test_a_known_gap_the_job_asks_for_in_its_own_words_is_listed() -> None:
    skills = PROFILE_MODEL.skills.model_copy(update={"gaps": ["Industrial three-phase motors"]})
    profile = PROFILE_MODEL.model_copy(update={"skills": skills})

    asked = offline_assessment("Electrician\nRewires. Three-phase industrial experience desirable.", [], profile)
    # One word of the gap in common is not the gap: industrial estates need no three-phase motors.
    not_asked = offline_assessment("Electrician\nRewires on industrial estates. Phase one in May.", [], profile)

    assert asked.gaps == ["Industrial three-phase motors (listed among the resume's gaps)"]
    assert not_asked.gaps == []


@pytest.mark.parametrize(
    ("job", "said"),
    [
        # One name the resume mentions, of one the ad named: no "strong overlap" can rest on that
        (
            "Cloud role\nYou will look after our servers on AWS and talk to customers every day.",
            "1 of the job's 1 key term appears",
        ),
        (
            "Cloud role\nYou will look after our servers with Rust and talk to customers every day.",
            "0 of the job's 1 key term appear",
        ),
    ],
)
def test_too_few_terms_rate_no_overlap(job: str, said: str) -> None:
    result = offline_assessment(job, PASSAGES, PROFILE_MODEL)

    assert result.verdict == f"{LABEL}: too few terms to rate the overlap — {said} in the resume."
