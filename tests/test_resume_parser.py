"""The resume parser: the profile of SPEC §3, the frames, and every malformed input it names."""

from __future__ import annotations

import textwrap

import pytest

from app.config import EXAMPLE_RESUME
from app.resume import ResumeFormatError, parse_resume
from app.resume.blocks import plain
from app.resume.frame_parts import MAX_STORED_CHARS

PROFILE_KEYS = [
    "name",
    "title",
    "email",
    "linkedin",
    "location",
    "status",
    "suggested_questions",
    "tags",
    "experience",
    "skills",
    "fit_assessment_examples",
    "system_prompt",
]
FIT_KEYS = ["title", "fit_level", "role", "job_description", "verdict", "key_matches", "gaps", "recommendation"]

SMALL = """\
---
name: Ada Example
title: Platform Engineer
tags: [aws, kubernetes]
---
# Ada Example

## Summary
Builds platforms.

## Experience
Mostly infrastructure work.

### Cloudco — Platform Engineer
Period: 2020-2024
Location: Remote
Tags: aws, kubernetes ,
- Ran Kubernetes on AWS.
- Cut costs
  by a third.
Situation: A slow deploy pipeline
that everyone hated.
Technical work: Terraform and Argo CD.

## Skills
### Strong
- Kubernetes: six years
- Terraform
### Gaps
- COBOL: never

## FAQ
### Is she open to remote work?
Yes.

## Fit Assessment Examples
### Platform lead at a bank
Fit level: Strong
Verdict: Good match.

## Code
```
## not a heading
```
"""


def parse(text: str):
    return parse_resume(textwrap.dedent(text))


def test_example_resume_profile_has_the_spec_shape():
    profile = parse_resume(EXAMPLE_RESUME.read_text(encoding="utf-8")).profile.model_dump()

    assert list(profile) == PROFILE_KEYS
    for key in ["name", "title", "email", "linkedin", "location", "status", "system_prompt"]:
        assert isinstance(profile[key], str)
        assert profile[key]
    assert len(profile["suggested_questions"]) >= 5
    assert all(isinstance(tag, str) for tag in profile["tags"])
    assert len(profile["experience"]) >= 4
    for entry in profile["experience"]:
        assert list(entry) == ["company", "role", "period", "location", "tags", "highlights", "ai_context"]
        assert all(entry[key] for key in ["company", "role", "period", "location", "tags", "highlights"])
        assert list(entry["ai_context"]) == ["situation", "approach", "technical_work", "lessons_learned"]
        assert all(entry["ai_context"].values())
    assert set(profile["skills"]) == {"strong", "moderate", "gaps"}
    assert all(profile["skills"].values())
    assert len(profile["fit_assessment_examples"]) == 2
    for example in profile["fit_assessment_examples"]:
        assert list(example) == FIT_KEYS
        assert all(isinstance(value, str) and value for value in example.values())


def test_example_resume_frames():
    frames = parse_resume(EXAMPLE_RESUME.read_text(encoding="utf-8")).frames
    titles = [frame.title for frame in frames]
    labels = {frame.label for frame in frames}

    assert len(titles) == len(set(titles))
    assert {"Candidate Profile", "Summary", "Experience", "Education", "Skills — Gaps"} <= set(titles)
    assert "Northwind Freight Labs — Staff Platform Engineer" in titles
    assert "Does she need visa sponsorship?" in titles
    assert sum(frame.label == "faq" for frame in frames) >= 6
    assert labels == {"profile", "section", "experience", "skills", "faq", "fit_assessment"}
    assert all(frame.text.strip() for frame in frames)


def test_small_resume_profile_values():
    profile = parse(SMALL).profile.model_dump()

    assert profile["name"] == "Ada Example"
    assert profile["email"] == ""
    assert profile["status"] == ""
    assert profile["system_prompt"] == ""
    assert profile["suggested_questions"] == []
    assert profile["tags"] == ["aws", "kubernetes"]
    assert profile["experience"] == [
        {
            "company": "Cloudco",
            "role": "Platform Engineer",
            "period": "2020-2024",
            "location": "Remote",
            "tags": ["aws", "kubernetes"],
            "highlights": ["Ran Kubernetes on AWS.", "Cut costs by a third."],
            "ai_context": {
                "situation": "A slow deploy pipeline that everyone hated.",
                "approach": "",
                "technical_work": "Terraform and Argo CD.",
                "lessons_learned": "",
            },
        }
    ]
    assert profile["skills"] == {"strong": ["Kubernetes", "Terraform"], "moderate": [], "gaps": ["COBOL"]}
    assert profile["fit_assessment_examples"] == [
        {
            "title": "Platform lead at a bank",
            "fit_level": "Strong",
            "role": "",
            "job_description": "",
            "verdict": "Good match.",
            "key_matches": "",
            "gaps": "",
            "recommendation": "",
        }
    ]


def test_front_matter_numbers_and_dates_are_text_and_blanks_are_dropped():
    text = "---\nname: ' Ada '\ntitle: 2024\nstatus: 2027-03-01\nemail:\ntags: [k8s, 3, '', null]\n---\n## A\ntext\n"

    profile = parse_resume(text).profile

    assert (profile.name, profile.title, profile.status, profile.email) == ("Ada", "2024", "2027-03-01", "")
    assert profile.tags == ["k8s", "3"]


def test_small_resume_frames():
    frames = {frame.title: frame for frame in parse(SMALL).frames}

    assert list(frames) == [
        "Candidate Profile",
        "Summary",
        "Experience",
        "Cloudco — Platform Engineer",
        "Skills — Strong",
        "Skills — Gaps",
        "Is she open to remote work?",
        "Fit Assessment — Platform lead at a bank",
        "Code",
    ]
    assert frames["Candidate Profile"].text == "Ada Example — Platform Engineer"
    assert frames["Experience"].text == (
        "Mostly infrastructure work.\n"
        "Work history: the companies worked for and the roles held there, with periods and places:\n"
        "- Cloudco — Platform Engineer (2020-2024; Remote)"
    )
    assert frames["Cloudco — Platform Engineer"].tags == ("aws", "kubernetes")
    assert frames["Cloudco — Platform Engineer"].text.startswith("Period: 2020-2024")
    assert frames["Skills — Gaps"].text.endswith("- COBOL: never")
    # The lead says which group this is and claims nothing the resume does not: "deep production
    # experience" was quoted as a nurse's or a professor's own words.
    assert frames["Skills — Strong"].text.splitlines()[0] == "Strongest skills:"
    assert frames["Is she open to remote work?"].text == "Yes."
    assert "## not a heading" in frames["Code"].text


def test_line_endings_and_bom_do_not_matter():
    crlf = "\ufeff" + SMALL.replace("\n", "\r\n")

    assert parse_resume(crlf) == parse_resume(SMALL)


def test_unicode_line_separator_is_text_not_a_line_break():
    # A U+2028 inside a paragraph must not shift the line numbers of later errors.
    text = "---\nname: A\n---\n## Summary\nOne\u2028two\n## Experience\n### No dash here\n"

    with pytest.raises(ResumeFormatError) as caught:
        parse_resume(text)

    assert caught.value.line == 7


def test_profile_json_keeps_unicode():
    document = parse_resume(SMALL.replace("name: Ada Example", "name: Zoë Ørsted"))

    assert '"name":"Zoë Ørsted"' in document.profile_json()


MALFORMED = [
    ("empty file", "", 1, "the file is empty"),
    ("blank file", "  \n\n", 1, "the file is empty"),
    ("no front matter", "# Ada\n## Summary\ntext\n", 1, "missing YAML front matter"),
    ("unclosed front matter", "---\nname: Ada\n## Summary\ntext\n", 1, "never closed"),
    ("invalid YAML", "---\nname: Ada\ntags: [aws\n---\n## A\ntext\n", 3, "invalid YAML"),
    (
        "unclosed list before another field",
        "---\nname: Ada\ntags: [aws\nemail: x\n---\n## A\ntext\n",
        3,
        "invalid YAML",
    ),
    ("bad YAML indentation", "---\nname: Ada\n  title: x\n---\n## A\ntext\n", 3, "invalid YAML"),
    ("front matter is a list", "---\n- name\n- Ada\n---\n## A\ntext\n", 2, "must be a mapping"),
    ("front matter is text", "---\njust words\n---\n## A\ntext\n", 2, "must be a mapping"),
    ("empty front matter", "---\n---\n## A\ntext\n", 1, "front matter is empty"),
    ("tags not a list", "---\nname: Ada\ntags: aws, k8s\n---\n## A\ntext\n", 3, "'tags' must be a list"),
    (
        "questions a mapping",
        "---\nname: Ada\nsuggested_questions:\n  q: why\n---\n## A\ntext\n",
        3,
        "'suggested_questions' must be a list",
    ),
    ("list item not text", "---\nname: Ada\ntags:\n  - {a: 1}\n---\n## A\ntext\n", 3, "'tags[0]' must be text"),
    ("name is a list", "---\nname: [Ada, Lovelace]\n---\n## A\ntext\n", 2, "'name' must be text"),
    ("status is a boolean", "---\nname: Ada\nstatus: no\n---\n## A\ntext\n", 3, "'status' must be text"),
    ("no sections", "---\nname: Ada\n---\nJust a paragraph.\n", 4, "no '## ' sections"),
    ("nothing to search", "---\ntags: [a]\n---\n## Empty\n\n## Also empty\n", 4, "hold no text"),
    ("empty heading", "---\nname: Ada\n---\n## Summary\ntext\n##   \nmore\n", 6, "empty '##' heading"),
    ("duplicate section", "---\nname: Ada\n---\n## Summary\na\n## summary\nb\n", 6, "appears twice"),
    (
        "experience without a separator",
        "---\nname: Ada\n---\n## Experience\n### Cloudco Engineer\n- did things\n",
        5,
        "must read 'Company — Role'",
    ),
    (
        "experience with an unspaced hyphen",
        "---\nname: Ada\n---\n## Experience\n### Cloudco-Engineer\n- did things\n",
        5,
        "'### Cloudco-Engineer' (line 5)",
    ),
    ("experience without role", "---\nname: Ada\n---\n## Experience\n### Cloudco —\n", 5, "'Company — Role'"),
    (
        "duplicate field",
        "---\nname: Ada\n---\n## Experience\n### A — B\nPeriod: 2020\nPeriod: 2021\n",
        7,
        "'Period:' appears twice",
    ),
    ("unknown skills group", "---\nname: Ada\n---\n## Skills\n### Expert\n- Go\n", 5, "unknown skills group"),
    ("duplicate skills group", "---\nname: Ada\n---\n## Skills\n### Strong\n- Go\n### strong\n- C\n", 7, "twice"),
    ("FAQ without answer", "---\nname: Ada\n---\n## FAQ\n### Why?\n\n### How?\nLike so.\n", 5, "has no answer"),
    ("unclosed code fence", "---\nname: Ada\n---\n## Summary\n```\ncode\n## Experience\ntext\n", 5, "never closed"),
    (
        "duplicate frame title",
        "---\nname: Ada\n---\n## Education\nMSc.\n## FAQ\n### Education\nSee above.\n",
        7,
        "used twice",
    ),
]


@pytest.mark.parametrize(("text", "line", "problem"), [case[1:] for case in MALFORMED], ids=[c[0] for c in MALFORMED])
def test_malformed_resume_names_line_and_problem(text, line, problem):
    with pytest.raises(ResumeFormatError) as caught:
        parse_resume(text)

    assert caught.value.line == line
    assert str(caught.value).startswith(f"line {line}: ")
    assert problem in str(caught.value)


def long_entry(bullets: int) -> str:
    lines = [
        f"- Led improvement project {n}: cut dock-to-stock time at site {n} from two days to six hours."
        for n in range(bullets)
    ]
    return (
        "---\nname: Ada\n---\n## Experience\n### Cloudco — Site Manager\nPeriod: 2020 - 2024\n"
        + "\n".join(lines)
        + "\n"
    )


def test_a_long_entry_is_cut_into_parts_that_memvid_stores_whole():
    document = parse_resume(long_entry(60))  # about 5,600 characters in one job entry

    parts = [frame for frame in document.frames if frame.title.startswith("Cloudco — Site Manager")]
    count = len(parts)
    assert count == 3
    assert [frame.title for frame in parts] == ["Cloudco — Site Manager"] + [
        f"Cloudco — Site Manager (part {n} of {count})" for n in range(2, count + 1)
    ]
    assert all(len(frame.title) + 2 + len(frame.text) <= MAX_STORED_CHARS for frame in parts)
    entry_text = long_entry(60).split("### Cloudco — Site Manager\n")[1]
    assert "\n".join(frame.text for frame in parts).split() == entry_text.split()  # nothing lost or added
    assert {frame.label for frame in parts} == {"experience"}
    assert len(document.profile.experience[0].highlights) == 60  # the profile is not cut


def test_a_long_line_without_spaces_or_sentence_ends_is_cut_by_count():
    document = parse_resume("---\nname: Ada\n---\n## 简介\n" + "工作经验丰富" * 1000 + "\n")

    parts = [frame for frame in document.frames if frame.title.startswith("简介")]
    assert len(parts) == 4
    assert "".join(frame.text for frame in parts) == "工作经验丰富" * 1000
    assert all(len(frame.title) + 2 + len(frame.text) <= MAX_STORED_CHARS for frame in parts)


def test_a_return_to_a_former_employer_in_the_same_role_is_told_apart_by_its_period():
    text = "---\nname: Ada\n---\n## Experience\n### Cloudco — SRE\nPeriod: 2015 - 2017\n- a\n### Cloudco — SRE\nPeriod: 2020 - now\n- b\n"

    titles = [frame.title for frame in parse_resume(text).frames]

    assert titles[-2:] == ["Cloudco — SRE", "Cloudco — SRE (2020 - now)"]


def test_a_heading_too_long_to_be_a_title_names_its_line():
    with pytest.raises(ResumeFormatError) as caught:
        parse_resume("---\nname: Ada\n---\n## Summary\ntext\n## " + "Long " * 70 + "\nmore\n")

    assert caught.value.line == 6
    assert "at most 300" in caught.value.problem


def test_a_table_or_a_paragraph_after_the_bullets_is_not_glued_onto_the_last_highlight():
    text = (
        "---\nname: Ada\n---\n## Experience\n### Kestrel — Designer\n"
        "- Redesigned onboarding\n  for phones.\n- Built the design system.\n\n"
        "| Metric | Before | After |\n|---|---|---|\n| Completion | 54% | 81% |\n\n"
        "A closing paragraph that is\nnot a highlight.\n"
        "Situation: a slow flow\nthat people abandoned.\n\nLater prose.\n"
    )

    document = parse_resume(text)

    entry = document.profile.experience[0]
    assert entry.highlights == ["Redesigned onboarding for phones.", "Built the design system."]
    assert entry.ai_context.situation == "a slow flow that people abandoned."
    kept = next(frame for frame in document.frames if frame.title == "Kestrel — Designer").text
    assert "Metric: Completion; Before: 54%; After: 81%" in kept  # still searchable, as labelled cells
    assert "Later prose." in kept


def test_an_indented_line_after_a_blank_line_still_continues_its_bullet():
    text = "---\nname: Ada\n---\n## Skills\n### Strong\n- Python: ten years\n\n  mostly data work\n\nUnrelated note.\n"

    assert parse_resume(text).profile.skills.strong == ["Python"]
    entry = "---\nname: Ada\n---\n## Experience\n### A — B\n- Led a team\n\n  of six.\n"
    assert parse_resume(entry).profile.experience[0].highlights == ["Led a team of six."]


def test_bold_or_italic_labels_are_read_as_labels():
    text = "---\nname: Ada\n---\n## Experience\n### A — B\n**Period:** 2020 - now\n__Location__: Berlin\n*Tags:* x, y\n"

    entry = parse_resume(text).profile.experience[0]

    assert (entry.period, entry.location, entry.tags) == ("2020 - now", "Berlin", ["x", "y"])


def test_profile_values_read_as_words_without_their_markdown_and_numbered_items_are_highlights():
    text = (
        "---\nname: Ada\n---\n## Experience\n### [Acme Corp](https://acme.example) — **Staff Engineer**\n"
        "*Tags:* go, grpc\n1. Built the [billing service](https://acme.example/billing) in `Go`.\n"
        "2) Cut p99 latency by 40%.\n- Kept snake_case_names and C++ as written.\n"
        "## Skills\n### Strong\n- [Kubernetes](https://k8s.io): CKA\n- **Go**\n- `gRPC`: streaming\n"
    )

    document = parse_resume(text)

    entry = document.profile.experience[0]
    assert (entry.company, entry.role, entry.tags) == ("Acme Corp", "Staff Engineer", ["go", "grpc"])
    assert entry.highlights == [
        "Built the billing service in Go.",
        "Cut p99 latency by 40%.",
        "Kept snake_case_names and C++ as written.",
    ]
    assert document.profile.skills.strong == ["Kubernetes", "Go", "gRPC"]
    frame = next(frame for frame in document.frames if frame.title == "Acme Corp — Staff Engineer")
    assert "[billing service](https://acme.example/billing)" in frame.text  # the LLM still reads the link


@pytest.mark.parametrize(
    ("written", "read"),
    [
        (
            "[Build Guide (Unity)](https://en.wikipedia.org/wiki/Unity_(game_engine)) for onboarding",
            "Build Guide (Unity) for onboarding",
        ),
        ("Interview (see [notes](https://n.example.com/a_(b)))", "Interview (see notes)"),
        (r"\*literal asterisks\* kept", "*literal asterisks* kept"),
        ("<https://example.com/x_y>", "https://example.com/x_y"),
        ("`__init__` and **bold**", "__init__ and bold"),
        (
            "snake_case_name, C++, C#, .NET, a 5* hotel, my_var * your_var",
            "snake_case_name, C++, C#, .NET, a 5* hotel, my_var * your_var",
        ),
    ],
)
def test_inline_markdown_reads_as_its_words_and_nothing_else_changes(written, read):
    assert plain(written) == read


def test_a_fit_example_title_reads_as_words_too():
    text = "---\nname: Ada\n---\n## Fit Assessment Examples\n### **Systems** role at [Foo](https://foo.example)\nFit level: Strong fit\n"

    document = parse_resume(text)

    assert document.profile.fit_assessment_examples[0].title == "Systems role at Foo"
    assert "Fit Assessment — Systems role at Foo" in {frame.title for frame in document.frames}


def test_a_key_given_twice_in_the_front_matter_is_refused_at_its_second_line():
    with pytest.raises(ResumeFormatError) as raised:
        parse_resume("---\nname: Ann Lee\ntitle: Nurse\nname: Bob Roe\n---\n## Summary\nNurse.\n")

    assert raised.value.line == 4
    assert raised.value.problem == "'name' is given twice (first on line 2)"


def test_a_quote_never_closed_is_named_by_the_line_that_opens_it():
    with pytest.raises(ResumeFormatError) as raised:
        parse_resume('---\nname: Ann\ntitle: "Nurse\nemail: a@b.org\ntags:\n  - x\n---\n## Summary\nNurse.\n')

    assert raised.value.line == 3
    assert "quote opened here is never closed" in raised.value.problem


def test_front_matter_values_lose_their_markdown_and_links_give_their_address():
    document = parse_resume(
        "---\nname: '*Ana* Berg'\ntitle: '**Senior** UX Researcher'\n"
        "linkedin: '[LinkedIn](https://www.linkedin.com/in/ana_berg_x)'\nemail: '<mailto:ana@example.org>'\n"
        "location: 'Brno, [CZ](https://example.org) <!-- old office -->'\ntags: ['`python`']\n---\n## Summary\nResearcher.\n"
    )

    profile = document.profile
    assert (profile.name, profile.title, profile.location) == ("Ana Berg", "Senior UX Researcher", "Brno, CZ")
    assert (profile.linkedin, profile.email) == ("https://www.linkedin.com/in/ana_berg_x", "ana@example.org")
    assert profile.tags == ["python"]
    assert frame_of(document, "Candidate Profile").startswith("Ana Berg — Senior UX Researcher\n")


def frame_of(document, title: str) -> str:
    return next(frame.text for frame in document.frames if frame.title == title)


@pytest.mark.parametrize(
    ("heading", "spec_name"), [("Work Experience", "Experience"), ("Frequently asked questions", "FAQ")]
)
def test_a_structured_section_under_another_name_is_kept_as_text_with_a_note(heading, spec_name):
    document = parse(f"---\nname: A\n---\n## {heading}\n### Acme — Engineer\nPeriod: 2020\n- Shipped things.\n")

    assert document.profile.experience == []
    assert [frame.title for frame in document.frames][-1] == heading  # kept whole, nothing refused
    assert document.notes == (
        f"line 4: '## {heading}' is read as an ordinary section; name it '## {spec_name}' "
        "for the structure SPEC §10 gives that section",
    )


def test_a_label_heading_or_key_one_slip_away_from_the_format_is_noted_not_refused():
    # Each was read as text silently: the job lost its period, the fit example its matches, the
    # page its suggested questions, and a misspelt Experience section every job.
    document = parse(
        "---\nname: A\nsuggested_question:\n  - Q?\n---\n"
        "## Experience\n### Acme — Engineer\nPeroid: 2020\nDates: 2019\n- Led migration: moved 40 services.\n"
        "## Fit Assessment Examples\n### Lead\nKey Matchs: Python\nRole model: none\n"
        "## Experiance\nText.\n## Volunteering\nRole: helper\n"
    )

    assert document.notes == (
        "line 3: the front-matter key 'suggested_question' is not a profile field and is ignored; "
        "did you mean 'suggested_questions'?",
        "line 8: 'Peroid:' is read as text; the label is 'Period:'",
        "line 9: 'Dates:' is read as text; the label is 'Period:'",
        "line 13: 'Key Matchs:' is read as text; the label is 'Key matches:'",
        "line 15: '## Experiance' is read as an ordinary section; name it '## Experience' "
        "for the structure SPEC §10 gives that section",
    )


EN_DASH = "\u2013"  # what an editor puts for a typed " - "


@pytest.mark.parametrize(
    ("heading", "company", "role"),
    [
        ("Acme Corp - Engineer", "Acme Corp", "Engineer"),
        (f"Initech {EN_DASH} Analyst", "Initech", "Analyst"),
        ("Rolls-Royce - Senior Engineer - Aero", "Rolls-Royce", "Senior Engineer - Aero"),
        (f"Hewlett-Packard - Intern {EN_DASH} Labs", "Hewlett-Packard - Intern", "Labs"),
    ],
)
def test_a_spaced_en_dash_or_hyphen_separates_company_and_role_with_a_note(heading, company, role):
    document = parse(f"---\nname: A\n---\n## Experience\n### {heading}\nPeriod: 2020\n- Shipped things.\n")

    entry = document.profile.experience[0]
    assert (entry.company, entry.role, entry.period) == (company, role, "2020")
    assert f"{company} — {role}" in [frame.title for frame in document.frames]
    assert document.notes == (
        f"line 5: '### {heading}' is read as '{company} — {role}'; the format's separator is an em dash ('—')",
    )


def test_every_experience_heading_without_a_separator_is_named_in_one_error():
    # One refusal per run cost the author an edit-and-rerun round per heading.
    with pytest.raises(ResumeFormatError) as raised:
        parse(
            "---\nname: A\n---\n## Experience\n### Acme - Engineer\n- a\n### Umbrella Corp\n- b\n"
            "### Globex — Lead\n- c\n### Initech —\n- d\n### Cyberdyne-Researcher\n- e\n"
        )

    assert raised.value.line == 7
    assert raised.value.problem.endswith(
        "these do not: '### Umbrella Corp' (line 7), '### Initech —' (line 11), '### Cyberdyne-Researcher' (line 13)"
    )


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("[What certifications does Tomasz hold?]", "but got '?' in the [...] opened on this line"),
        ("{why: Because? yes}", "but got '?' in the {...} opened on this line"),
        ("[Why, When", "in the [...] opened on this line: is its ']' missing?"),
    ],
)
def test_invalid_yaml_inside_brackets_says_how_to_write_the_value(value, problem):
    with pytest.raises(ResumeFormatError) as raised:
        parse_resume(f"---\nname: Tomasz\nsuggested_questions: {value}\n---\n## Summary\nElectrician.\n")

    assert raised.value.line == 3
    assert raised.value.problem.startswith("invalid YAML in the front matter: expected ',' or ")
    assert problem in raised.value.problem
    assert raised.value.problem.endswith(
        "quote each value (['What does she hold?']) or write the list as lines that start with '- '"
    )
