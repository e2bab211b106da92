"""The structured sections of a resume: Experience, Skills, FAQ and Fit Assessment Examples.

Each parser returns its frames (with the line that introduced each, to report duplicate
titles) and its part of the profile.
"""

from __future__ import annotations

from typing import Any

from app.resume.blocks import Block, bullet_items, labelled_fields, split_blocks
from app.resume.model import Frame, ResumeFormatError

PlacedFrame = tuple[int, Frame]

AI_CONTEXT_KEYS = ("situation", "approach", "technical_work", "lessons_learned")
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
SKILL_GROUPS = {"strong": "Strong", "moderate": "Moderate", "gaps": "Gaps"}
# A lead sentence per group: it tells the LLM what the list means, and gives lexical search
# the words recruiters use ("weaknesses", "strongest") that the bare headings lack.
_SKILL_LEADS = {
    "strong": "Strongest skills, with deep production experience:",
    "moderate": "Moderate skills, working knowledge:",
    "gaps": "Skill gaps: weaknesses and areas with little or no experience:",
}


def parse_experience(section: Block) -> tuple[list[PlacedFrame], list[dict[str, Any]]]:
    """Return one frame per `### Company — Role` entry, an overview frame, and the entries."""
    intro, entries = split_blocks(section.lines, "### ")
    frames: list[PlacedFrame] = []
    profile: list[dict[str, Any]] = []
    for entry in entries:
        item = _experience_entry(entry)
        profile.append(item)
        title = f"{item['company']} — {item['role']}"
        frames.append((entry.line, Frame(title, entry.text(), "experience", tuple(item["tags"]))))
    # The overview answers "where has she worked?" in one passage.
    roles = [
        f"- {e['company']} — {e['role']} ({'; '.join(filter(None, [e['period'], e['location']]))})" for e in profile
    ]
    overview = "\n".join([Block("", 0, intro).text(), *roles]).strip()
    if overview:
        frames.insert(0, (section.line, Frame(section.heading, overview, "experience")))
    return frames, profile


def _experience_entry(entry: Block) -> dict[str, Any]:
    company, dash, role = entry.heading.partition("—")
    if not dash or not company.strip() or not role.strip():
        raise ResumeFormatError(
            entry.line, f"experience heading '### {entry.heading}' must read 'Company — Role' (with an em dash '—')"
        )
    values, highlights = labelled_fields(entry.lines, EXPERIENCE_LABELS)
    return {
        "company": company.strip(),
        "role": role.strip(),
        "period": values.get("period", ""),
        "location": values.get("location", ""),
        "tags": [tag.strip() for tag in values.get("tags", "").split(",") if tag.strip()],
        "highlights": highlights,
        "ai_context": {key: values.get(key, "") for key in AI_CONTEXT_KEYS},
    }


def parse_skills(section: Block) -> tuple[list[PlacedFrame], dict[str, list[str]]]:
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
    return frames, skills


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


def parse_fit_examples(section: Block) -> tuple[list[PlacedFrame], list[dict[str, str]]]:
    """Return one frame per `### Title` fit example and the examples' fields."""
    intro, examples = split_blocks(section.lines, "### ")
    frames = _intro_frame(section, intro, "fit_assessment")
    profile: list[dict[str, str]] = []
    for example in examples:
        values, _ = labelled_fields(example.lines, FIT_LABELS)
        profile.append({"title": example.heading, **{key: values.get(key, "") for key in FIT_LABELS.values()}})
        frames.append((example.line, Frame(f"Fit Assessment — {example.heading}", example.text(), "fit_assessment")))
    return frames, profile


def _intro_frame(section: Block, intro: list[tuple[int, str]], label: str) -> list[PlacedFrame]:
    text = Block(section.heading, section.line, intro).text()
    return [(section.line, Frame(section.heading, text, label))] if text else []
