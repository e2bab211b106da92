"""The YAML front matter of a resume: the profile's own fields, validated with line numbers."""

from __future__ import annotations

import datetime
import re
from typing import Annotated, Any

import yaml
from pydantic import AfterValidator, BaseModel, BeforeValidator, Field, PrivateAttr, StrictStr, ValidationError
from pydantic_core import ErrorDetails

from app.resume.blocks import plain
from app.resume.model import ResumeFormatError

FENCE = "---"


def _scalar_as_text(value: Any) -> Any:
    # YAML reads `2024` as a number and `2024-05-01` as a date, both surely meant as text.
    # A bool is left to fail: `status: no` becomes False in YAML, surely not what was meant.
    if value is None:
        return ""
    if isinstance(value, int | float | datetime.date) and not isinstance(value, bool):
        return str(value)
    return value


def _without_blanks(items: list[str]) -> list[str]:
    return [item for item in items if item]


def _address(text: str) -> str:
    """The address of a value written as a link ("[LinkedIn](https://…)", "<mailto:a@b.org>")."""
    link = _LINK_ONLY.fullmatch(text)
    return (link.group(1) or link.group(2)).removeprefix("mailto:") if link else text


# Written as a link or an autolink: the value is its address.
_LINK_ONLY = re.compile(r"\[[^\]\n]*\]\(\s*<?([^\s()<>]+)>?(?:\s+\"[^\"]*\")?\s*\)|<([^<>\s]+)>")

YamlText = Annotated[StrictStr, BeforeValidator(_scalar_as_text), AfterValidator(str.strip)]
# Profile values are shown as they are: markdown in them ("**Senior** Nurse") is dropped.
PlainText = Annotated[YamlText, AfterValidator(plain)]
Address = Annotated[YamlText, AfterValidator(_address)]
YamlTextList = Annotated[
    list[PlainText], BeforeValidator(lambda value: [] if value is None else value), AfterValidator(_without_blanks)
]


class FrontMatter(BaseModel):
    """The profile fields a resume's front matter sets; other keys are ignored."""

    name: PlainText = ""
    title: PlainText = ""
    email: Address = ""
    linkedin: Address = ""
    location: PlainText = ""
    status: PlainText = ""
    suggested_questions: YamlTextList = Field(default_factory=list)
    tags: YamlTextList = Field(default_factory=list)
    system_prompt: YamlText = ""
    # Where each key the author wrote is (line in the file), known fields or not: ingest notes
    # a key the profile does not have (app/resume/slips.py).
    _key_lines: dict[str, int] = PrivateAttr(default_factory=dict)

    @property
    def key_lines(self) -> dict[str, int]:
        return self._key_lines


def read_front_matter(lines: list[str]) -> tuple[FrontMatter, int]:
    """Return the front matter and the index of the first body line."""
    if not lines or lines[0].strip() != FENCE:
        raise ResumeFormatError(1, "missing YAML front matter: the file must start with a '---' line")
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() in (FENCE, "..."))
    except StopIteration:
        raise ResumeFormatError(1, "the front matter opened here is never closed by a '---' line") from None
    source = "\n".join(lines[1:end])
    node, data = _load(source)
    if data is None:
        raise ResumeFormatError(1, "the front matter is empty: give the profile's fields (name, title, email...)")
    if not isinstance(data, dict) or not isinstance(node, yaml.MappingNode):
        raise ResumeFormatError(2, f"the front matter must be a mapping of profile fields, not a {_kind(data)}")
    # The front matter's first line is line 2 of the file; YAML marks count from 0.
    key_lines: dict[str, int] = {}
    for key, _ in node.value:
        if str(key.value) in key_lines:  # YAML keeps the last silently: which one was meant?
            first = key_lines[str(key.value)]
            raise ResumeFormatError(key.start_mark.line + 2, f"'{key.value}' is given twice (first on line {first})")
        key_lines[str(key.value)] = key.start_mark.line + 2
    try:
        front_matter = FrontMatter.model_validate(data)
    except ValidationError as error:
        raise _format_error(error.errors()[0], key_lines) from None
    front_matter._key_lines = key_lines
    return front_matter, end + 1


def _load(source: str) -> tuple[yaml.Node | None, Any]:
    try:
        return yaml.compose(source, Loader=yaml.SafeLoader), yaml.safe_load(source)
    except yaml.MarkedYAMLError as error:
        # A bracket never closed is noticed on a later line: name the line that opened it.
        # So is a quote never closed: YAML reads on to the end and reports that.
        unclosed_quote = "quoted scalar" in (error.context or "") and "end of stream" in (error.problem or "")
        opened = error.context_mark if "flow" in (error.context or "") or unclosed_quote else None
        mark = opened or error.problem_mark or error.context_mark
        line = mark.line + 2 if mark is not None else 1
        if unclosed_quote:
            raise ResumeFormatError(
                line, "invalid YAML in the front matter: a quote opened here is never closed"
            ) from None
        hint = _flow_hint(error) if opened else ""
        raise ResumeFormatError(line, f"invalid YAML in the front matter: {error.problem or error}{hint}") from None
    except yaml.YAMLError as error:
        raise ResumeFormatError(1, f"invalid YAML in the front matter: {error}") from None


def _flow_hint(error: yaml.MarkedYAMLError) -> str:
    """How to fix an error inside `[...]` or `{...}`, where YAML reads '?', ':', ',' and '#' as its own marks."""
    # `suggested_questions: [What does she hold?]` is refused for its '?': the message alone
    # ("expected ',' or ']', but got '?'") did not tell the author what to change.
    opening, closing = ("{", "}") if "mapping" in (error.context or "") else ("[", "]")
    start, found = error.context_mark, error.problem_mark
    fixes = "quote each value (['What does she hold?']) or write the list as lines that start with '- '"
    if "stream end" in (error.problem or "") or (start and found and found.line > start.line):
        return f" in the {opening}...{closing} opened on this line: is its '{closing}' missing? If not, {fixes}"
    marks = "inside brackets YAML reads '?', ':', ',' and '#' as its own marks"
    return f" in the {opening}...{closing} opened on this line; {marks}: {fixes}"


def _format_error(error: ErrorDetails, key_lines: dict[str, int]) -> ResumeFormatError:
    field, *indexes = error["loc"]
    name = str(field) + "".join(f"[{index}]" for index in indexes)
    line = key_lines.get(str(field), 1)
    if error["type"] == "list_type":
        return ResumeFormatError(line, f"'{name}' must be a list ('- item' lines), not a {_kind(error['input'])}")
    if error["type"] == "string_type":
        return ResumeFormatError(line, f"'{name}' must be text, not a {_kind(error['input'])} (quote it if needed)")
    return ResumeFormatError(line, f"'{name}': {error['msg']}")


def _kind(value: Any) -> str:
    kinds = {dict: "mapping", list: "list", bool: "true/false value", str: "text"}
    return kinds.get(type(value), type(value).__name__)
