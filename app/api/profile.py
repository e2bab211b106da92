"""GET /api/v1/profile and /api/v1/suggested-questions, from the `__profile__` card."""

from __future__ import annotations

from typing import Any

from app.api.openapi_doc import api_blueprint
from app.api.schemas import ErrorBody, SuggestedQuestion, SuggestedQuestions
from app.components import components
from app.errors import ProfileNotFound
from app.resume.profile import Profile, PublicProfile

bp = api_blueprint("questions", __name__, "profile", url_prefix="/api/v1")

_ERRORS: dict[int | str, Any] = {404: ErrorBody, 503: ErrorBody}


@bp.get("/profile", summary="The candidate profile", responses={200: PublicProfile, **_ERRORS})
def profile() -> dict[str, Any]:
    return _profile().public()


@bp.get(
    "/suggested-questions",
    summary="Questions to suggest to the recruiter",
    responses={200: SuggestedQuestions, **_ERRORS},
)
def suggested_questions() -> dict[str, Any]:
    questions = [SuggestedQuestion(question=text) for text in _profile().suggested_questions]
    return SuggestedQuestions(questions=questions).model_dump()


def _profile() -> Profile:
    # RetrievalUnavailable (503 memvid_unavailable) propagates to the error handler.
    found = components().retriever.profile()
    if found is None:
        raise ProfileNotFound()
    return found
