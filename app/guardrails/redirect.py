"""What a recruiter reads when the input guard blocked their chat question."""

from __future__ import annotations

from collections.abc import Sequence

MAX_SUGGESTIONS = 3


def redirect_message(candidate: str, suggestions: Sequence[str]) -> str:
    """Compose a friendly redirect naming the candidate, with a few questions to ask instead."""
    who = candidate.strip() or "the candidate"
    lines = [
        f"I'm here to answer questions about {who}'s experience, skills and fit for a role, "
        "so I can't help with that request."
    ]
    picked = [q.strip() for q in suggestions if q.strip()][:MAX_SUGGESTIONS]
    if picked:
        lines.append("You could ask, for example:\n" + "\n".join(f"- {q}" for q in picked))
    else:
        lines.append(f"Try asking about {who}'s projects, skills or past roles.")
    return "\n\n".join(lines)
