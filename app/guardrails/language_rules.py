"""The input guard's rules for languages other than English, by category (see `app.guardrails.rules`).

Written like the English ones: lower case, accents dropped, a space for any run of non-letters,
`~` for up to four filler words, and each rule a verb and an object that only attacks combine.
Scripts without spaces between words (Chinese, Japanese, Korean) use `.{0,n}` between the two.
"""

from __future__ import annotations

LANGUAGE_SOURCES: dict[str, tuple[str, ...]] = {
    "instruction_override": (
        # A verb for "ignore/forget" and a noun for "instructions/rules"; not "its" or "their" rules (about a model).
        # Not someone's instructions: French "ignore ... instructions" is English too ("ignore a client's instructions").
        r"\b(ignora|ignore|olvida|olvide|descarta|omite|ignorez|oublie|oubliez)(?! (its|their|the model'?s|the assistant'?s)\b)(?! (an?|the|her|his|their|my|our|its) [^\W_]+['\u2019]?s\b) ~(instrucciones|reglas|indicaciones|normas|instructions|consignes|regles)\b",
        r"\b(ignoriere|ignorier|ignorieren sie|vergiss|vergessen sie|missachte) ~(anweisungen|regeln|vorgaben|instruktionen|richtlinien|befehle)\b",
        r"\b(ignora|dimentica|ignorate|dimenticate|ignore|esqueca|desconsidere|negeer|vergeet) ~(istruzioni|regole|instrucoes|regras|instructies|regels)\b",
        r"\b(zignoruj|ignoruj|zapomnij) ~(instrukcje|polecenia|zasady|reguly)\b",
        r"(игнорируи|игнорируите|проигнорируи|забудь|забудьте|не обращаи внимания на) ~(инструкции|правила|указания|команды)",
        r"(忽略|无视|忘记|忽视|忘掉).{0,8}(指令|指示|规则|提示|说明)",
        r"(指示|ルール|命令|プロンプト).{0,8}(無視|忘れ)",
        # Swedish, Indonesian/Malay, Vietnamese: the verb comes first, as in English.
        r"\b(strunta i|ignorera|glom|bortse fran) ~(instruktioner|regler|anvisningar|direktiv)\b",
        r"\b(abaikan|lupakan|acuhkan|hiraukan) ~(instruksi|perintah|aturan|petunjuk|arahan)\b",
        # Norwegian, Danish; Tagalog.
        r"\b(se bort fra|ignorer|glem|overse|tilsidesaet) ~(instruksjon\w*|instruktion\w*|regler\w*|regl\w*|retningslinj\w*|direktiv\w*)\b",
        r"\b(kalimutan|balewalain|huwag pansinin|wag pansinin|ibasura|isantabi) ~(tagubilin|instruksyon|instruksiyon|utos|patakaran|panuto)\w*",
        r"\bbo qua ~(huong dan|chi dan|chi thi|quy tac|menh lenh)\b",
        # Korean, Turkish, Hindi put the verb last; Arabic first.
        r"(지시|지침|명령|규칙|프롬프트).{0,12}(무시|잊어)",
        r"\b(talimat|kural|yonerge|komut)\w* ~(yok say|gormezden gel|unut|dikkate alma)",
        r"(निर्देश|नियम|आदेश).{0,24}(अनदेखा|नजरअंदाज|भूल)",
        r"(تجاهل|انس|اترك).{0,24}(التعليمات|الاوامر|القواعد|الارشادات)",
    ),
    "prompt_extraction": (
        # "your system prompt", "show ... hidden instructions".
        r"\b(tu|tus|ton|tes|dein|deine|deinen|tuo|tue|seu|suas|seus|jouw|swoj|twoj) ~(prompt|instrucciones|instructions|anweisungen|istruzioni|instrucoes|instructies|instrukcje|systemprompt|systeemprompt)\b",
        r"\b(prompt|mensaje|instrucciones|message|instructions|istruzioni|instrucoes) (del |de |di |do )?(sistema|systeme|ocultas?|cachees?|nascoste|segrete|secretas|secretes|initial(es)?)\b",
        r"\b(systemprompt|systemnachricht|systemanweisungen|systeemprompt|prompt systemowy|versteckten anweisungen|verborgen instructies|ukryte instrukcje)",
        r"(системн\w* (промпт|подсказк|инструкц|сообщени)|(твои|ваши|свои) (инструкции|правила|промпт))",
        # Dutch "je" is also the "you" of every job ad ("je geeft instructies"): only right before the noun.
        r"\bje (instructies|systeemprompt|prompt)\b",
        # A prompt (提示词) is also a thing a candidate writes: only "yours", or asked to be shown.
        r"(系统提示|系统指令|系统消息|你的提示词|(显示|输出|告诉我|打印|给我看|重复|泄露).{0,8}提示词|提示词.{0,6}(显示|输出|告诉我|打印|给我看|重复|泄露))",
        r"(システムプロンプト|(指示|プロンプト).{0,8}(表示|教えて|見せて|出力))",
        # A system prompt is also something a candidate writes: only shown, printed or told.
        r"시스템 ?프롬프트.{0,12}(출력|보여|알려|공개|표시)",
        r"\bsistem (istem|mesaj)\w* ~(yaz|goster|ver|paylas|soyle)|\b(sistem komut|talimat)\w* ~aynen (yaz|goster|ver|tekrarla)",
        r"(अपना|अपने|तुम्हारा|तुम्हारे|आपका|आपके) सिस्टम प्रॉम्प्ट",
        r"موجه النظام|(اعرض|اظهر|اكتب|اطبع|اكشف).{0,16}(تعليمات|رسالة) النظام",
        r"\b(tampilkan|tunjukkan|berikan|cetak|bocorkan) ~(prompt|instruksi) (sistem|rahasia|tersembunyi)\b",
        r"\b(loi nhac he thong|(chi dan|huong dan) bi mat)\b",
    ),
    "role_switch": (
        # "you are now", "pretend to be", "without restrictions", "developer mode".
        r"\b(du bist (jetzt|nun|ab jetzt)|tu es (maintenant|desormais)|ahora eres|eres ahora|ora sei|sei ora|agora (voce e|es)|je bent nu|jestes teraz)\b",
        # "Pretend" needs what to pretend: a drama teacher's job ad "finge" too.
        r"\b(finge|finja|fingir|fais semblant|tu fais semblant|fai finta|fate finta|spiel|gib dich als) ~(ser|que (eres|es|tu|voce)|d'etre|etre|du bist|einen|eine|aus|essere|di essere)\b",
        r"\b(tu joues|tu incarnes|tu seras|tu sei)\b",
        r"\b(sin restricciones|sans (aucune )?restrictions?|ohne (jegliche )?einschrankungen|uneingeschrankte?[rn]?|senza restrizioni|sem restricoes|zonder beperkingen|bez ograniczen)\b",
        # An AI without rules: the AI is the object, "rules" alone is ordinary ("sin reglas fijas").
        r"\b(ia|ki|ai|asistente|assistente|assistant|assistent) ~(senza|sin|sans|ohne|sem|zonder|bez) (regole|reglas|regles|regeln|regras|regels|zasad|limiti|limites|grenzen|filtri|filtros|filtres)\b",
        r"\b(entwicklermodus|developer-?modus|modo (desarrollador|desenvolvedor|sviluppatore|dios|programador)|(en|le) mode (developpeur|debug|dieu)|ontwikkelaarsmodus|tryb (dewelopera|programisty))\b",
        r"(теперь ты|ты теперь|режим разработчика|без ограничении|你现在是|开发者模式|不受限制|没有任何限制|无限制|扮演|假装你|あなたは今|開発者モード)",
    ),
    "context_dump": (
        r"\b(muestra|muestrame|dame|imprime|copia|affiche|montre|donne|imprime|zeig|gib|mostra|mostrami|stampa|mostre|toon|pokaz|покажи|выведи) ~(contexto|contexte|kontext|contesto|context|контекст|documentos|documents|dokumente|texto|texte)\b",
        r"(上下文|原始文本|原文).{0,6}(全部|完整|输出|显示)|(全部|完整|输出|显示).{0,6}(上下文|原始文本)",
    ),
}
