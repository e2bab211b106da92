"""Authoring slips ingest accepts but says: a heading, label or front-matter key that is one
typo (or another common name) away from the format's.

Each is read as what it is, ordinary text: refusing "## Work History" would refuse a resume
whose prose section is called that. But the author meant structure, and silently the profile
lost every job, the period of an entry, or the suggested questions. Notes are printed by
`flask memvid ingest` (ResumeDocument.notes), never raised.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

from app.resume.blocks import Block, Line, split_blocks
from app.resume.sections import EM_DASH, company_and_role

# How alike a written name must be to the format's to be a slip ("Experiance", "Peroid",
# "Key Matchs", "suggested_question" are; "Volunteering" and "Role model" are not).
CLOSENESS = 0.8
# Headings that name a structured section of SPEC §10 in other words.
OTHER_SECTION_NAMES = {
    "Experience": {"work experience", "professional experience", "employment", "employment history", "work history",
                   "career history", "experience and employment", "jobs"},
    "Skills": {"skill", "technical skills", "key skills", "core skills", "skills and tools", "competencies",
               "skills & expertise", "skills and expertise"},
    "FAQ": {"faqs", "frequently asked questions", "questions and answers", "q&a"},
    "Fit Assessment Examples": {"fit assessments", "fit examples", "fit assessment", "job fit examples"},
}  # fmt: skip
# Labels written in other words.
OTHER_LABELS = {"dates": "period", "date": "period", "duration": "period", "when": "period", "place": "location"}
_LABEL = re.compile(r"^\s*[*_]{0,2}(?P<label>[^\W\d_][\w ]{1,28}?)[*_]{0,2}\s*:")


def heading_slips(section: Block) -> list[str]:
    """A note when a `## ` heading names a structured section in other words or with a typo."""
    said = section.heading.strip().casefold()
    for name, other_names in OTHER_SECTION_NAMES.items():
        if said in other_names or (said != name.casefold() and _close(said, [name.casefold()])):
            return [
                f"line {section.line}: '## {section.heading}' is read as an ordinary section; name it "
                f"'## {name}' for the structure SPEC §10 gives that section"
            ]
    return []


def label_slips(lines: Iterable[Line], labels: Iterable[str]) -> list[str]:
    """A note for each `Label:` line (not a bullet) whose label is one of `labels` misspelt or in other words."""
    known = {label.casefold() for label in labels}
    notes = []
    for number, text in lines:
        found = _LABEL.match(text)
        if not found:
            continue
        written = found.group("label").strip()
        meant = OTHER_LABELS.get(written.casefold())
        if meant not in known:
            meant = next(iter(_close(written.casefold(), known)), None)
        if meant and written.casefold() not in known:
            notes.append(f"line {number}: '{written}:' is read as text; the label is '{meant.capitalize()}:'")
    return notes


def dash_slips(experience: Block) -> list[str]:
    """A note for each `### Company - Role` heading read at a spaced en dash or hyphen, not at an em dash."""
    notes = []
    for entry in split_blocks(experience.lines, "### ")[1]:
        company, role, dash = company_and_role(entry.heading) or ("", "", EM_DASH)
        if dash != EM_DASH:
            notes.append(
                f"line {entry.line}: '### {entry.heading}' is read as '{company} {EM_DASH} {role}'; "
                f"the format's separator is an em dash ('{EM_DASH}')"
            )
    return notes


def key_slips(keys: dict[str, int], fields: Iterable[str]) -> list[str]:
    """A note for each front-matter key the profile does not have (ignored), naming the one meant."""
    known = list(fields)
    notes = []
    for key, line in keys.items():
        if key not in known:
            meant = _close(key.casefold(), known)
            hint = f"; did you mean '{meant[0]}'?" if meant else ""
            notes.append(f"line {line}: the front-matter key '{key}' is not a profile field and is ignored{hint}")
    return notes


def _close(said: str, names: Iterable[str]) -> list[str]:
    return difflib.get_close_matches(said, list(names), n=1, cutoff=CLOSENESS)
