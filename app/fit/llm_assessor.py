"""Ask the LLM for an assessment as JSON; validate it; ask once more if it is invalid.

Two invalid replies end in `llm_bad_response`: the service never makes a verdict up.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass

import structlog
from pydantic import ValidationError

from app.errors import LLMError
from app.fit.assessment import FitAssessment, response_format, tidied
from app.fit.prompt import repair_message
from app.llm.collect import collect
from app.llm.deadline import NO_DEADLINE, AnswerDeadline
from app.llm.types import Answerer, AnswerRequest, ChatMessage
from app.telemetry.metrics import FIT_REPAIRS

log = structlog.get_logger(__name__)

# Some models wrap JSON in a Markdown code fence even when asked for JSON only.
_CODE_FENCE = re.compile(r"^\s*```(?:json)?\s*(?P<body>.*?)\s*```\s*$", re.DOTALL | re.IGNORECASE)
MAX_ECHOED_REPLY = 4000  # of an invalid reply, sent back with the repair request
MAX_OBJECT_STARTS = 20  # where a JSON object among other words is looked for (each try reads on)
_DECODER = json.JSONDecoder()
REFUSED_SCHEMA_STATUSES = frozenset({400, 422, 500, 501})
# A reply of words alone (a refusal such as "I'm sorry, I can't…", or an opinion in prose) was
# read: it holds no assessment, which is not the same as a reply that could not be read.
NO_ASSESSMENT = "The language model did not give an assessment of this job description."


@dataclass(frozen=True, slots=True)
class _Reply:
    text: str
    tokens: int
    estimated: bool  # the upstream reported no usage (app/llm/usage_estimate.py)


def assess_with_llm(
    answerer: Answerer, messages: list[ChatMessage], question: str, deadline: AnswerDeadline = NO_DEADLINE
) -> tuple[FitAssessment, int, bool]:
    """Return the validated assessment, the tokens spent and whether that figure is estimated; raise
    LLMError("llm_bad_response") after two bad replies, or "llm_timeout" once `deadline` (shared by
    all the calls made) has passed."""
    first = _ask(answerer, messages, question, deadline)
    assessment, problem = parse_assessment(first.text)
    if assessment is not None:
        return assessment, first.tokens, first.estimated
    log.info("fit.repair", problem=problem)
    echoed: ChatMessage = {"role": "assistant", "content": first.text[:MAX_ECHOED_REPLY]}
    retry = [*messages, echoed, repair_message(problem)]
    second = _ask(answerer, retry, question, deadline)
    assessment, problem = parse_assessment(second.text)
    if assessment is None:
        log.warning("fit.bad_response", problem=problem)
        raise LLMError("llm_bad_response", detail=NO_ASSESSMENT if _words_alone(second.text) else None)
    FIT_REPAIRS.inc()
    return assessment, first.tokens + second.tokens, first.estimated or second.estimated


def parse_assessment(text: str) -> tuple[FitAssessment | None, str]:
    """Return the assessment in `text`, or None and a short description of what is wrong (no reply text).

    The reply should be the JSON object alone; one inside a code fence, or after some words
    or a model's `<think>` notes, is taken too. The problem named is the whole reply's.
    """
    fenced = _CODE_FENCE.match(text)
    problem = ""
    for candidate in itertools.chain([fenced.group("body") if fenced else text], _objects_inside(text)):
        try:
            return _validated(candidate), ""
        except ValidationError as error:
            problem = problem or "; ".join(
                f"{'.'.join(str(p) for p in item['loc']) or 'reply'}: {item['type']}" for item in error.errors()[:5]
            )
    return None, problem


def _words_alone(text: str) -> bool:
    """Whether `text` is prose with no attempt at JSON in it (no object, no leading array or fence)."""
    return "{" not in text and not text.lstrip().startswith(("[", "```"))


def _validated(candidate: str) -> FitAssessment:
    """The assessment `candidate` holds, tidied first; raise ValidationError (invalid JSON included)."""
    try:
        reply = json.loads(candidate)
    except (ValueError, RecursionError):
        return FitAssessment.model_validate_json(candidate)  # raises, naming the JSON's problem
    return FitAssessment.model_validate(tidied(reply))


def _objects_inside(text: str) -> Iterator[str]:
    """The JSON objects that start at one of the first MAX_OBJECT_STARTS braces of `text`, read
    only when the whole reply was not the assessment."""
    for match in itertools.islice(re.finditer(r"\{", text), MAX_OBJECT_STARTS):
        try:
            _, end = _DECODER.raw_decode(text, match.start())
        except ValueError:
            continue
        yield text[match.start() : end]


def _ask(answerer: Answerer, messages: list[ChatMessage], question: str, deadline: AnswerDeadline) -> _Reply:
    """Run one whole LLM call, with the JSON schema where the server takes it; raise LLMError on failure."""
    schema = response_format()
    try:
        return _call(answerer, AnswerRequest(messages, question, response_format=schema, deadline=deadline))
    except LLMError as error:
        if error.upstream_status not in REFUSED_SCHEMA_STATUSES:
            raise
    # A server (or model) that does not take a JSON schema refuses the request (a 400, a
    # validating server's 422, or a 500/501 for what it never implemented): the instructions
    # ask for the same JSON object, so ask once more without the schema.
    log.info("fit.without_schema")
    return _call(answerer, AnswerRequest(messages, question, deadline=deadline))


def _call(answerer: Answerer, request: AnswerRequest) -> _Reply:
    if request.deadline is not None:
        request.deadline.check()  # spent by the calls before: no new one (any answerer)
    texts, finished = collect(answerer, request)
    usage = finished.usage
    return _Reply("".join(texts), usage.total_tokens if usage else 0, usage is not None and not usage.reported)
