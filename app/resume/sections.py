"""The structured sections of a resume: Experience, Skills, FAQ and Fit Assessment Examples.

Each parser returns its frames (with the line that introduced each, to report duplicate
titles) and its part of the profile.
"""

from __future__ import annotations

import re

from app.resume.blocks import Block, bullet_items, labelled_fields, plain, split_blocks
from app.resume.model import Frame, ResumeFormatError
from app.resume.profile import AIContext, Experience, FitExample, Skills

PlacedFrame = tuple[int, Frame]

EXPERIENCE_LABELS = {
    "period": "period",
    "location": "location",
    "tags": "tags",
    "situation": "situation",
    "approach": "approach",
    "technical work": "technical_work",
    "lessons learned": "lessons_learned",
}
FIT_LABELS = {
    "fit level": "fit_level",
    "role": "role",
    "job description": "job_description",
    "verdict": "verdict",
    "key matches": "key_matches",
    "gaps": "gaps",
    "recommendation": "recommendation",
}
_WORK_HISTORY_LEAD = "Work history: the companies worked for and the roles held there, with periods and places:"
SKILL_GROUPS = {"strong": "Strong", "moderate": "Moderate", "gaps": "Gaps"}
FIT_TITLE_PREFIX = "Fit Assessment — "
_GAPS_TITLE_SUFFIX = f" — {SKILL_GROUPS['gaps']}"
_STRONG_TITLE_SUFFIX = f" — {SKILL_GROUPS['strong']}"
EM_DASH = "—"
EN_DASH = "\u2013"  # written as an escape: it looks like a hyphen
# Without an em dash, a dash with a space either side separates company and role: editors turn a
# typed " - " into an en dash by themselves. A hyphen inside a name ("Rolls-Royce") never does.
_SPACED_DASHES = (re.compile(rf"\s+{EN_DASH}\s+"), re.compile(r"\s+-\s+"))


def is_fit_example(title: str) -> bool:
    """Whether the frame titled `title` is a fit assessment example (SPEC §10), or a part of one."""
    return title.startswith(FIT_TITLE_PREFIX)


def is_work_history(title: str) -> bool:
    """Whether the frame titled `title` is the Experience overview (one line per employer), or a part of it."""
    return title.split(" (part ", 1)[0].casefold() == "experience"


def lists_skill_gaps(title: str) -> bool:
    """Whether the frame titled `title` is the skills' Gaps group (or a part of it)."""
    return title.split(" (part ", 1)[0].endswith(_GAPS_TITLE_SUFFIX)


def lists_strong_skills(title: str) -> bool:
    """Whether the frame titled `title` is the skills' Strong group (or a part of it)."""
    return title.split(" (part ", 1)[0].endswith(_STRONG_TITLE_SUFFIX)


def names_what_is_missing(title: str) -> bool:
    """Whether the frame titled `title` names what the candidate lacks (the skills gaps, or a fit
    example's gaps) rather than what they have: its words are no evidence of a skill."""
    base = title.split(" (part ", 1)[0]  # a long frame's parts: "Skills — Gaps (part 2 of 3)"
    return is_fit_example(base) or base.endswith(_GAPS_TITLE_SUFFIX)


# A lead sentence per group: it tells the LLM what the list means, and gives lexical search
# the words recruiters use ("weaknesses", "strongest") that the bare headings lack.
_SKILL_LEADS = {
    "strong": "Strongest skills:",
    "moderate": "Moderate skills, working knowledge:",
    "gaps": "Skill gaps: weaknesses and areas with little or no experience:",
}
# The sentences ingest writes itself: the offline answerer, which quotes the resume, leaves them out.
WRITTEN_LEADS = frozenset({_WORK_HISTORY_LEAD, *_SKILL_LEADS.values()})


def parse_experience(section: Block) -> tuple[list[PlacedFrame], list[Experience]]:
    """Return one frame per `### Company — Role` entry, an overview frame, and the entries."""
    intro, blocks = split_blocks(section.lines, "### ")
    frames: list[PlacedFrame] = []
    entries: list[Experience] = []
    titles: set[str] = set()
    for block, (company, role) in zip(blocks, _companies_and_roles(blocks), strict=True):
        entry = _experience_entry(block, company, role)
        entries.append(entry)
        title = f"{entry.company} — {entry.role}"
        if title in titles and entry.period:  # back at a former employer, in the same role
            title = f"{title} ({entry.period})"
        titles.add(title)
        frames.append((block.line, Frame(title, block.text(), "experience", tuple(entry.tags))))
    # The overview answers "where has she worked?" in one passage. A list of names alone is
    # far in meaning from such a question, so a lead says what the list is, as for skills.
    roles = [f"- {e.company} — {e.role} ({'; '.join(filter(None, [e.period, e.location]))})" for e in entries]
    lead = [_WORK_HISTORY_LEAD] if roles else []
    overview = "\n".join([Block("", 0, intro).text(), *lead, *roles]).strip()
    if overview:
        frames.insert(0, (section.line, Frame(section.heading, overview, "experience")))
    return frames, entries


def company_and_role(heading: str) -> tuple[str, str, str] | None:
    """Split an experience heading into company, role and the dash written between them; None if it has none."""
    text = plain(heading)
    company, dash, role = text.partition(EM_DASH)
    spaced = None if dash else next(filter(None, (dashes.search(text) for dashes in _SPACED_DASHES)), None)
    if spaced:
        company, dash, role = text[: spaced.start()], spaced.group().strip(), text[spaced.end() :]
    if not dash or not company.strip() or not role.strip():
        return None
    return company.strip(), role.strip(), dash


def _companies_and_roles(blocks: list[Block]) -> list[tuple[str, str]]:
    """Return each entry's company and role; refuse every heading that does not give both, in one error."""
    # All at once: one refusal per run cost an author an edit-and-rerun round per heading.
    read = [company_and_role(block.heading) for block in blocks]
    unread = [block for block, parts in zip(blocks, read, strict=True) if parts is None]
    if unread:
        named = ", ".join(f"'### {block.heading}' (line {block.line})" for block in unread)
        raise ResumeFormatError(
            unread[0].line,
            f"experience headings must read 'Company — Role' (an em dash '—', or a dash with a space "
            f"either side: ' {EN_DASH} ', ' - '); {'this one does' if len(unread) == 1 else 'these do'} not: {named}",
        )
    return [(parts[0], parts[1]) for parts in read if parts is not None]


def _experience_entry(entry: Block, company: str, role: str) -> Experience:
    values, highlights = labelled_fields(entry.lines, EXPERIENCE_LABELS)
    return Experience(
        company=company,
        role=role,
        period=values.get("period", ""),
        location=values.get("location", ""),
        tags=[tag.strip() for tag in values.get("tags", "").split(",") if tag.strip()],
        highlights=highlights,
        ai_context=AIContext.model_validate(values),  # takes its four fields, ignores the others
    )


def parse_skills(section: Block) -> tuple[list[PlacedFrame], Skills]:
    """Return one frame per `### Strong|Moderate|Gaps` group and the skill names per group."""
    intro, groups = split_blocks(section.lines, "### ")
    frames = _intro_frame(section, intro, "skills")
    skills: dict[str, list[str]] = {key: [] for key in SKILL_GROUPS}
    seen: set[str] = set()
    for group in groups:
        key = group.heading.lower()
        if key not in SKILL_GROUPS:
            raise ResumeFormatError(
                group.line, f"unknown skills group '### {group.heading}': use Strong, Moderate or Gaps"
            )
        if key in seen:
            raise ResumeFormatError(group.line, f"the skills group '### {group.heading}' appears twice")
        seen.add(key)
        # `- Name: note` -> the profile lists the name; the frame keeps the note for the LLM.
        names = [text.partition(":")[0].strip() for _, text in bullet_items(group.lines)]
        skills[key] = [name for name in names if name]
        title = f"{section.heading} — {SKILL_GROUPS[key]}"
        frames.append((group.line, Frame(title, f"{_SKILL_LEADS[key]}\n{group.text()}", "skills")))
    return frames, Skills.model_validate(skills)


def parse_faq(section: Block) -> list[PlacedFrame]:
    """Return one frame per `### question`, titled by the question, holding its answer."""
    intro, questions = split_blocks(section.lines, "### ")
    frames = _intro_frame(section, intro, "faq")
    for question in questions:
        answer = question.text()
        if not answer:
            raise ResumeFormatError(question.line, f"the FAQ question '{question.heading}' has no answer")
        frames.append((question.line, Frame(question.heading, answer, "faq")))
    return frames


def parse_fit_examples(section: Block) -> tuple[list[PlacedFrame], list[FitExample]]:
    """Return one frame per `### Title` fit example and the examples' fields."""
    intro, blocks = split_blocks(section.lines, "### ")
    frames = _intro_frame(section, intro, "fit_assessment")
    examples: list[FitExample] = []
    for block in blocks:
        values, _ = labelled_fields(block.lines, FIT_LABELS)
        title = plain(block.heading)
        examples.append(FitExample.model_validate({**values, "title": title}))
        frames.append((block.line, Frame(f"{FIT_TITLE_PREFIX}{title}", block.text(), "fit_assessment")))
    return frames, examples


def _intro_frame(section: Block, intro: list[tuple[int, str]], label: str) -> list[PlacedFrame]:
    text = Block(section.heading, section.line, intro).text()
    return [(section.line, Frame(section.heading, text, label))] if text else []
