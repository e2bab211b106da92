"""The input guard: blocks prompt injection in a chat question or a job description before
retrieval and before any LLM call (implements `app.guardrails.types.InputGuard`)."""

from __future__ import annotations

import hashlib

import structlog

from app.guardrails.described_attacks import describes_an_attack
from app.guardrails.learned_detector import MeaningDetector
from app.guardrails.role_play import plays_a_hiring_role
from app.guardrails.rules import KNOWN_WORDS, RULES
from app.guardrails.types import ALLOWED, LEARNED, GuardVerdict, Surface
from app.guardrails.views import views
from app.telemetry.metrics import GUARDRAIL_BLOCKS
from app.text.embedding import shared_embedder

log = structlog.get_logger(__name__)


def find_attack(text: str) -> str | None:
    """Return the category of the first rule that matches any view of `text`, or None."""
    for view in views(text, KNOWN_WORDS):
        for category, pattern in RULES:
            # A recruiter's role-play is a question (role_play.py); a security ad names attacks (described_attacks.py).
            found = (match for match in pattern.finditer(view) if not describes_an_attack(view, match))
            if category == "role_switch":
                found = (match for match in found if not plays_a_hiring_role(view, match))
            if next(found, None) is not None:
                return category
    return None


class PromptInjectionGuard:
    """Match every rule against every normalised view, then ask the learned detector; count and
    log blocks, never the text."""

    def __init__(self, surface: Surface, detector: MeaningDetector | None = None) -> None:
        self.surface = surface  # the detector's threshold, a metric label and a log field
        self.detector = detector or MeaningDetector(shared_embedder())

    def classify(self, text: str) -> str | None:
        """Return the category `text` is blocked for, or None: rules first (they name the kind), then the model."""
        return find_attack(text) or (LEARNED if self.detector.is_attack(text, self.surface) else None)

    def check(self, text: str) -> GuardVerdict:
        """Decide whether `text` may reach retrieval and the LLM."""
        category = self.classify(text)
        if category is None:
            return ALLOWED
        GUARDRAIL_BLOCKS.labels(surface=self.surface, category=category).inc()
        # A digest lets an operator match repeated attempts without the text reaching the logs.
        digest = hashlib.sha256(text.encode()).hexdigest()[:12]
        log.info("guardrail.blocked", surface=self.surface, category=category, chars=len(text), digest=digest)
        return GuardVerdict(blocked=True, category=category)
