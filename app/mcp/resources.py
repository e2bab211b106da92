"""The MCP resources: the public profile and the suggested questions, as JSON documents."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from mcp_types import ReadResourceResult, Resource, TextResourceContents
from mcp_types.jsonrpc import INTERNAL_ERROR, INVALID_PARAMS

from app.api.schemas import SuggestedQuestion, SuggestedQuestions
from app.components import components
from app.errors import RetrievalUnavailable
from app.mcp.protocol import RpcError
from app.resume.profile import Profile

_JSON = "application/json"
# "Resource not found" up to revision 2025-11-25; 2026-07-28 retired it for -32602 (invalid params).
RESOURCE_NOT_FOUND = -32002


class _NoProfile(Exception):
    pass


def _profile() -> Profile:
    try:
        found = components().retriever.profile()
    except RetrievalUnavailable as error:
        raise RpcError(INTERNAL_ERROR, error.detail) from None
    if found is None:
        raise _NoProfile()  # a resource that does not exist is an error, never empty contents
    return found


def _profile_document() -> dict[str, Any]:
    return _profile().public()


def _questions_document() -> dict[str, Any]:
    questions = [SuggestedQuestion(question=text) for text in _profile().suggested_questions]
    return SuggestedQuestions(questions=questions).model_dump()


_DOCUMENTS: dict[str, tuple[Resource, Callable[[], dict[str, Any]]]] = {
    "profile://current": (
        Resource(
            uri="profile://current",
            name="profile",
            title="Candidate profile",
            description="The candidate's public profile: contact, experience, skills, fit examples.",
            mime_type=_JSON,
        ),
        _profile_document,
    ),
    "questions://suggested": (
        Resource(
            uri="questions://suggested",
            name="suggested-questions",
            title="Suggested questions",
            description="Questions the candidate suggests asking, in order.",
            mime_type=_JSON,
        ),
        _questions_document,
    ),
}

RESOURCES: list[Resource] = [resource for resource, _ in _DOCUMENTS.values()]


def read(uri: str, *, modern: bool) -> ReadResourceResult:
    """Return the contents of the resource at `uri`; RpcError when there is none, with the code
    of the revision (`modern`: 2026-07-28)."""
    not_found = INVALID_PARAMS if modern else RESOURCE_NOT_FOUND
    entry = _DOCUMENTS.get(uri)
    if entry is None:
        raise RpcError(not_found, f"Unknown resource: {uri[:200]}", {"uri": uri[:200]})
    try:
        document = entry[1]()
    except _NoProfile:
        raise RpcError(not_found, "This resume has no candidate profile.", {"uri": uri}) from None
    text = json.dumps(document, ensure_ascii=False)
    return ReadResourceResult(contents=[TextResourceContents(uri=uri, mime_type=_JSON, text=text)])
