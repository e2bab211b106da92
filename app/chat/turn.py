"""One chat turn, from question to recorded answer, with one owner: `ChatService`.

`prepare` guards the question, resolves the session, retrieves passages and builds the LLM
request; `stream` relays the answer as SSE bytes and `answer` returns it whole (for
`stream: false` and callers that are not HTTP). Both record the turn when the answer
completes and end in exactly one terminal outcome rendered by `app.errors`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from opentelemetry.trace import INVALID_SPAN, Span

from app.chat.events import sources
from app.chat.follow_up import search_text
from app.chat.hooks import TurnHooks
from app.chat.prompt import build_messages, system_instructions
from app.chat.stream import stream_turn
from app.errors import RetrievalUnavailable
from app.guardrails.types import OutputFilter
from app.llm.canned import CannedAnswerer
from app.llm.collect import collect
from app.llm.types import GUARDRAIL, OFFLINE, Answerer, AnswerMode, AnswerRequest, answers_offline
from app.resume.profile import Profile
from app.retrieval.retriever import ResumeRetriever
from app.state.sessions import SessionStore
from app.telemetry import turn_span
from app.text.candidate_name import about_the_candidate

WITHHELD_QUESTION = "(a message the input guard withheld)"


@dataclass(frozen=True, slots=True)
class Turn:
    """Everything one answer needs once the question is accepted; plain values only."""

    session_id: str
    question: str
    request: AnswerRequest
    answerer: Answerer  # who speaks: the LLM, the offline answerer, or the guard's redirect
    mode: AnswerMode | None = None  # None: the LLM answered
    protected: tuple[str, ...] = ()  # text the answer must not reveal
    span: Span = INVALID_SPAN  # `chat.turn`: opened by `prepare`, ended where the answer ends

    @property
    def chunks(self) -> int:
        return len(self.request.passages)


@dataclass(frozen=True, slots=True)
class Answer:
    """A whole answer: the non-stream body of SPEC §3, and what an MCP tool returns."""

    session_id: str
    text: str
    chunks_retrieved: int
    tokens_used: int
    sources: list[dict[str, Any]] = field(default_factory=list)
    mode: AnswerMode | None = None
    message_index: int | None = None  # what feedback names this answer by; None when not kept
    finish_reason: str = "stop"  # "length" when cut at LLM_MAX_TOKENS, as the stream's done event says
    tokens_estimated: bool = False  # the upstream reported no usage: tokens_used is an estimate


class ChatService:
    """Owns the chat turn: guard, session, retrieval, prompt, answer, record, outcome."""

    def __init__(
        self,
        retriever: ResumeRetriever,
        sessions: SessionStore,
        answerer: Answerer,
        *,
        hooks: TurnHooks | None = None,
        keepalive_seconds: float = 15.0,
        should_stop: Callable[[], bool] = lambda: False,
    ) -> None:
        self.retriever = retriever
        self.sessions = sessions
        self.answerer = answerer
        self.hooks = hooks or TurnHooks()
        self.keepalive_seconds = keepalive_seconds
        self.should_stop = should_stop

    @property
    def mode(self) -> AnswerMode | None:
        """The label of this service's answers when no LLM gives them: OFFLINE, or None."""
        return OFFLINE if answers_offline(self.answerer) else None

    def prepare(self, question: str, session_id: str | None) -> Turn:
        """Accept `question`: resolve the session and gather the context for answering it."""
        with turn_span.opening_turn() as span:  # retrieval and its memvid calls become its children
            turn = self._prepare(question, session_id)
            span.set_attributes(
                {"session.id": turn.session_id, "chat.chunks": turn.chunks, "chat.mode": turn.mode or "llm"}
            )
        return replace(turn, span=span)

    def _prepare(self, question: str, session_id: str | None) -> Turn:
        resolved_id, history = self.sessions.open_conversation(session_id)
        profile, memvid_hung = self._profile_or_none()
        verdict = self.hooks.input_guard.check(question)
        if verdict.blocked:
            return self._redirect(resolved_id, question, profile)
        system_prompt = profile.system_prompt if profile else ""
        name = profile.name if profile else ""
        # Searched for and quoted from as a question about "the candidate" (app/text/candidate_name.py);
        # the LLM reads it as asked.
        asked = about_the_candidate(search_text(question, history, withheld=WITHHELD_QUESTION), name)
        # A question costs at most one memvid deadline: the search needs the profile's name, so it
        # runs after the lookup, and a lookup that waited out the deadline leaves only the cache.
        found = self.retriever.retrieve(asked, ask_memvid=not memvid_hung)
        passages = found.passages
        messages = build_messages(
            question=question, passages=passages, history=history, system_prompt=system_prompt, candidate_name=name
        )
        request = AnswerRequest(
            messages=messages,
            question=asked,
            passages=passages,
            searched_words=found.searched_words,
            suggested_questions=tuple(profile.suggested_questions) if profile else (),
            resume_searched=found.searched,
        )
        # What the output filter guards, instructions first (the filter relies on that order).
        # The offline answerer quotes passages by design and sees no instructions: nothing to guard.
        protected = (
            () if self.mode == OFFLINE else (system_instructions(system_prompt, name), *(p.text for p in passages))
        )
        return Turn(resolved_id, question, request, self.answerer, self.mode, protected)

    def stream(
        self, turn: Turn, *, trace_id: str, started: float, client_left: Callable[[], bool] = lambda: False
    ) -> Iterator[bytes]:
        """Return the SSE bytes of `turn`'s answer; every exit ends with a terminal event or a hang-up
        (`client_left` is asked while the LLM is silent, when no write would tell)."""
        return stream_turn(
            turn,
            text_filter=self.output_filter(turn),
            record=self.record,
            keepalive_seconds=self.keepalive_seconds,
            should_stop=self.should_stop,
            client_left=client_left,
            trace_id=trace_id,
            started=started,
        )

    def answer(self, question: str, session_id: str | None = None) -> Answer:
        """Answer `question` whole; raise `LLMError` when the LLM fails."""
        turn = self.prepare(question, session_id)
        with turn_span.finishing_turn(turn.span):  # the LLM's span becomes its child
            return self._answer(turn)

    def _answer(self, turn: Turn) -> Answer:
        texts, finished = collect(turn.answerer, turn.request)
        text_filter = self.output_filter(turn)
        text = "".join([*(kept for piece in texts for kept in text_filter.feed(piece)), *text_filter.finish()])
        index = self.record(turn, text)
        usage = finished.usage
        tokens, estimated = (usage.total_tokens, not usage.reported) if usage else (0, False)
        found = sources(turn.request.passages)
        return Answer(
            turn.session_id, text, turn.chunks, tokens, found, turn.mode, index, finished.finish_reason, estimated
        )

    def output_filter(self, turn: Turn) -> OutputFilter:
        """Make the filter that watches this turn's answer."""
        return self.hooks.output_filter(turn.protected)

    def record(self, turn: Turn, answer: str) -> int | None:
        """Store a completed answer with its question, as one unit; return the answer's message index."""
        return self.sessions.append_turn(turn.session_id, turn.question, answer)

    def _redirect(self, session_id: str, question: str, profile: Profile | None) -> Turn:
        # No retrieval, no LLM: the guard's answer is spoken at once, in the normal sequence.
        # (The guard itself counts and logs what it stopped.)
        name = profile.name if profile else ""
        text = self.hooks.redirect(name, profile.suggested_questions if profile else [])
        request = AnswerRequest(messages=[], question=question)
        # The turn is kept, so the history's answers are the ones the client saw (feedback rates
        # them by index), but under a stand-in: the blocked text must never reach the LLM as history.
        return Turn(session_id, WITHHELD_QUESTION, request, CannedAnswerer(text), GUARDRAIL)

    def _profile_or_none(self) -> tuple[Profile | None, bool]:
        """Return the profile (None when memvid cannot give it) and whether memvid missed its deadline."""
        # The profile only flavours the prompt; chat answers without it.
        try:
            return self.retriever.profile(), False
        except RetrievalUnavailable as error:
            return None, error.deadline_missed
