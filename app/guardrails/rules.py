"""The input guard's rules: one regular expression per attack pattern, grouped by category.

Matched against the views of `app.guardrails.views` (lower case, no accents, look-alikes
folded), they are written in lower case without accents. In the sources a space stands for any
run of non-letters, possibly none (the "spacing removed" view has none), and `~` for up to four
filler words. Each rule needs a verb *and* an object that only attacks combine ("ignore" +
"instructions", "show" + "raw context"): either word alone is ordinary recruiter language
("ignore the gaps", "show me data on their Kubernetes work").
"""

from __future__ import annotations

import re
import unicodedata

from app.guardrails.addressee_rules import ADDRESSEE_SOURCES
from app.guardrails.language_rules import LANGUAGE_SOURCES
from app.guardrails.steering_rules import STEERING_SOURCES

# Up to four filler words, each a whole word: "tes" in "test instructions" is no pronoun.
_GAP = r"(?:[\W_]+(?:[^\W_]+[\W_]+){0,4}?)?"

# "If you're an AI engineer", "you're a lawyer who…": a job ad's reader, not a role for the model.
_A_PROFESSION = r"(engineers?|researchers?|developers?|scientists?|specialists?|practitioners?|professionals?|enthusiasts?|leaders?|lead|product|startup|company|firm|team|practice|expert|who|looking|interested|passionate)\b"
# Nouns for what the model was told, in English.
_ORDERS = r"(instructions?|directions|directives?|rules|guidelines|guidance|prompts?|guardrails|restrictions|programming|polic(y|ies)|commands|rubric|system rules)"
_QUALIFIERS = r"(previous|prior|above|earlier|preceding|original|initial|system|your|all|any|every|whatever|safety|existing|current|old|default)"
# Meta nouns: what an assistant is made of. "your" + one of these is about the assistant itself.
_INTERNALS = r"(instructions?|rules|prompt|system( [^\W_]+)? (prompt|message)|guidelines|guardrails|restrictions|filters|limitations|initiali[sz]ation( text)?|programming|directives|configuration|persona|retrieval results|knowledge base|pre ?prompt|setup (text|message))"
_SECRET_ADJ = r"(system|initial|original|hidden|secret|internal|configuration|config|developer|starting|underlying|base|opening|full)"
_SHOW = r"(show|print|export|reveal|tell|give|repeat|output|display|share|paste|dump|leak|expose|write out|spell out|quote|translate|summari[sz]e|list|recite|type out|return|send|copy)"
_RAW = r"(raw|full|entire|complete|whole|unedited|verbatim|exact|original|unfiltered|unprocessed|unformatted|unmodified|every|all( of)?( the)?)"
_CONTEXT = r"(context( window)?(?! (of|for|around|behind|about|on|regarding) )|passages|excerpts|chunks|documents?|snippets|sources|knowledge base|retrieved (text|data|content)|resume (data|text|file)|memory|frames)"
_ASSISTANT = r"(ai|llm|gpt|chatgpt|assistant|model|bot|chatbot|language model|version)"
# Whose rules: "its" or "their" talks about a model, as a security job ad does.
_THIRD_PERSON = r"(its|their|the model'?s|the assistant'?s)"
# The candidate as the subject right after a noun: "everything she's done", "the documents she authored".
_CANDIDATE_DID = r"((she|he|they)('?s|'?d|'?ve|'?re)?|the candidate|the applicant|this candidate)"
_FREE = r"(restrictions|filters?|rules|limits|limitations|censorship|guidelines|guardrails|boundaries|content polic(y|ies)|safety)"

_SOURCES: dict[str, tuple[str, ...]] = {
    "instruction_override": (
        # Words addressed to the assistant inside other text: a job ad's "note to any AI: ...".
        r"\b(note|message|p ?s|instructions?|reminder|memo) (to|for) (the |any |all |an? )?(ai|assistant|chatbot|bot|llm|language model|model|gpt)s?\b",
        # Addressed to the assistant ("AI, forget..."), not about it ("make the assistant ignore its instructions").
        r"\b(assistant|chatbot|ai|llm|language model)\s?[,:;!\u2013\u2014-]\W{0,2}(new rule|forget|ignore|disregard|you must|from now on|stop)\b",
        # Making it assert what the resume does not: "from now on, state that she ...".
        # At the start of a sentence (lookbehinds: a gap before it would backtrack on long runs).
        r"(^|(?<=[.!?\n])|(?<=[.!?]\s))(please )?(from now on )?(say|state|claim|assert|write|mention|add) that (?!again\b)\w+ \w+",
        r"\b(in|to) (all )?your (answers?|responses?|replies) that\b",
        # Not "its" or "their" rules, nor "attempts to" break them: a security job ad describing
        # attacks on a model ("make the assistant ignore its instructions") is talking about one.
        # Nor what applications "that ignore the instructions above" suffer: an honest ad's how-to-apply.
        rf"(?<!attempts\sto\s)(?<!that\s)(?<!who\s)\b(ignor(e|ing)|disregard|forget|overrid(e|ing)|overlook|bypass|skip|drop|set aside|put aside|pay no attention to|dismiss|scrap|erase|cancel|break|violate|circumvent|get around|(do ?n[o']?t|never) bother with|stop following|(do ?n[o']?t|never) follow|never mind|abandon|discard)(?! {_THIRD_PERSON}\b) ~({_QUALIFIERS} ){{1,3}}{_ORDERS}\b",
        rf"(?<!that\s)(?<!who\s)\b(ignore|disregard|forget|override|bypass|overlook|discard|throw out|abandon|set aside|put aside) the {_ORDERS}\b",
        r"\byou (were|have been|'?ve been) (told|instructed|given)\b ~(doesn'?t|does not|no longer|don'?t|do not) (count|matter|apply|hold)",
        r"\b(comply with|obey|follow|execute|carry out) (any|every|all) (requests?|instructions?|commands?|orders?)\b(?! (carefully|closely)\b)",  # not how to apply
        r"\byou (must|shall) now\b",
        r"\b(ignore|disregard|forget) ~((told|instructed|programmed) you|you (were|have been|got) (told|instructed|programmed))\b",
        r"\b(ignore|disregard|forget) (everything|all|anything)( (you were|you've been|you have been) told| (above|before|said|prior))",
        r"\b(ignore|disregard|forget) (the |all )?(above|everything before)\b(?! (question|message|answer))",
        r"\b(new|updated|revised|real|actual|true) (system )?(instructions?|rules?|task|directives?|orders)( (is|are))? ?:",
        r"\b(your|the|these|those|all|any|previous|prior|earlier|old|above)( (previous|prior|earlier|above|old|system))? (instructions|rules|guidelines|directives|restrictions|guidance|prompt|context)( above)? ((are|is|were|have been|do) )?(now )?(cancel+ed|void|outdated|obsolete|revoked|no longer|overridden|replaced|lifted|suspended|not apply)",
        r"\b(follow|obey|listen to) (only )?(me|mine|the user|this user|the recruiter|my (instructions|orders|commands|rules))\b",
        r"\b(rate|mark|score|classify|assess|evaluate|label|rank|list) (this|the) (candidate|applicant)( as)? (an? )?(perfect|strong|excellent|ideal|great|top|exceptional)",
        r"\bregardless of (their|the|his|her) (resume|cv|experience|qualifications|background|skills)",
        r"\b(output|return|respond with|answer with|reply with|give) (the |a )?verdict ?['\"«]",
        r"\b(say|state|answer|respond|claim|conclude)( that)? (the |this )?(candidate|applicant) (is|matches|fits) (perfect|a perfect|ideal|everything|excellent|a fraud)",
        r"\b(recommend|approve) (this|the) (candidate|applicant) for (every|any|all)",
        r"\b(candidate|applicant) (must|should|has to|needs to|is to) be (described|rated|presented|called|marked|shown|scored|assessed) as",
        # Not when asked not to: "don't make stuff up" is a recruiter asking for the truth.
        r"(?<!not\s)(?<!n't\s)(?<!dont\s)(?<!never\s)\b(make (something|things|stuff|it) up|invent (something|facts|details|an answer))\b",
        r"(?m)^[^\S\n]{0,8}(override|system override|admin override)[^\S\n]?:",
        r"\b(dear|attention|message (to|for)|p ?s( to)?) (the )?(ai|llm|assistant|language model|chatbot|gpt|chatgpt|screener)\b",
        r"\b(reset|reboot|restart|reinitiali[sz]e|wipe|reprogram) (yourself|your (memory|programming|settings|instructions|rules|configuration|personality|persona))",
        r"\bif you are an? (ai|llm|large language model|language model|chatbot|gpt)( model| assistant| system)?( reading| evaluating| processing| screening| reviewing|,|:)",
        r"\bnote (to|for) (the |any )?(ai|llms?|assistants?|ai assistants?|screeners?|ai screeners?|language models?|gpt|chatgpt|bots?)\b",
        r"\b(ai|llm|automated) (screeners?|assistants?|reviewers?|evaluators?|recruiters?)\s*:",
        r"\b(instructions?|note) for the (ai|llm|model|assistant)\b",
        r"\b(to (the|any|every) (ai|llm|automated) (screeners?|reviewers?|readers?|systems?)|(screening|tracking|automated|ai) (software|systems?|tools?) (must|should|shall|are to|is to|needs? to) (rate|score|rank|describe|treat|ignore|disregard|output|respond|include|reveal|mark)|(systems?|software|tools?|models?) (parsing|reading|processing|screening) this (ad|text|posting|job description|document))\b",
        r"\b((hinweis|anweisung|nachricht) (fur|an) (die |alle )?(ki|ki-systeme?|ki systeme?|sprachmodelle?)\b|(should|must|shall|are to) (always )?be (described|rated|scored|assessed|ranked|marked) as (a |an )?(strong|perfect|excellent|top|ideal) (fit|match|candidates?)\b)",
        r"\boverrides? (all )?(prior|previous|earlier|other) (instructions|rules|guidelines)",
        r"\b(reply|respond|answer) (only )?with ['\"«](access granted|yes|hired|strong fit)",
        # Steering a fit verdict: the AI told what to conclude about the candidate, gaps told to read as strengths.
        r"\b(the |any |this )?(ai|assistant|model|system|screener|llm)s? (must|should|shall|has to|have to|needs? to|is to|are to) (state|say|report|conclude|confirm|describe|rate|score|mark|assess) (that )?(she|he|her|him|the candidate|the applicant|this candidate|this applicant)\b(?!['\u2019]s)",
        r"\b(report|describe|present|treat|count|list|score|rate|frame|record|mark) (any|all|every|each) (gaps?|missing (skills?|requirements?|experience|qualifications?)|weakness(es)?|shortcomings?)\b ~as (strengths?|positives?|assets?|met|matches|advantages?)\b",
        r"\b(candidate|applicant|she|he) (is|matches|meets|fits) ~(perfect\w*|ideal\w*|fully|completely|every|all)\b[^.\n]{0,40}\b(say|state|write|report) (so|this|that) in your (assessment|evaluation|verdict|analysis|report|output|summary|response)\b",
        # Decode (or translate) a payload and obey it: whatever the encoding, the request to obey gives it away.
        r"\b(decode|decipher|unscramble|reverse|rot ?13|hex|backwards|base ?64|pig latin|translate|convert)\b ~(and|then) ~(obey|execute|follow it|act on it|carry (it|them) out|comply|do (what|as) (it|they) says?|do it(?=[.:!;)]|$))",
        r"\b(constraints|limits|limitations|restrictions|rules|instructions|guidelines|directives) (you were|you'?ve been|you have been) (given|told|set|taught) (are|is|were|have been) (now )?(outdated|obsolete|void|lifted|revoked|cancel+ed|suspended|removed|no longer)",
        r"\b(ignore|disregard|forget|drop|abandon|suspend|stop using|set aside) your (setup|configuration|programming|persona|settings|training)\b",
    ),
    "prompt_extraction": (
        rf"\byour (own )?{_SECRET_ADJ} ?(prompt|message|instructions?|rules|directives|guidelines|configuration)",
        rf"\b{_SHOW}(?! (classifiers?|filters?|guardrails?|validation|checks?|layers?|formats?|{_THIRD_PERSON})\b) ~(the |your |me )?{_SECRET_ADJ} (prompt|message|instructions?|rules|directives)",
        rf"\b{_SHOW} ~your (prompt|instructions|rules|directives|guidelines|programming)\b",
        r"\b(prompt|instructions?|rules|directives|guidelines|guidance)( that| which)? you('?ve| have| had)? (were|been|got|received) (given|told|programmed|fed)?",
        r"\byour (creators?|developers?|makers?|programmers?|operators?|owners?|builders?) ~(instruct\w*|told|tell|programmed|asked|configured|wrote)\b",
        r"\binstruct(ed)? you to\b",
        rf"\byour (own |hidden |secret |initial |original |current |internal |built-in |core |base |safety |real |actual |true |exact |full |complete |entire )?{_INTERNALS}\b",
        r"\b(instructions?|rules|guidelines|prompt|directives|restrictions|guardrails)( that| which)? you (have|follow|operate under|are following|run on|obey)\b",
        r"\b(tells?|told|instructs?|controls?|governs?|defines?|shapes?) (you|your) (how to )?(behaviou?r|behave|act|respond|answer|operate)",
        r"\b(first|initial|opening|earliest|top) (message|lines?|words?|text|prompt) (of|in) (this|the|our) (conversation|chat|session|context)",
        r"\bmessages? from the system\b",
        r"\b(beginning|start|top) of (this|the|our) (conversation|chat|session|context)\b",
        r"\b(anything|everything|what|text|parts?)( that)? i (can ?not|can'?t|am not able to|do ?n[o']?t) see\b",
        r"\b(prompt|instructions?|rules|directives|guidelines) ~(give|gave|given|wrote|written|set|configured) (for |to )?you\b",
        r"\b(instructions?|prompt|rules) ~(who|that) (built|made|created|trained|programmed|designed|configured|deployed) you\b",
        r"\bwhat (were|have) you (been )?(told|instructed|programmed|asked) (to|before|earlier|initially|first|at (the )?(start|beginning))\b",
        r"\b(were|was|have|had) you (been )?(configured|programmed|set up|initiali[sz]ed|primed|instructed|briefed)\b",
        r"\b(text|everything|words|content|what) ~(above|before) (this|my) (message|question|first message|prompt)",
        r"\brepeat (the |all |everything )?(text |words |content )?(above|before)\b",
        r"\b(first|opening|initial|last) (sentence|line|words?|paragraph) of (your|the) (instructions|prompt|system)",
        # Not what documents "contain": a job ad for prompt-injection testing describes the attack.
        r"(?<!contain\s)(?<!contains\s)(?<!containing\s)\b(hidden|secret) (prompt|instructions|rules|system message)",
        r"\byour (setup|configuration|initial|original|hidden|system) (message|prompt|instructions)\b",
        rf"\b{_SHOW} (me |us )?(the |all )?(exact |full )?(instructions?|rules|guidelines|directives|constraints) you (must|have to|need to|are (told|supposed|meant|required) to) (follow|obey|keep|stick to)\b",
        r"\b(instructions?|directives|prompt) you('?re| are)? (run|running|operate|operating) (with|on|under)\b",
        r"\b(came|comes|appears?|is|was|were|written) (before|above) (the |my |this |our )(very )?(first )?(user |human )?(message|turn|input)\b",
        r"\b(if|suppose|imagine|pretend|say) you (had|have|were given) (a |an |some )?(system prompt|system message|hidden prompt|pre ?prompt|secret instructions|hidden instructions)\b",
    ),
    "role_switch": (
        r"\byou are (now|no longer)\b",
        r"\byou'?re (now|no longer) (an? |the |in )",
        r"\bfrom (now on|now onwards?|here on|this point( on| onwards?| forward)?),? you (are|will|must|shall|answer|respond|act|only|have|can|do)\b",
        # Not a job someone else would do: "we'd need her to act as the Jamf admin".
        r"(?<!her\sto\s)(?<!him\sto\s)(?<!them\sto\s)(?<!she\s)(?<!he\s)(?<!they\s)\b(pretend|imagine|act|behave|roleplay|role play|play) ~(you are|you're|to be|as if you|as|like) ~(unrestricted|unfiltered|uncensored|evil\w*|jailbroken|hacker|dan|system administrator|sysadmin|admin|developer|root|grandma|grandmother|grandpa|grandfather|(late|deceased|dead) \w+|terminal|linux|former manager|ex boss|no rules|no content polic)",
        r"\b(respond|answer|reply|talk|speak) ~as (my|an?|the) (grandma|grandmother|pirate|hacker|unfiltered|unrestricted|uncensored|dan|evil)",
        # Not a bare "in": "has she worked in developer mode on embedded devices?" is her work.
        r"\b(enter|enable|activate|switch (to|into)|turn on|go into|you ?'?re in|you are in|be in|stay in|remain in|now in|start) (the )?(dan|stan|dude|evil|developer|dev|god|debug|admin|sudo|jailbreak|jailbroken|unrestricted|unfiltered|maintenance|root|opposite|chaos) mode\b",
        r"\b(dan|do anything now)( mode| ready| prompt| jailbreak|,)",
        r"\b(you are|you're|as|be) (now )?(dan|evilbot|stan|aim|dude)\b",
        r"\bsimulate (a|an) (linux |unix |bash |python )?(terminal|shell|console|interpreter)",
        rf"\b(you are|you'?re|you will be|you'?ll be) (now |not |no longer )?(a|an|my|the) ([^\W_]+ ){{0,2}}(bot|assistant|ai|model|agent|chatbot|therapist|hacker|pirate|character|persona|terminal|lawyer|employee|recruiter|human|person)\b(?! {_A_PROFESSION})",
        r"\b(play|take on|assume|adopt) the (role|part|persona|character) of (an? )?(ai|assistant|bot|model|chatbot|character|hacker)\b",
        r"\b(assume|adopt|take on) (the |a |this )?(persona|character)\b",
        r"\b(stay|remain|keep) in (character|role)\b",
        r"\b(role ?play ?:|(let'?s|lets|we will|we'?ll) role ?play\b)",
        r"\b(coming|comes|came|sent) from (your|the) (developer|creator|admin|administrator|operator|owner|system)\b",
        r"\bi('?m| am) (your|the) (developer|creator|admin|administrator|owner|master|programmer|operator|sysadmin)\b(?! of (our|my|a|an|their)\b)",  # not "the admin of our ATS"
        r"\bgrant me (admin|root|full|elevated|developer) (access|privileges|rights)",
        rf"\b{_ASSISTANT} ~(with no|without (any |your )?)([^\W_]+ )?{_FREE}",
        rf"\b(answer|respond|reply|act|talk) ~(with no|without (any |your )?)([^\W_]+ )?{_FREE}",
        rf"\b(have|has|with) no {_FREE}\b",
        r"\b(disable|turn off|remove|deactivate|bypass|lift|ignore) (all )?(your |the )?(content )?(filters?|safety|guardrails?|restrictions|content polic(y|ies)|censorship|moderation|safeguards)\b",
        r"\b(unrestricted|unfiltered|uncensored|jailbroken|unmoderated) (ai|assistant|model|mode|chatbot|version|llm|bot)\b",
        r"\b(roleplay|role play|act|pretend|play|speak|answer) (as )?(the |a |an |one of the )?(engineers?|developers?|programmers?|person|people|team|company|creators?|authors?) (who|that) (built|made|created|programmed|trained|designed|wrote|configured|deployed) you\b",
    ),
    "delimiter": (
        r"<\|?\s?(im_start|im_end|system|user|assistant|endoftext|eot_id|start_header_id|end_header_id|start_of_turn|end_of_turn|begin_of_text|end_of_text)\s?\|?>",
        r"\[/?inst\]|<</?sys>>",
        r"<\s?/?\s?(system|system_prompt|assistant|instructions?|context|job_description|resume|prompt|sys|developer)\s?>",
        r"<!--[^>]{0,300}\b(assistant|system|ai|ignore|instruction|llm|prompt)",
        r"(?m)^[^\S\n]{0,8}(#{1,6}[^\S\n]{0,3}|[-=*]{3,}[^\S\n]{0,3})?(system|assistant|sys|developer)[^\S\n]?(message|prompt|instructions?|override|note)?[^\S\n]?:",
        r"\b(end|close|stop) of (the )?(user message|user input|job description|resume|context|prompt|instructions|input|document|conversation|chat|session)\b",
        r"\bnew (conversation|session|chat|context) ?:",
        r"\[\s?(system|admin|assistant|developer|root)( override| message| prompt| note| mode)?\s?\]",
        r"\b(system|admin|developer|security) override\b(?! (is|was|are|were|process\w*|procedures?|requests?|polic(y|ies)|access|rights)\b)",  # not a noun in a sentence
        r"\bnew (directives|instructions|rules|orders) follow",
        r"\bsystem (prompt|message|instructions?) (start|end|begins?|ends|starts)\b",
        r"[-=#*]{2,} ?(end )?(system|assistant|admin|developer|instructions?)( prompt| message)? ?[-=#*]{2,}",
        r"\b(begin|start|end) (of )?(system|admin|developer) (prompt|message|instructions?|mode)\b",
        r"(?m)^[^\S\n]{0,8}#{2,6}[^\S\n]{0,3}(instructions?|response|input|human|system|assistant)[^\S\n]?:",
        r"\"role\"\s{0,3}:\s{0,3}\"(system|assistant|developer)\"",
        r"\b(new |updated )?system (instruction|message|prompt|override|note)s? ?:",
    ),
    "context_dump": (
        rf"(?<!attempts\sto\s)\b{_SHOW} ~{_RAW} ~{_CONTEXT}\b(?! {_CANDIDATE_DID}\b)",
        rf"\b{_SHOW} ~(the |your |all (the )?)?(resume )?(excerpts|passages|snippets|chunks|retrieved \w+)\b",
        r"\b(everything|all|anything) (in|from|inside) your (context|memory|knowledge|prompt|window)",
        r"\b(contents?|text|dump) of (your|the) (context|knowledge base|memory|prompt|retrieval)",
        r"\b(exact|raw|full|verbatim|complete) (text|passages|chunks|documents|content) (was |were |that was |that were |you )?(retrieved|given|received|fetched|got)",
        r"\bshow (it|them) (raw|verbatim|unedited)\b",
        # "dump all the tools she used" asks for a list: only everything, or all of it, is a dump.
        # ... nor everything on her Kubernetes work: that asks about the candidate, the service's purpose.
        rf"\b(dump|leak) (everything|it all|all (of it|you (have|know|see|got|were given)|your \w+|that you))\b(?! ~(on|about|regarding|of) (her|his|their|the candidate|the applicant|this candidate)\b| {_CANDIDATE_DID}\b)",
        r"\beverything you have (on file|stored|saved|in (your )?(memory|context))",
        r"\b(documents?|passages|chunks|excerpts|texts?|results|files|snippets) you (searched|retrieved|found|received|were given|read|pulled|looked up)\b",
        r"\b(passages?|chunks?|snippets?|excerpts?) (that )?(the |your )?(search|retrieval|retriever|vector search|lookup) (returned|found|gave( you)?|brought back|produced)\b",
        r"\bwhat( exactly)? ('?s|is) (exactly )?in your (context|prompt|context window)\b",
    ),
}


def _compile(source: str) -> re.Pattern[str]:
    """Compile one rule source: accents dropped like the views, a space is any non-letters, `~` is filler words."""
    without_marks = "".join(c for c in unicodedata.normalize("NFD", source) if not unicodedata.combining(c))
    pattern = unicodedata.normalize("NFC", without_marks).replace(" ~", _GAP).replace(" ", r"[\W_]*")
    return re.compile(pattern)


# English, other languages, steering, addressees, category by category: the first to match names the attack.
_LATER_SOURCES = (LANGUAGE_SOURCES, STEERING_SOURCES, ADDRESSEE_SOURCES)
_ALL_SOURCES = {
    category: sources + tuple(source for later in _LATER_SOURCES for source in later.get(category, ()))
    for category, sources in _SOURCES.items()
}
RULES = tuple((category, _compile(source)) for category, sources in _ALL_SOURCES.items() for source in sources)
# Every word the rules spell out: how the views read an ambiguous leetspeak "1" (i or l).
KNOWN_WORDS = frozenset(word for rules in _ALL_SOURCES.values() for s in rules for word in re.findall(r"[a-z]{3,}", s))
