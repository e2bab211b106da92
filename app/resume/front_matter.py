"""The YAML front matter of a resume: the profile's own fields, validated with line numbers."""

from __future__ import annotations

import datetime
from typing import Any

import yaml

from app.resume.model import ResumeFormatError

TEXT_FIELDS = ("name", "title", "email", "linkedin", "location", "status")
LIST_FIELDS = ("suggested_questions", "tags")
FENCE = "---"


def read_front_matter(lines: list[str]) -> tuple[dict[str, Any], int]:
    """Return the profile fields of the front matter and the index of the first body line."""
    if not lines or lines[0].strip() != FENCE:
        raise ResumeFormatError(1, "missing YAML front matter: the file must start with a '---' line")
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() in (FENCE, "..."))
    except StopIteration:
        raise ResumeFormatError(1, "the front matter opened here is never closed by a '---' line") from None
    source = "\n".join(lines[1:end])
    node, data = _load(source)
    if data is None:
        raise ResumeFormatError(1, "the front matter is empty; it needs at least the profile's 'name'")
    if not isinstance(data, dict) or not isinstance(node, yaml.MappingNode):
        raise ResumeFormatError(2, f"the front matter must be a mapping of profile fields, not a {_kind(data)}")
    key_lines = {str(key.value): key.start_mark.line + 2 for key, _ in node.value}
    return _validate(data, key_lines), end + 1


def _load(source: str) -> tuple[yaml.Node | None, Any]:
    # The front matter's first line is line 2 of the file; YAML marks count from 0.
    try:
        return yaml.compose(source, Loader=yaml.SafeLoader), yaml.safe_load(source)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 2 if mark is not None else 1
        raise ResumeFormatError(line, f"invalid YAML in the front matter: {error.problem or error}") from None
    except yaml.YAMLError as error:
        raise ResumeFormatError(1, f"invalid YAML in the front matter: {error}") from None


def _validate(data: dict[Any, Any], key_lines: dict[str, int]) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for name in TEXT_FIELDS:
        fields[name] = _text(data.get(name), name, key_lines.get(name, 1))
    for name in LIST_FIELDS:
        fields[name] = _text_list(data.get(name), name, key_lines.get(name, 1))
    prompt = data.get("system_prompt")
    fields["system_prompt"] = _text(prompt, "system_prompt", key_lines.get("system_prompt", 1))
    return fields


def _text(value: Any, name: str, line: int) -> str:
    if value is None:
        return ""
    # bool is excluded on purpose: `status: no` becomes False in YAML, surely not what was meant.
    if isinstance(value, bool) or not isinstance(value, str | int | float | datetime.date):
        raise ResumeFormatError(line, f"'{name}' must be text, not a {_kind(value)} (quote it if needed)")
    return str(value).strip()


def _text_list(value: Any, name: str, line: int) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ResumeFormatError(line, f"'{name}' must be a list ('- item' lines), not a {_kind(value)}")
    items = [_text(item, f"{name}[{index}]", line) for index, item in enumerate(value)]
    return [item for item in items if item]


def _kind(value: Any) -> str:
    kinds = {dict: "mapping", list: "list", bool: "true/false value", str: "text"}
    return kinds.get(type(value), type(value).__name__)
