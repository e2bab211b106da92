"""The labelled guardrail sets (tests/guardrail_*.yaml) and their fixed tuning / held-out split.

Round 1 (guardrail_attacks.yaml, guardrail_questions.yaml, guardrail_job_descriptions.yaml)
was written before any rule. Its split was decided then: an item is held out when the first
byte of the SHA-256 of its text, modulo 10, is below 3 (about 30 %). Rounds 2-6 were each
written before the rules were tuned on the round before, measured once on arrival (see each
file's header), then used for tuning. Round 7 was written by someone who had not seen the
guard or the earlier rounds and is held out; round 8 is training data written after it
without reading it. Round 9, by a new writer who read neither round 7 nor the guard, was
meant as training data; refitting the model with it blocked fewer held-out attacks, so it
was put aside unread and is held out too (measured once on arrival, see its header). Rounds
10 to 17 came from eight more writers, each blind to the guard and to every other round;
10, 11, 13, 14 and 15 are training data, 12, 16 and 17 are held out (17 was written after the
guard's final model was chosen). Round 18 (job-ad boilerplate: privacy, agency and
equal-opportunity notices, applicant instructions, and attacks hidden in them) was written
after an audit found such paragraphs blocked, by someone who had read the guard and the
tuning rounds but no held-out round; it is training data. Round 19, by a new writer blind to
the guard and to every round's attacks, is training data too (its on-arrival figures are in its
header). Round 20, by another new writer blind to the guard and to every other round, was held
out and measured once on arrival (see its header); its blocked honest questions were then read,
so it became training data, for the rules and then the model. Rounds 21-24 came from four more new
writers, each blind to the guard and to every other round (23 weighted to attacks hidden in job
ads, 24 to other languages); each was measured once on arrival (see its header), then used as
training data, as decided before they arrived. Round 25, from another new blind writer, was
decided held out before it was written and measured once on arrival with the guard those rounds
trained (see its header). Rounds 26 (weighted to attacks hidden in job ads) and 27 (casual chat,
blunt hiring managers) came from two more new blind writers, were measured once on arrival (see
their headers) and are training data, as decided before they arrived. Round 28, from a third new
blind writer of that session, was decided held out before it was written and measured once on
arrival with the guard those rounds trained (see its header). Rounds 29 (weighted to attacks
hidden in job ads, by a recruiting agency's operations lead) and 30 (a penetration tester's
balanced set) came from two more new blind writers in the next session: 29 was decided training
data and 30 held out before either was written; both were measured once on arrival (see their
headers). Round 31 (a job board's trust-and-safety analyst; subtle instructions in job ads, honest
role-play and format requests) came from a third new blind writer of that session, decided
training data before it was written, and measured once on arrival (see its header). Rounds 32 (an
applicant-tracking vendor's security engineer, weighted to attacks hidden in job ads), 33 (a
university careers adviser's balanced set) and 34 (a freelance recruiter's casual, multilingual set)
came from three more new blind writers in the session after: 32 and 34 were decided training data
and 33 held out before any was written; each was measured once on arrival (see their headers).
Rounds 35 (a German-Austrian staffing agency's head of talent acquisition, weighted to attacks hidden
in formal job ads) and 36 (a founder hiring across South and Southeast Asia; casual, code-mixed chat
and playful jailbreaks) came from two more new blind writers in the session after; both were decided
training data before either was written, and measured once on arrival (see round 35's header).
Round 37 (a talent lead hiring across East, West and North Africa and the Gulf; Arabic, Arabizi,
Swahili, Sheng, Pidgin, French, Amharic, Yoruba, Hausa; 35 attacks hidden in job ads) came from a
new blind writer in the session after; it was decided held out before it was written, and measured
once on arrival (see its header).
Rules and model are tuned against the tuning part only; the held-out part is measured,
never looked at while tuning.

Each example is judged on the surface it would reach (`Example.surface`): benign questions
on "chat", benign job descriptions on "fit" (POST /api/v1/assess-fit), attacks whose form
says they are hidden in a job description ("hidden_in_jd", "in_job_description") on "fit",
every other attack on "chat". An attacker chooses the surface, so the figures also give the
worst case: an attack counts as blocked only if both surfaces block it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml

from app.guardrails.types import Surface

HERE = Path(__file__).resolve().parent
Part = Literal["tuning", "held_out"]
HELD_OUT_ROUNDS = frozenset({7, 9, 12, 16, 17, 25, 28, 30, 33, 37})
ROUNDS = range(2, 38)  # the files guardrail_round2.yaml ... guardrail_round37.yaml
JOB_DESCRIPTION_FORMS = frozenset({"hidden_in_jd", "in_job_description"})  # the attacks posted as job descriptions


@dataclass(frozen=True)
class Example:
    text: str
    attack: bool
    kind: str  # the attack kind, or "question" / "job_description" for benign inputs
    form: str = ""
    round: int = 1

    @property
    def surface(self) -> Surface:
        """Where the example is judged: "fit" for job descriptions and attacks hidden in one, else "chat"."""
        in_job_description = self.kind == "job_description" or self.form in JOB_DESCRIPTION_FORMS
        return "fit" if in_job_description else "chat"

    @property
    def part(self) -> Part:
        if self.round > 1:
            return "held_out" if self.round in HELD_OUT_ROUNDS else "tuning"
        return "held_out" if hashlib.sha256(self.text.encode()).digest()[0] % 10 < 3 else "tuning"


def _load(name: str) -> Any:
    return yaml.safe_load((HERE / name).read_text(encoding="utf-8"))


def attacks() -> list[Example]:
    found = [Example(a["text"], True, a["kind"], a["form"]) for a in _load("guardrail_attacks.yaml")["attacks"]]
    for round_number in ROUNDS:
        data = _load(f"guardrail_round{round_number}.yaml")
        found.extend(Example(a["text"], True, a["kind"], a["form"], round_number) for a in data["attacks"])
    return found


def benign() -> list[Example]:
    found = [Example(q, False, "question") for q in _load("guardrail_questions.yaml")["questions"]]
    found.extend(
        Example(j, False, "job_description") for j in _load("guardrail_job_descriptions.yaml")["job_descriptions"]
    )
    for round_number in ROUNDS:
        data = _load(f"guardrail_round{round_number}.yaml")
        found.extend(Example(q, False, "question", round=round_number) for q in data["questions"])
        found.extend(Example(j, False, "job_description", round=round_number) for j in data.get("job_descriptions", []))
    return found


def part(examples: list[Example], which: Part) -> list[Example]:
    return [example for example in examples if example.part == which]
