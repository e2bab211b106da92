"""Words of recruiters' questions: filler to drop, and the resume words they usually mean.

Lexical search only matches words the resume uses; a recruiter asking what she "earns"
finds nothing in a section about "salary". These tables bridge the common cases of the
resume format (SPEC §10); they hold general recruiting vocabulary, nothing about one
candidate.
"""

from __future__ import annotations

STOP_WORDS = frozenset(
    """
    a about above after again against all also am an and any anything are as at be been
    before being both but by can could did do does doing done down during each either else
    ever every few for from further get gets give got had has have having he her here hers
    herself him himself his how i if in into is it its itself just kind know let like lot
    lots me might more most much must my myself no nor not now of off on once only or other
    our out over own please really same say she should so some such tell than that the their
    theirs them themselves then there these they thing things this those through to too under
    until up us very was way ways we well were what whats when where whether which while who
    whom whose why will with would yes yet you your yours
    candidate candidates experience experienced person someone something good
    """.split()
)

# A question word -> resume words that answer it (searched together with the word itself).
_GROUPS: dict[tuple[str, ...], tuple[str, ...]] = {
    ("earn", "earning", "pay", "paid", "compensation", "wage", "remuneration", "money"): ("salary",),
    ("salary",): ("compensation", "pay"),
    ("study", "studied", "degree", "university", "college", "school", "graduate", "graduated"): ("education",),
    ("education",): ("degree", "university"),
    ("master", "masters", "msc", "bachelor", "bachelors", "bsc", "phd", "diploma"): ("education", "msc", "bsc"),
    ("based", "located", "lives", "living", "city", "timezone"): ("location",),
    ("move", "moving", "relocate", "relocating"): ("relocation", "relocate"),
    ("remotely", "wfh", "distributed"): ("remote",),
    ("leadership", "leader", "leading", "manage", "managed", "managing", "management", "manager"): (
        "lead",
        "leads",
        "led",
    ),
    ("mentoring", "mentored", "coaching"): ("mentor",),
    ("available", "availability", "notice", "begin", "join", "soon", "asap"): ("start", "available"),
    ("spend", "spending", "budget", "bill", "bills", "save", "saved", "savings", "cheaper"): ("cost", "costs"),
    ("overview", "background", "introduce", "introduction", "profile", "yourself"): ("summary",),
    ("companies", "company", "employers", "employer", "employment", "jobs", "career", "worked"): ("experience",),
    ("weakness", "weaknesses", "weak", "weaker", "lacking", "lack", "missing", "limitations"): ("gaps", "weaknesses"),
    ("strength", "strengths", "strongest", "best", "expert", "expertise"): ("strong", "strongest"),
    ("k8s", "kube"): ("kubernetes",),
    ("cloud",): ("aws", "gcp", "azure"),
    ("visa", "permit", "sponsor", "sponsorship", "citizen", "citizenship"): ("visa", "sponsorship"),
    ("languages", "speak", "speaks", "fluent", "spoken", "native"): ("languages", "english"),
    ("leave", "leaving", "quit", "quitting", "change"): ("looking", "new"),
    ("fit", "match", "suitable", "suited", "hire", "hiring"): ("fit", "assessment"),
    ("certified", "certification", "certifications", "certificate"): ("certified", "certifications"),
    ("talks", "conference", "conferences", "speaker", "presentations"): ("talks", "speaker"),
    ("oncall", "pager", "paging", "incidents", "incident", "outage", "outages"): ("call", "incident"),
}
SYNONYMS: dict[str, tuple[str, ...]] = {word: targets for words, targets in _GROUPS.items() for word in words}
