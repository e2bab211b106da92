"""Parse a resume in the markdown format of SPEC §10 into frames and a profile."""

from __future__ import annotations

from typing import Any

from app.resume.blocks import Block, Line, split_blocks
from app.resume.frame_parts import split_long_frame
from app.resume.front_matter import FrontMatter, read_front_matter
from app.resume.markdown_forms import rewrite
from app.resume.model import Frame, ResumeDocument, ResumeFormatError
from app.resume.profile import Profile
from app.resume.sections import (
    EXPERIENCE_LABELS,
    FIT_LABELS,
    PlacedFrame,
    parse_experience,
    parse_faq,
    parse_fit_examples,
    parse_skills,
)
from app.resume.slips import dash_slips, heading_slips, key_slips, label_slips

PREAMBLE_TITLE = "Introduction"
PROFILE_TITLE = "Candidate Profile"
MAX_TITLE_CHARS = 300  # a heading, not a paragraph: a long part's title must leave room for text
_PROFILE_LINES = (("Location", "location"), ("Status", "status"), ("Email", "email"), ("LinkedIn", "linkedin"))


def parse_resume(text: str) -> ResumeDocument:
    """Parse resume markdown; raise ResumeFormatError naming the line of the first problem."""
    lines = _split_lines(text)
    if not any(line.strip() for line in lines):
        raise ResumeFormatError(1, "the file is empty")
    front_matter, body_start = read_front_matter(lines)
    body = rewrite([(index + 1, line) for index, line in enumerate(lines)][body_start:])
    preamble, sections = split_blocks(body, "## ")
    if not sections:
        raise ResumeFormatError(min(body_start + 1, len(lines)), "no '## ' sections after the front matter")
    _check_unique_headings(sections)
    placed = _profile_frame(front_matter) + _preamble_frame(preamble)
    parts: dict[str, Any] = {}  # the profile fields the structured sections give
    notes = key_slips(front_matter.key_lines, FrontMatter.model_fields)
    for section in sections:
        frames, part = _section_frames(section)
        placed.extend(frames)
        parts.update(part)
        if not frames:
            notes.append(f"line {section.line}: the section '## {section.heading}' is empty and is left out")
        notes.extend(_slips(section))
    if not placed:
        raise ResumeFormatError(sections[0].line, "the '## ' sections hold no text to search")
    profile = Profile.model_validate({**front_matter.model_dump(), **parts})
    return ResumeDocument(frames=_stored_frames(placed), profile=profile, notes=tuple(notes))


def _split_lines(text: str) -> list[str]:
    # Only real line ends count: str.splitlines() would also split on U+2028 and shift line numbers.
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _section_frames(section: Block) -> tuple[list[PlacedFrame], dict[str, Any]]:
    kind = section.heading.lower()
    if kind == "experience":
        frames, experience = parse_experience(section)
        return frames, {"experience": experience}
    if kind == "skills":
        frames, skills = parse_skills(section)
        return frames, {"skills": skills}
    if kind == "faq":
        return parse_faq(section), {}
    if kind == "fit assessment examples":
        frames, examples = parse_fit_examples(section)
        return frames, {"fit_assessment_examples": examples}
    text = section.text()
    return ([(section.line, Frame(section.heading, text, "section"))] if text else []), {}


def _slips(section: Block) -> list[str]:
    kind = section.heading.casefold()
    labels = {"experience": EXPERIENCE_LABELS, "fit assessment examples": FIT_LABELS}.get(kind)
    dashes = dash_slips(section) if kind == "experience" else []
    return heading_slips(section) + dashes + (label_slips(section.lines, labels) if labels else [])


def _profile_frame(front_matter: FrontMatter) -> list[PlacedFrame]:
    # The front matter answers "where is she based?" and "how do I reach her?": make it searchable.
    fields = front_matter.model_dump()
    heading = " — ".join(filter(None, [front_matter.name, front_matter.title]))
    lines = [heading, *(f"{label}: {fields[key]}" for label, key in _PROFILE_LINES if fields[key])]
    text = "\n".join(filter(None, lines))
    return [(1, Frame(PROFILE_TITLE, text, "profile"))] if text else []


def _preamble_frame(preamble: list[Line]) -> list[PlacedFrame]:
    # A `# Name` title line says nothing the profile does not; other text is kept.
    kept = [(number, text) for number, text in preamble if not text.startswith("# ")]
    text = Block(PREAMBLE_TITLE, 0, kept).text()
    return [(kept[0][0], Frame(PREAMBLE_TITLE, text, "section"))] if text else []


def _check_unique_headings(sections: list[Block]) -> None:
    seen: set[str] = set()
    for section in sections:
        if section.heading.lower() in seen:
            raise ResumeFormatError(section.line, f"the section '## {section.heading}' appears twice")
        seen.add(section.heading.lower())


def _stored_frames(placed: list[PlacedFrame]) -> tuple[Frame, ...]:
    """The frames as memvid will store them: long ones in parts, every title short and unique."""
    seen: set[str] = set()
    frames: list[Frame] = []
    for line, frame in placed:
        if len(frame.title) > MAX_TITLE_CHARS:
            raise ResumeFormatError(line, f"a heading of {len(frame.title)} characters; at most {MAX_TITLE_CHARS}")
        for part in split_long_frame(frame):
            if part.title in seen:
                raise ResumeFormatError(line, f"the title '{part.title}' is used twice; frame titles must be unique")
            seen.add(part.title)
            frames.append(part)
    return tuple(frames)
