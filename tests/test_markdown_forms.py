"""Markdown a resume may use beyond what SPEC §10 names: read as a markdown author means it."""

from __future__ import annotations

import pytest

from app.llm.offline import compose_answer
from app.llm.types import AnswerRequest
from app.resume import ResumeFormatError, parse_resume
from app.retrieval.types import Passage
from app.text.passage_lines import restore_lines

HEAD = "---\nname: Ana Berg\ntitle: ICU Nurse\n---\n"


def frame_text(document, title: str) -> str:
    return next(frame.text for frame in document.frames if frame.title == title)


def test_html_comments_are_hidden_everywhere_as_rendered_markdown_hides_them():
    text = HEAD + (
        "## Summary\nICU nurse with ten years of experience.\n"
        "<!-- Private note: my salary floor is NOK 700,000. -->\n"
        "Calm under pressure. <!-- inline aside --> Loves teaching.\n"
        "## Experience\n<!--\n### Acme Clinic — Nurse\nPeriod: 2011 - 2013\n- Dismissed after an inquiry.\n-->\n"
        "### Oslo Hospital — ICU Nurse\nPeriod: 2016 - present\n- Ran night shifts.\n"
    )

    document = parse_resume(text)

    everything = " ".join(f"{frame.title} {frame.text}" for frame in document.frames) + document.profile_json()
    for hidden in ("700,000", "Acme", "Dismissed", "<!--", "-->", "inline aside"):
        assert hidden not in everything
    assert "Calm under pressure. Loves teaching." in frame_text(document, "Summary")
    assert [entry.company for entry in document.profile.experience] == ["Oslo Hospital"]


def test_a_comment_never_closed_is_named_by_the_line_that_opens_it():
    text = HEAD + "## Summary\nNurse.\n<!-- draft\n## Education\nBSc.\n"

    with pytest.raises(ResumeFormatError) as raised:
        parse_resume(text)

    assert raised.value.line == 7
    assert "never closed" in raised.value.problem


def test_a_comment_inside_a_code_fence_is_text():
    text = HEAD + "## Summary\nNurse.\n```\n<!-- shown as written -->\n```\n"

    assert "<!-- shown as written -->" in frame_text(parse_resume(text), "Summary")


@pytest.mark.parametrize("marker", ["*", "+", "1.", "2)", "\u2022"])
def test_every_list_marker_makes_highlights_and_a_dash_in_the_frame(marker):
    text = HEAD + f"## Experience\n### Oslo Hospital — ICU Nurse\nPeriod: 2016 - present\n{marker} Ran night shifts.\n"
    text += f"{marker} Trained 12 new nurses.\n"

    document = parse_resume(text)

    entry = document.profile.experience[0]
    assert entry.period == "2016 - present"
    assert entry.highlights == ["Ran night shifts.", "Trained 12 new nurses."]
    assert "- Trained 12 new nurses." in frame_text(document, "Oslo Hospital — ICU Nurse")


def test_a_starred_highlight_after_a_tags_line_is_quoted_from_a_folded_snippet():
    text = HEAD + (
        "## Experience\n### Voltride — Researcher\nPeriod: 2018 - 2022\nTags: mobility, surveys\n"
        "* Ran a Qualtrics survey of 4,000 riders.\n* Cut churn by 9%.\n"
    )
    frame = frame_text(parse_resume(text), "Voltride — Researcher")
    folded = Passage("Voltride — Researcher", "Voltride — Researcher " + " ".join(frame.split()), 1.0)

    answer = compose_answer(AnswerRequest(messages=[], question="Has she used Qualtrics?", passages=(folded,)))

    assert "Tags:" not in restore_lines(folded)
    assert "Ran a Qualtrics survey of 4,000 riders." in answer


def test_nested_items_join_the_item_they_belong_to():
    text = HEAD + (
        "## Experience\n### Kestrel — Researcher\n- Set up a research repository:\n"
        "  - a shared taxonomy of 40 tags\n  - monthly digests.\n- Led a WCAG audit\n    * of the app\n"
        "- Fixed 212 issues across the app.\n\t- trained 30 engineers in screen-reader testing\n"
    )

    entry = parse_resume(text).profile.experience[0]

    assert entry.highlights == [
        "Set up a research repository: a shared taxonomy of 40 tags; monthly digests.",
        "Led a WCAG audit: of the app",
        "Fixed 212 issues across the app. Trained 30 engineers in screen-reader testing",  # not "app. trained"
    ]


def test_table_rows_become_lines_of_labelled_cells_not_highlights():
    text = HEAD + (
        "## Experience\n### Kestrel — Researcher\n- Ran studies.\n\n"
        "| Study | Method |\n|:---|---:|\n| Onboarding | Diary study |\n| Pricing | |\n"
    )

    document = parse_resume(text)

    kept = frame_text(document, "Kestrel — Researcher")
    assert "Study: Onboarding; Method: Diary study\nStudy: Pricing" in kept
    assert "|" not in kept
    assert document.profile.experience[0].highlights == ["Ran studies."]
    folded = Passage("Kestrel — Researcher", " ".join(kept.split()), 1.0)
    assert "Study: Onboarding; Method: Diary study" in restore_lines(folded).splitlines()


def test_labels_in_bold_lose_their_marks_in_the_frame_so_tags_stay_unquoted():
    text = (
        HEAD
        + "## Experience\n### Kestrel — Researcher\n**Period:** 2022 - present\n**Tags**: fintech, ux\n- Ran studies.\n"
    )

    document = parse_resume(text)

    kept = frame_text(document, "Kestrel — Researcher")
    assert kept.startswith("Period: 2022 - present\nTags: fintech, ux\n")
    assert "Tags" not in restore_lines(Passage("Kestrel — Researcher", " ".join(kept.split()), 1.0))


def test_a_horizontal_rule_is_no_highlight():
    text = HEAD + "## Experience\n### Kestrel — Researcher\n- Ran studies.\n\n* * *\n"

    assert parse_resume(text).profile.experience[0].highlights == ["Ran studies."]


def test_an_empty_section_is_left_out_with_a_note_naming_its_line():
    document = parse_resume(HEAD + "## Summary\n\n## Projects\n<!-- to do -->\n## Education\nBSc, 2010.\n")

    assert [frame.title for frame in document.frames] == ["Candidate Profile", "Education"]
    assert document.notes == (
        "line 5: the section '## Summary' is empty and is left out",
        "line 7: the section '## Projects' is empty and is left out",
    )


def test_the_example_resume_has_nothing_left_out():
    from app.config import EXAMPLE_RESUME

    assert parse_resume(EXAMPLE_RESUME.read_text(encoding="utf-8")).notes == ()


def test_a_table_without_outer_pipes_is_read_as_gfm_reads_it_and_a_piped_heading_is_not_one():
    text = HEAD + (
        "## Experience\n### Kestrel — Researcher\n- Ran studies.\n\n"
        "Study | Method\n--- | :---:\nOnboarding | Diary study\n\n"
        "Tools | and methods\n---\n"
    )

    kept = frame_text(parse_resume(text), "Kestrel — Researcher")

    assert "Study: Onboarding; Method: Diary study" in kept
    assert "Tools | and methods" in kept  # two cells over one: an underlined heading, no table


def test_comment_markers_in_code_and_commonmarks_empty_comments_are_read_as_a_renderer_shows_them():
    text = HEAD + (
        "## Summary\nI wrote a parser that strips `<!--` markers.\n"
        "I build `<!-- include -->` style templates.\nBefore <!--> after. And <!---> more.\n"
    )

    kept = frame_text(parse_resume(text), "Summary")

    assert "strips `<!--` markers." in kept
    assert "`<!-- include -->` style templates." in kept
    assert "Before after. And more." in kept


def test_a_fence_closes_only_with_a_run_of_its_own_kind_at_least_as_long():
    text = (
        HEAD + "## Summary\nNurse.\n````\n```\n## Not a heading: code\n```\n````\n~~~\n```\n~~~\n## Education\nBSc.\n"
    )

    document = parse_resume(text)

    assert [frame.title for frame in document.frames] == ["Candidate Profile", "Summary", "Education"]
    assert "## Not a heading: code" in frame_text(document, "Summary")


def test_short_delimiter_rows_and_escaped_pipes_are_tables_as_gfm_reads_them():
    text = HEAD + "## Summary\nKey studies:\n\n|Study|Tools|\n|:-|-:|\n|Beta \\| Gamma|Excel|\n"

    kept = frame_text(parse_resume(text), "Summary")

    assert "Study: Beta | Gamma; Tools: Excel" in kept
    assert "|:-|" not in kept
