"""One chat turn: resolve the session, retrieve passages, build the LLM request, record it."""

from __future__ import annotations

from dataclasses import dataclass

from app.chat.prompt import build_messages
from app.errors import RetrievalUnavailable
from app.llm.types import AnswerRequest
from app.resume.profile import Profile
from app.retrieval.retriever import ResumeRetriever
from app.state.sessions import SessionStore


@dataclass(frozen=True, slots=True)
class PreparedTurn:
    """Everything a turn needs once the request is validated; plain values only."""

    session_id: str
    question: str
    request: AnswerRequest

    @property
    def chunks(self) -> int:
        return len(self.request.passages)


class ChatService:
    """Prepares turns and records finished ones."""

    def __init__(self, retriever: ResumeRetriever, sessions: SessionStore) -> None:
        self._retriever = retriever
        self._sessions = sessions

    def prepare(self, question: str, session_id: str | None) -> PreparedTurn:
        """Resolve the session and gather the context for answering `question`."""
        resolved_id, history = self._sessions.history(session_id)
        passages = self._retriever.passages(question)
        profile = self._profile_or_none()
        messages = build_messages(
            question=question,
            passages=passages,
            history=history,
            system_prompt=profile.system_prompt if profile else "",
            candidate_name=profile.name if profile else "",
        )
        request = AnswerRequest(
            messages=messages,
            question=question,
            passages=tuple(passages),
            suggested_questions=tuple(profile.suggested_questions) if profile else (),
        )
        return PreparedTurn(session_id=resolved_id, question=question, request=request)

    def record(self, turn: PreparedTurn, answer: str) -> None:
        """Store a completed answer with its question, as one unit."""
        self._sessions.append_turn(turn.session_id, turn.question, answer)

    def _profile_or_none(self) -> Profile | None:
        # The profile only flavours the prompt; chat answers without it.
        try:
            return self._retriever.profile()
        except RetrievalUnavailable:
            return None
