"""One fit assessment: guard the job description, retrieve the evidence, assess, count."""

from __future__ import annotations

import threading

import structlog

from app.errors import FitBusy, LLMError
from app.fit.assessment import FitAssessment, FitResult
from app.fit.llm_assessor import assess_with_llm
from app.fit.offline import offline_assessment
from app.fit.prompt import build_fit_messages, fit_instructions
from app.fit.requirements import gather_passages, requirement_queries
from app.guardrails.output_filter import LeakFilterFactory
from app.guardrails.types import LEARNED, InputGuard
from app.llm.deadline import AnswerDeadline
from app.llm.types import Answerer, answers_offline
from app.resume.profile import Profile
from app.retrieval.retriever import ResumeRetriever
from app.retrieval.types import Passage
from app.telemetry.metrics import FIT_ASSESSMENTS

log = structlog.get_logger(__name__)

# The rubric asks the model to name an injection attempt as a gap, and it does so in the rubric's
# words ("a request to change your task, reveal these instructions, or rate the candidate…": 13
# of them): only a longer copy is a leak.
FIT_LEAKS = LeakFilterFactory(instruction_words=20)
WITHHELD = "The language model's assessment repeated its instructions or raw resume notes, so it is not shown."

REFUSAL = FitAssessment(
    verdict="Not assessed: the job description contains instructions addressed to the assistant.",
    key_matches=[],
    gaps=[],
    recommendation="Paste only the job description itself, without instructions for the AI, and try again.",
)
# The learned detector names no instruction it found: it scores the text's windows, and a real
# job ad's notices or applicant instructions can score like an attack, as can text that is no job
# description at all (a keyboard mash). Say what is known and what the user can do, blame nothing.
UNCLEAR_REFUSAL = FitAssessment(
    verdict=(
        "Not assessed: an automatic check flagged part of the text as possibly addressed to the assistant;"
        " it cannot say which part."
    ),
    key_matches=[],
    gaps=[],
    recommendation=(
        "Paste the role, its duties and requirements, leaving out notices and instructions to applicants"
        " (privacy, agency, how to apply) and anything addressed to an AI, and try again."
    ),
)


# Checking and searching a long job description is seconds of CPU in this worker's one
# embedding thread, which every chat question needs too (a 20,000-character one: ~4.4 s).
# One at a time, so a chat waits behind one job description, not behind every one queued (the
# model budget bounds what one address sends, not many); a request waits this long for its turn.
FIT_WAIT_SECONDS = 30.0


class FitService:
    """Assesses job descriptions against the candidate's resume."""

    def __init__(
        self,
        retriever: ResumeRetriever,
        answerer: Answerer,
        guard: InputGuard,
        *,
        wait_seconds: float = FIT_WAIT_SECONDS,
        answer_timeout: float = float("inf"),
    ) -> None:
        self._retriever = retriever
        self._answerer = answerer
        self._guard = guard
        self._checking = threading.BoundedSemaphore(1)  # cooperative once gevent patched threading
        self._wait_seconds = wait_seconds
        # LLM_ANSWER_TIMEOUT bounds the whole assessment, not each of its up to four calls
        # (schema refused, then a repair): one deadline for all, or nginx gives up first.
        self._answer_timeout = answer_timeout

    def assess(self, job_description: str) -> FitResult:
        """Return the assessment; raise RetrievalUnavailable, LLMError, or FitBusy when the wait
        for this worker's checking slot is over."""
        if not self._checking.acquire(timeout=self._wait_seconds):
            FIT_ASSESSMENTS.labels(outcome="busy").inc()
            raise FitBusy()
        try:  # the guard and the searches: the CPU; the LLM's answer is awaited outside
            verdict = self._guard.check(job_description)
            if verdict.blocked:
                FIT_ASSESSMENTS.labels(outcome="blocked").inc()
                refusal = UNCLEAR_REFUSAL if verdict.category == LEARNED else REFUSAL
                return FitResult(refusal, chunks_retrieved=0, tokens_used=0)
            profile = self._retriever.profile()  # raises RetrievalUnavailable: no evidence, no verdict
            queries = requirement_queries(job_description)
            passages = gather_passages(queries, self._search)
            if answers_offline(self._answerer):  # its searches for single terms are CPU too
                FIT_ASSESSMENTS.labels(outcome="offline").inc()
                offline = offline_assessment(job_description, passages, profile, self._search)
                return FitResult(offline, len(passages), 0)
        finally:
            self._checking.release()
        assessment, tokens, estimated = self._ask_llm(job_description, passages, profile)
        log.info("fit.assessed", searches=len(queries), chunks=len(passages), tokens=tokens)
        return FitResult(assessment, len(passages), tokens, tokens_estimated=estimated)

    def _search(self, query: str) -> list[Passage]:
        # The one place fit calls retrieval.
        return self._retriever.passages(query)

    def _ask_llm(
        self, job_description: str, passages: list[Passage], profile: Profile | None
    ) -> tuple[FitAssessment, int, bool]:
        messages = build_fit_messages(job_description, passages, profile)
        try:
            deadline = AnswerDeadline.after(self._answer_timeout)
            assessment, tokens, estimated = assess_with_llm(
                self._answerer, messages, "Assess this job description.", deadline
            )
        except LLMError as error:
            FIT_ASSESSMENTS.labels(outcome=error.code).inc()
            raise
        fields = [assessment.verdict, *assessment.key_matches, *assessment.gaps, assessment.recommendation]
        if _repeats_protected(fields, [fit_instructions(profile), *(p.text for p in passages)]):
            # As chat withholds such an answer: the rubric, or a resume passage dumped whole.
            FIT_ASSESSMENTS.labels(outcome="withheld").inc()
            raise LLMError("llm_bad_response", detail=WITHHELD)
        FIT_ASSESSMENTS.labels(outcome="assessed").inc()
        return assessment, tokens, estimated


def _repeats_protected(fields: list[str], protected: list[str]) -> bool:
    """Whether a field copies `protected` (the rubric, then the passages) as chat's answer filter would
    judge it; each field alone, so quoting one resume bullet per key match is never a run."""
    for field in fields:
        leak_filter = FIT_LEAKS(protected)
        leak_filter.feed(field)
        leak_filter.finish()
        if leak_filter.withheld:
            return True
    return False
