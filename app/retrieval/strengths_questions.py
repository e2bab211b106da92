"""Whether a question asks for the candidate's strengths, or weaknesses, in general.

"What's her superpower?", "Where does he fall short?", "What would she need coaching on?": SPEC §10
gives every resume the frames that answer these (the skills' Strong and Gaps groups), but such a
question names no skill, so its words meet neither group's, and "Where does she excel?" was searched
as the spreadsheet. A question naming a skill ("Is she strong at negotiating?", "Does he struggle
with public speaking?"), or asking about the strengths of something else (her team, a product, an
audit's findings), is left alone: its answer may lie anywhere. Read from English grammar over the
question's case-folded words ("she's" is "she s"), English only. Written from one blind writer's 80
such questions and 60 near them in wording that ask for neither, then four more writers' ("What's her
Achilles heel?", "What isn't he good at?", "the good and the bad on this candidate", "Where is she
thin?", "What's her edge?", "What should I probe?"); a third, a fifth and an eighth writer's are held
out (`tests/data/strengths_questions_*.yaml`).
"""

from __future__ import annotations

import re
from functools import lru_cache

# The candidate, and the candidate's: "her" as an object only when no noun follows ("strengths of
# her team" is the team's).
_PERSON = r"(?:candidate|applicant|person|guy|man|woman|lady|individual|hire|client)"
_SOMEONE = rf"(?:she|he|they|him|them|you|(?:the|this|your)\s+{_PERSON}|this\s+\w+)"
_WHOSE = (
    rf"(?:her|his|their|your|(?:the|this|your)\s+{_PERSON}\s+s|(?:the|this|your)\s+{_PERSON}s"  # "candidates" typed
    r"|this\s+(?!(?:company|firm|team|role|job|product|business|organi[sz]ation|department|project|school|hospital)\b)\w+\s+s)"
)
_OF_THEM = rf"(?:of|for)\s+(?:him|them|(?:the|this|your)\s+{_PERSON}|this\s+\w+\s+s)\b"
# What a whole skill set is called, as against one skill.
_SKILL_SET = r"(?:skill\s*set|skills|skill\s+profile|profile|abilities|experience|resume|cv|background|capabilit\w+|qualifications)"
_STRONG_NOUNS = (
    r"(?:strengths?|strenghts?|strenths?|strong\s+(?:points?|suits?|sides?)|assets?|superpowers?|selling\s+points?|fortes?"
    r"|talents?|upsides?|positive\s+(?:attributes|qualities|traits|points)|plus\s+points|sweet\s+spot|pros"
    r"|standout\s+\w+|(?:core|key|distinctive|top|main|best|greatest|biggest)\s+(?:(?:\d+|two|three|four|five)\s+)?"
    r"(?:competenc\w+|skills|abilities|qualities)"
    r"|areas?\s+of\s+expertise|strongest\s+(?:skills?|abilities|areas?|suits?|points?|parts?))"
)
_WEAK_NOUNS = (
    r"(?:weakness\w*|weak\s+(?:points?|spots?|areas?|sides?)|weaker\s+(?:skills?|areas?|points?|sides?)|blind\s*spots?"
    r"|shortcomings?|limitations?|achilles\s+heel|kryptonite|soft\s+underbelly|cons|areas?\s+of\s+concern"
    r"|opportunities\s+for\s+(?:improvement|growth|development)|development\s+(?:areas?|needs|points)|areas?\s+(?:of|for)\s+(?:improvement|development"
    r"|growth)|(?:skill\s*)?gaps|deficienc\w+|flaws?|downsides?|drawbacks?|red\s+flags|improvement\s+areas?)"
)
# A question typed as a bare phrase: "key strengths pls", "weak points?", led by no other noun
# ("employment gaps" asks about her jobs).
_PHRASE = r"^(?:(?:her|his|their|the|candidate\s+s|any|key|main|top|core|biggest|greatest|real|\d+|two|three)\s+)*{}(?:\s+(?:pls|please|plz|only|then))?$"
# After a verb of ability, what leaves the skill unnamed: the end, "and…", "compared to…", an adverb.
_UNNAMED = r"(?=\s*$|\s+(?:and|what|which|compared|relative|among|professionally|most|best|from|\w+ly)\b)"
# "What isn't she good at?" asks for her weaknesses, not her strengths.
_NOT_GOOD_AT = (
    rf"\b(?:isn|aren|wasn)\s+t\s+{_SOMEONE}\s+(?:\w+\s+)?(?:good|great|strong)\s+at(?=\s*$|\s+and\b)"
    rf"|\b{_SOMEONE}\s+(?:(?:isn|aren)\s+t|(?:is|are)\s+not)\s+(?:\w+\s+)?(?:good|great|strong)(?:\s+(?:at|in|with))?(?=\s*$|\s+and\b)"
)
_STRENGTHS = re.compile(
    rf"\b{_WHOSE}\s+(?:\w+\s+){{0,2}}?{_STRONG_NOUNS}\b|\b{_STRONG_NOUNS}(?:\s+\w+){{0,4}}?\s+{_OF_THEM}"
    rf"|{_PHRASE.format(_STRONG_NOUNS)}|\b(?:which|what)\s+(?:main\s+|key\s+|top\s+)?strengths\b"
    rf"|\b(?:which|what)\s+(?:\w+\s+)?(?:areas\s+of\s+expertise|talents|strengths|strong\s+suits)\s+(?:\w+\s+)?{_SOMEONE}"
    rf"\s+(?:have|has|possess|bring|offer|got)\b"
    # "Where does he excel?", "What does she do really well?", "What is he really good at?"
    rf"|\b{_SOMEONE}\s+(?:(?!(?:at|in|with|on|using)\b)\w+\s+)?(?:excel\w*|shine\w*)(?:\s+at)?{_UNNAMED}"
    rf"|\b{_SOMEONE}\s+(?:\w+\s+)?(?:does|do|did)\s+(?:\w+\s+){{0,2}}?(?:best|well){_UNNAMED}"
    rf"|\b{_SOMEONE}\s+(?:\w+\s+)?do\w*\s+better\s+than\b"
    rf"|(?<!not\s)(?<!so\s)(?<!very\s)(?<!as\s)(?<!that\s)\b(?:good|great|best|strongest|brilliant|excellent)\s+at{_UNNAMED}"
    rf"|\b(?:is|are)\s+{_SOMEONE}\s+(?:\w+\s+)?(?:strongest|best|most\s+(?:skilled|capable|accomplished|experienced|good"
    rf"|proficient|knowledgeable))(?:\s+(?:in|at|with))?(?=\s*$|\s+and\b)"
    rf"|\b{_SOMEONE}\s+(?:\w+\s+)?at\s+{_WHOSE}\s+best\b"
    rf"|\b{_SOMEONE}\s+(?:\w+\s+)?bring\w*\s+to\s+(?:the\s+table|(?:the|our|your|a|this|my)\s+\w+|us)\b"
    rf"|\b(?:is|are)\s+{_SOMEONE}\s+(?:best\s+)?known\s+for(?:\s+professionally)?\s*$"
    rf"|\bstand\w*\s+out\s+(?:most\s+)?(?:about|in)\s+{_WHOSE}|\bmakes?\s+{_SOMEONE}\s+stand\s+out\b"
    rf"|\bsets?\s+(?:{_SOMEONE}|her)\s+apart\b"
    rf"|\bof\s+{_WHOSE}\s+skills\s+(?:are|is)\s+(?:the\s+)?(?:most|best|strongest)\b"
    rf"|\b(?:strongest|best)\s+(?:parts?|aspects?|sides?)\s+of\s+{_WHOSE}\s+{_SKILL_SET}"
    rf"|\badd\w*\s+(?:the\s+)?most\s+value\b|\b{_WHOSE}\s+(?:\w+\s+)?(?:value|strengths?|talents?)\s+lies?\b"
    # "What stands out about this candidate?", "the best thing about his skill set", "strengths in her profile"
    rf"|\bstand\w*\s+out\s+(?:most\s+)?about\s+(?:(?:the|this)\s+{_PERSON}|her|him|them)(?=\s*$|\s+(?:in\s+a\s+(?:positive|good)"
    rf"|and|overall|professionally)\b)"
    rf"|\b(?:best|strongest|most\s+impressive)\s+(?:things?|parts?|aspects?|sides?)\s+(?:about|of|in)\s+{_WHOSE}\s+{_SKILL_SET}"
    rf"|\b(?:skills|abilities|qualities)\s+of\s+{_WHOSE}\s+(?:are|is)\s+(?:the\s+)?(?:most|best|strongest)\b"
    rf"|\b{_STRONG_NOUNS}(?:\s+\w+){{0,3}}?\s+in\s+{_WHOSE}\s+{_SKILL_SET}"
    rf"|\b(?:which|what)\s+(?:\w+\s+)?{_STRONG_NOUNS}\s+(?:does|do)\s+{_SOMEONE}\s+(?:demonstrate|show|display)\b"
    rf"|\b(?:is|are)\s+{_SOMEONE}\s+(?:strongest|best)\s+(?:in|at)\s+overall\s*$"
    # "What positives jump out?", "her edge", "What would he contribute?", "What's impressive about him?"
    rf"|\b(?:positives|talents|strengths|qualities)\s+(?:\w+\s+)?(?:jump|stand)\w*\s+out\b|\bstand\w*\s+out\s+in\s+a\s+(?:good"
    rf"|positive)\s+way\b|\b{_WHOSE}\s+(?:competitive\s+)?edge\b"
    rf"|\bwhat\s+(?:kind\s+of\s+|sort\s+of\s+)?(?:value\s+)?(?:would|will|could|can|does)\s+{_SOMEONE}\s+(?:\w+\s+)?(?:contribute|add"
    rf"|bring)(?=\s*$|\s+(?:to|if|from|on)\b)"
    rf"|\bwhat\s*(?:is|s)\s+(?:most\s+|really\s+)?impressive\s+(?:about|on|in)\s+(?:{_SOMEONE}|her|(?:this|the)\s+(?:resume|cv"
    rf"|profile)|{_WHOSE}\s+{_SKILL_SET})\b"
    rf"|\bwhy\s+(?:is|are)\s+{_SOMEONE}\s+(?:such\s+)?an?\s+(?:strong|good|great)\s+(?:candidate|fit|hire|applicant)\b"
    rf"|\b{_SOMEONE}\s+(?:is|are)\s+(?:\w+\s+)?(?:good|great|strong)\s+(?:in|at)\s+(?:what|which)\b"
    rf"|\b(?:which|what)\s+areas?\s+(?:is\s+|are\s+)?{_SOMEONE}\s+(?:is\s+|are\s+)?(?:\w+\s+)?(?:strong|strongest|skilled)\b"
    rf"|\bwhat\s+(?:positives|strengths)\s+should\s+(?:i|we)\b|\bwhat\s+should\s+(?:i|we)\s+(?:highlight|lead\s+with"
    rf"|emphasi[sz]e|praise)\b|\bmakes?\s+{_SOMEONE}\s+(?:so\s+)?(?:hireable|hirable|employable|valuable)\b"
)
_WEAKNESSES = re.compile(
    rf"\b{_WHOSE}\s+(?:\w+\s+){{0,2}}?{_WEAK_NOUNS}\b|\b{_WEAK_NOUNS}(?:\s+\w+){{0,4}}?\s+{_OF_THEM}"
    rf"|{_PHRASE.format(_WEAK_NOUNS)}|\b(?:{_WEAK_NOUNS}|weak\w*|holes)\s+in\s+{_WHOSE}\s+{_SKILL_SET}"
    rf"|\b(?:any|are\s+there)\s+(?:\w+\s+)?(?:skill\s*gaps|weak\w*|red\s+flags|deficienc\w+|shortcomings)\b"
    rf"(?!\s+in\s+(?:her|his|their)\s+(?!{_SKILL_SET}\b)\w+)"
    rf"|\b(?:missing|lacking)\s+(?:from|in)\s+{_WHOSE}\s+{_SKILL_SET}"
    rf"|\b(?:skills?|areas?|abilities|competenc\w+)\s+(?:are|is|were|seem)\s+(?:\w+\s+)?underdeveloped\b"
    rf"|\blimits\s+(?:of|to)\s+{_WHOSE}\s+{_SKILL_SET}"
    # "What skills does she lack?", "What can't he do?", "What has she never done?"
    rf"|\b(?:what|which)\s+(?:\w+\s+){{0,2}}?(?:skills?|competenc\w+|abilities|experience|knowledge|areas?)\s+(?:does|do|is"
    rf"|are)\s+{_SOMEONE}\s+(?:\w+\s+)?(?:lack\w*|missing|weak\w*)"
    rf"|\bwhat\s+(?:(?:can|couldn|doesn|don|isn|aren|won|wouldn)\s+t|cannot|can\s+not)\s+{_SOMEONE}\s+(?:\w+\s+)?(?:do|know|handle)\b"
    rf"|\bwhat\s+{_SOMEONE}\s+(?:can|could|does|do)\s*(?:not|n\s*t)\s+(?:do|know)\b"
    rf"|\b(?:what|which)\s+(?:\w+\s+){{0,3}}?(?:has|have|had)\s+{_SOMEONE}\s+(?:never|not)\s+(?:done|had|handled|tried)\b"
    rf"|\bwhat\s+(?:\w+\s+){{0,2}}?{_SOMEONE}\s+(?:\w+\s+)?struggl\w*(?:\s+(?:with|in|on))?(?=\s*$|\s+and\b)"
    # "Where would she need support?", "Which areas does he still need to develop?"
    rf"|\b(?:where|what|which)\s+(?:\w+\s+){{0,3}}?{_SOMEONE}(?:\s+(?:s|is|are|re))?\s+(?:\w+\s+){{0,3}}?(?:struggl\w*"
    rf"|lacking|fall\w*\s+short(?!\s+of\b)|need\s+(?:\w+\s+){{0,2}}?(?:support|help|coaching|training|to\s+(?:learn|grow|improve"
    rf"|develop|work\s+on|level\s+up|upskill)))\b"
    rf"|\bwhat\s+(?:\w+\s+){{0,6}}?needs?\s+(?:\w+\s+){{0,3}}?(?:train\w*|coach\w*|learn\w*|upskill\w*|improv\w*"
    rf"|develop\w*|work\s+on)(?:\s+(?:\w+\s+)?on)?\s*$"
    # "Where does he fall short?", "Where does her experience come up short?"; "fall short of quota" names it.
    rf"|\b(?:{_SOMEONE}|{_WHOSE}\s+(?:\w+\s+)?{_SKILL_SET})\s+(?:\w+\s+)?(?:fall\w*|fell|come\w*\s+up|came\s+up)\s+short\b(?!\s+of\b)"
    rf"|\bnot\s+(?:so\s+|very\s+|as\s+|that\s+)?(?:good|great|strong|skilled)(?:\s+(?:at|in|with))?(?=\s*$|\s+and\b)"
    rf"|\b(?:weak|weakest|worst|least\s+good)\s+at(?=\s*$|\s+and\b)"
    rf"|\b(?:is|are)\s+{_SOMEONE}\s+(?:\w+\s+)?(?:weakest|(?:least|less)\s+(?:experienced|skilled|strong|capable|confident))\b"
    rf"|\b(?:limitations|weaknesses|gaps|shortcomings)\s+(?:does|do|did)\s+{_WHOSE}\s+{_SKILL_SET}"
    rf"|\bconcerns?\s+(?:\w+\s+){{0,4}}?about\s+{_WHOSE}\s+{_SKILL_SET}"
    rf"|\b(?:worr\w+|concerned)\s+about(?:\s+(?:with|regarding|in)\s+{_SOMEONE})?\s*$"
    # "What's he missing?", "What does she lack compared to…?", "What should he work on?", "Which of her skills need work?"
    rf"|\bwhat\s*(?:is|s)\s+{_SOMEONE}\s+(?:\w+\s+)?missing\s*$|\bwhat\s+(?:does|do|did)\s+{_SOMEONE}\s+(?:\w+\s+)?lack{_UNNAMED}"
    rf"|\bwhat\s+(?:should|could|would|does|do|must)\s+{_SOMEONE}\s+(?:\w+\s+)?(?:work\s+on|improve\s+on|brush\s+up\s+on)"
    rf"(?=\s*$|\s+(?:to|and|first|most)\b)"
    rf"|\b(?:which|what)\s+of\s+{_WHOSE}\s+skills\s+(?:need|needs|require)\s+(?:\w+\s+)?(?:development|improvement|work"
    rf"|strengthening|training)\b"
    rf"|\b(?:holes|weak\w*|blind\s*spots?)\s+in\s+(?:this|the)\s+{_SKILL_SET}\s+skills\s*wise\b"
    rf"|\b{_WEAK_NOUNS}\s+in\s+{_WHOSE}\s+{_SKILL_SET}|\bbad\s+at(?=\s*$|\s+and\b)"
    rf"|\b(?:where|what|which)s\s+(?:\w+\s+){{0,3}}?{_SOMEONE}\s+(?:\w+\s+){{0,2}}?(?:struggl\w*|lacking)\b"
    rf"|{_NOT_GOOD_AT}"
    # "Where is she thin?", "anything he can't handle", "What would worry you about her?", "hand-holding"
    rf"|\bwhere\s*(?:is|s)\s+(?:{_SOMEONE}|{_WHOSE}\s+{_SKILL_SET})\s+(?:\w+\s+)?(?:thin|weak\w*|lacking|light)\b"
    rf"|\banything\s+{_SOMEONE}\s+(?:can\s*t|cannot|can\s+not|couldn\s+t)\s+(?:do|handle|manage)\b"
    rf"|\b{_SOMEONE}\s+(?:is|are)\s+(?:\w+\s+)?weak(?:er)?\s+(?:in|at)\s+(?:what|which)\b"
    rf"|\bworr\w*\s+(?:\w+\s+){{0,3}}?about\s+(?:{_SOMEONE}|her)(?=\s*$|\s+(?:skills?\s*wise|professionally)\b)"
    rf"|\bout\s+of\s+(?:her|his|their|your)\s+depth\b|\bhand\s*holding\b"
    rf"|\bwhere\s+(?:is|are)\s+{_SOMEONE}\s+not\s+(?:\w+\s+)?(?:good|strong|skilled|experienced)\b"
    rf"|\bwat\s+(?:does|do|did)\s+{_SOMEONE}\s+(?:\w+\s+)?lack{_UNNAMED}|\b{_SOMEONE}\s+(?:\w+\s+)?under\s*qualified\s*$"
    rf"|\b(?:weak\w*\s+areas?|weaknesses|gaps)\s+should\s+(?:i|we)\b|\bwhat\s+should\s+(?:i|we)\s+(?:probe|dig\s+into)\b"
    rf"|\bparts?\s+of\s+{_WHOSE}\s+{_SKILL_SET}\s+(?:\w+\s+)?(?:look|seem|are)\s+(?:\w+\s+)?(?:shallow|unproven|thin|weak\w*)\b"
    rf"|\b(?:weakness\w*|weak\s+(?:points?|spots?)|soft\s+underbelly|shortcomings?|blind\s*spots?|red\s+flags)\s+(?:of|in)"
    rf"\s+(?:this|the)\s+(?:profile|cv|resume)\b|^(?:so\s+)?what\s*(?:is|s)\s+the\s+catch\b"
    rf"|\b{_WEAK_NOUNS}(?:\s+\w+){{1,5}}?\s+in\s+{_WHOSE}\s+{_SKILL_SET}|\bhold\w*\s+(?:{_SOMEONE}|her)\s+back\b"
    rf"|\bknocks?\s+(?:against|on)\s+(?:{_SOMEONE}|her)\b|\b{_WEAK_NOUNS}\s+(?:with|about|regarding)\s+(?:this\s+one|{_SOMEONE}|her)\s*$"
    rf"|\b(?:coach|train|upskill|mentor)\s+(?:{_SOMEONE}|her)\s+(?:on|in)(?=\s*$|\s+(?:first|most)\b)"
    rf"|\bconcern\w*\s+(?:\w+\s+){{0,3}}?(?:about|with|regarding)\s+{_WHOSE}\s+{_SKILL_SET}"
)
# Both at once, joined: "strong points and weak points of the applicant", "top skills vs gaps",
# "pros and cons of her skill set", "her strong and weak points".
_BOTH = re.compile(
    rf"\b(?:{_STRONG_NOUNS}|pros|best|good)\s+(?:and|vs|versus|or|plus)\s+(?:\w+\s+){{0,2}}?(?:{_WEAK_NOUNS}|cons|worst"
    rf"|bad)\b(?:(?:\s+\w+){{0,3}}?\s+(?:{_OF_THEM}|of\s+{_WHOSE}\s+{_SKILL_SET})|\s*$)"
    rf"|\b{_WHOSE}\s+(?:\w+\s+){{0,2}}?(?:{_STRONG_NOUNS}|pros)\s+and\s+(?:\w+\s+){{0,2}}?(?:{_WEAK_NOUNS}|cons)\b"
    rf"|\b(?:strong|best|good)\s+and\s+(?:weak|worst|bad)\s+(?:points|sides|spots|areas|suits|parts)\b"
    rf"|^{_STRONG_NOUNS}\s+{_WEAK_NOUNS}(?:\s+(?:pls|please|plz))?$"
    # "the good and the bad on this candidate", "where is he strong and where is he weak"
    rf"|\b(?:good|pros|upsides?)\s+and\s+(?:the\s+)?(?:bad|cons|downsides?)\s+(?:on|about|of)\s+(?:hiring\s+)?(?:{_SOMEONE}|her)\b"
    rf"|\bwhere\s+(?:is|are)\s+{_SOMEONE}\s+strong\w*\s+and\s+(?:where\s+(?:is|are)\s+{_SOMEONE}\s+)?weak\w*\b"
    rf"|\b(?:best|good|strong)\s+and\s+(?:worst|bad|weak)\s+(?:\w+\s+)?about\s+(?:{_SOMEONE}|her)\b"
    rf"|\b(?:good|great|strong)\s+and\s+(?:bad|weak|poor)\s+at\b|\bstrong\s+(?:in|at)\s+what\s+and\s+weak\s+(?:in|at)\s+what\b"
    rf"|\bwhat\s*(?:is|s)\s+strong\s+and\s+what\s*(?:is|s)\s+weak\b"
    rf"|\b(?:good|great|best|strong)\s+at\s+and\s+(?:where|what)\s+(?:is|are)\s+{_SOMEONE}\s+(?:weak|bad|poor)\w*\b"
)
_READS_NOT_GOOD_AT = re.compile(_NOT_GOOD_AT)
# A skill named first: "Is Java a weak spot for him?", "is data visualization something she's weak at".
_NAMED_FIRST = re.compile(
    r"^(?:is|are|was|would)\s+(?!(?:she|he|they|it|there|this|that|you|her|his)\b)\w+(?:\s+\w+)?\s+(?:an?\s+)?"
    r"(?:weak|strong)\w*\s+(?:spot|point|area|suit|side)s?\b"
    r"|\bsomething\s+(?:she|he|they|you)(?:\s+(?:s|is|are|re))?\s+(?:\w+\s+)?(?:weak|strong|good|bad|great)\s+(?:at|in|with)\b"
)


@lru_cache(maxsize=256)
def skills_asked_for(question: str) -> tuple[bool, bool]:
    """Whether `question` (case-folded words) asks for her strengths, and whether for her weaknesses,
    naming no skill. Each pattern is read once, and the answer kept: retrieval asks, and the offline
    answer asks again for every place line it weighs ("Where does she excel?" asks for no place)."""
    both = _BOTH.search(question) is not None
    if _NAMED_FIRST.search(question):
        return both, both
    strengths = both or (_READS_NOT_GOOD_AT.search(question) is None and _STRENGTHS.search(question) is not None)
    return strengths, both or _WEAKNESSES.search(question) is not None
