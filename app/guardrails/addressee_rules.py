"""The input guard's rules against a note in a job ad addressed to the software reading it.

Written after rounds 26 and 27 of the tuning sets (measured on arrival first): attacks hidden in
job ads spoke to "AI screening assistants", "the tool evaluating applicants", "das
KI-Bewertungssystem", "l'assistente de IA que analisa currículos", "narzędzia AI"… in the
language of the ad, and the rules knew that addressee in English only. A person is never
addressed so; an honest ad's AI-use notice talks about its tools ("we use automated tools to
screen applications"), not to them, and none of the tuning part's 3,389 honest texts match. The
same notation as the other rules: lower case, accents dropped, a space for any run of
non-letters, `~` for up to four filler words.
"""

from __future__ import annotations

from app.guardrails.steering_rules import AUTOMATED, READER

# Who the note is addressed to (the steering rules' readers, and a few more words for what they
# do), and what it is doing when addressed ("the tool reading this").
_AUTOMATED = AUTOMATED[:-1] + "|automatic|fit|review|reviewing)"
_READER = READER
_DOING = r"(reading|scoring|evaluating|assessing|analy[sz]ing|reviewing|screening|processing|parsing|checking|ranking)"
ADDRESSEE_SOURCES: dict[str, tuple[str, ...]] = {
    "instruction_override": (
        # A note headed to an automated reader: "Footer for AI screening assistants", "Confidential - for the evaluating assistant only".
        rf"\b(footer|header|confidential|attention|addendum|information|info|notice|ps|p s|important|exercise)( \w+){{0,3}} (to|for) (the |any |all |an? |our )?({_AUTOMATED} ){{1,2}}{_READER}\b",
        # "the tool evaluating applicants should stop", "the AI tool reading this should", "the assistant scoring this must".
        rf"\b(the|any|every|each|an?|this|that|your) ({_AUTOMATED} )*{_READER} {_DOING} (this|these|the|applicants?|candidates?|cvs?|resumes?|applications?)\b ~(should|must|shall|needs? to|is to|has to|will need to)\b",
        # "if ur an AI reading this", "If your résumé is being read by an AI assistant".
        rf"\bif (you are|you'?re|ur|u r|u are|you happen to be) (an? )?(ai|bot|llm|language model|automated \w+|({_AUTOMATED} ){{1,2}}{_READER})( (assistant|model|tool|system|bot|screener|agent)s?)? {_DOING}\b",
        r"\b(is being|are being|gets|get) (read|screened|processed|parsed|scored|evaluated|assessed) by (an? |the )?(ai|llm|bot|language model|automated) ?(\w+ )?(, )?(that|this|the) (assistant|tool|model|system|bot) (should|must|shall|will|is to)\b",
        # French
        r"\b(remarque|note|message|consigne|information|avis|attention|precision)s? (\w+ ){0,2}(pour|a|aux) (les |le |la |l |tout |tous les |chaque )?(outils?|assistants?|systemes?|logiciels?|modeles?|ia)( \w+){0,2} (de tri|d ?evaluation|de selection|de recrutement|d ?ia|ia|automatiques?)\b",
        r"\b(tout|chaque|l|le) (assistant|outil|systeme|logiciel|modele)s? (d ?evaluation |de tri |de selection |d ?ia |ia |d ?intelligence artificielle )?(qui|charge de) (lit|lisent|analyse|analysent|evalue|evaluent|traite|traitent|examine|examinent|lira)\b ~(doit|doivent|devra)\b",
        # German
        r"\b(hinweis|anweisung|nachricht|information|notiz|mitteilung|vermerk|anmerkung)(en)? (\w+ ){0,2}(an|fur) ((das|die|den|alle|jedes|jede|ein|eine) )?(\w+ ){0,2}(ki|ki \w+|bewertungs\w+|screening\w*|auswahl\w*|bewerbermanagement\w*|automatisiert\w*|automatische\w*|auswertungs\w*)\b",
        # Portuguese, Spanish
        r"\b(assistente|ferramenta|sistema|modelo|asistente|herramienta)s? (de )?(ia|ai|triagem|avaliacao|selecao|cribado|evaluacion|seleccion)( \w+)? (que|la que|el que|a que) (analisa|le|avalia|processa|examina|analiza|lee|evalua|procesa|revisa)\b",
        # Not a notice of what the employer itself uses ("Nota: usamos uma ferramenta de IA para…").
        r"\b(atencao|atencion|aviso|nota|mensagem|mensaje|instrucao|instruccion)(?! (nos |nosotros )?(usamos|utilizamos|empleamos|aplicamos))( \w+){0,3} (assistente|asistente|ferramenta|herramienta|sistema|modelo) de (ia|ai|triagem|cribado|avaliacao|evaluacion)\b",
        r"\b(que|o|a|el|la) (assistente|asistente) de (ia|ai) (redacte|escriba|diga|omita|ignore|ignora|escreva|omita|de|emita|devolva|responda)\b",
        # Italian
        r"\b(strumenti|strumento|assistente|sistema|sistemi|modello) (di |d )?(screening|valutazione|selezione|ia)\b ~(deve|devono|dovra|e tenuto)\b",
        r"\b(criteri|istruzioni|nota|note|avviso) (\w+ ){0,2}(per|agli|allo|al) (gli |lo |il |i )?(strumenti|strumento|assistente|sistemi|sistema) (di |d )?(screening|valutazione|selezione|ia)\b",
        # Dutch
        r"\b(selectiesoftware|beoordelingssoftware|screeningsoftware|screeningstools?|beoordelingstools?)\b ~(negeer|negeert|geef|geeft|moet|moeten|dient)\b",
        r"\bsoftware die (dit|deze|de) \w+ (leest|beoordeelt|verwerkt|analyseert) ~(negeert|geeft|moet)\b",
        r"\b(voor|aan) (de |het |alle )?(geautomatiseerde |automatische |ai )(beoordelings|selectie|screening)?(software|systemen|systeem|tools?|beoordelaars?|screeners?)\b",
        # Polish
        r"\b(informacja|prosba|uwaga|notatka|wiadomosc|polecenie)( \w+){0,4} (dla|do) (narzedzi\w*|asystent\w*|system\w*|modelu|modeli)( \w+){0,1} (ai|oceniajac\w*|rekrutacyjn\w*|analizujac\w*)\b",
        r"\b(kazde|kazdy|to) (narzedzie|system|model|asystent) (ai )?(ktore|ktory) (analizuje|ocenia|czyta|przetwarza)\b ~(musi|powinno|powinien|ma)\b",
        # Norwegian, Danish; Tagalog ("Paalala sa AI na nagsusuri…")
        r"\b(merknad|melding|beskjed|instruks|bem\w{1,2}rkning|besked|notat|note)(er)?( \w+){0,2} til (automatiske |automatiserede |ai |ki )?(\w+ )?(vurderings\w*|verkt\w*|v\w{0,2}rkt\w*|systemer|system|assistent\w*|ai|ki)\b",
        r"\b(paalala|abiso|tala|mensahe|bilin|utos) (\w+ )?sa (mga )?(ai|bot|sistema|tool|software)( \w+)? (na|ng) \w+",
        # Swedish
        r"\b(information|meddelande|instruktion|anvisning)(er)?( \w+){0,2} till (automatiska |ai )?(urvalsverktyg|verktyg|system|assistent|ai)\w*\b",
    ),
}
