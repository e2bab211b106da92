"""The messages sent to the LLM: system prompt with resume context, history, question."""

from __future__ import annotations

from collections.abc import Sequence

from app.llm.types import ChatMessage
from app.retrieval.types import Passage

DEFAULT_SYSTEM_PROMPT = (
    "You answer recruiters' questions about {name}, using only the resume excerpts below. "
    "Be concise, factual and friendly. If the excerpts do not answer the question, say so "
    "plainly; never invent employers, dates, numbers or skills."
)

_NO_CONTEXT = (
    "No resume excerpts were found for this question (the resume search may be unavailable). "
    "Tell the recruiter you cannot answer it from the resume right now."
)


def build_messages(
    *,
    question: str,
    passages: Sequence[Passage],
    history: Sequence[ChatMessage],
    system_prompt: str = "",
    candidate_name: str = "",
) -> list[ChatMessage]:
    """Return the chat messages for one turn."""
    instructions = system_instructions(system_prompt, candidate_name)
    system: ChatMessage = {"role": "system", "content": f"{instructions}\n\n{_context(passages)}"}
    return [system, *history, {"role": "user", "content": question}]


def system_instructions(system_prompt: str, candidate_name: str) -> str:
    """Return the instructions the system message opens with: the resume's own prompt, or ours."""
    return (system_prompt or DEFAULT_SYSTEM_PROMPT).replace("{name}", candidate_name or "the candidate")


def _context(passages: Sequence[Passage]) -> str:
    if not passages:
        return _NO_CONTEXT
    sections = "\n\n".join(f"### {passage.title}\n{passage.text.strip()}" for passage in passages)
    return f"Resume excerpts:\n\n{sections}"
