"""Modality and polarity of a claim sentence: was it done, prepared, planned, only possible, or did it not happen?

Small hand-written cue lists for English and Russian. The first matching modality wins in the order below
(preparing before planned: "готовились" is more specific than "будет").
"""

from __future__ import annotations

import re

_I = re.IGNORECASE
MODALITY_CUES: dict[str, list[tuple[str, re.Pattern[str]]]] = {
    "en": [
        ("preparing", re.compile(r"\b(?:(?:was|were|is|are|been|be)\s+preparing|prepar(?:ing|ed)\s+(?:for|to)|"
                                 r"preparations?\s+(?:for|to))\b", _I)),
        ("planned", re.compile(r"\b(?:plann?(?:ed|ing|s)?\s+(?:to|for|a|an|the)|intend(?:ed|s)?\s+to|"
                               r"(?:was|were)\s+going\s+to|scheduled|would|will)\b", _I)),
        ("possible", re.compile(r"\b(?:might|(?-i:may)|could|possibl[ey]|likely|perhaps)\b", _I)),
        ("reported", re.compile(r"\b(?:said|reported|claimed|according\s+to|told|was\s+informed)\b", _I)),
    ],
    "ru": [
        ("preparing", re.compile(r"(?<!\w)(?:готовил(?:ся|ась|ось|ись|и|а|о)?|готовятся|готовится|"
                                 r"подготовк\w*|подготавливал\w*)(?!\w)", _I)),
        ("planned", re.compile(r"(?<!\w)(?:планир\w*|запланир\w*|собирал(?:ся|ась|ись)|намерева\w*|"
                               r"предполагал\w*|будет|будут)(?!\w)", _I)),
        ("possible", re.compile(r"(?<!\w)(?:может|могут|мог(?:ли|ла)?\s+бы|возможно|вероятно|видимо)(?!\w)", _I)),
        ("reported", re.compile(r"(?<!\w)(?:сообщил\w*|заявил\w*|доложил\w*|по\s+словам|по\s+данным)(?!\w)", _I)),
    ],
}
NEGATION_CUES = {
    "en": re.compile(r"\b(?:did\s+not|didn't|never|was\s+not|wasn't|were\s+not|weren't|has\s+not|hasn't|"
                     r"have\s+not|haven't|had\s+not|hadn't|no\s+longer|not\s+take\s+place|called\s+off|"
                     r"cancell?ed|none\s+of)\b", _I),
    "ru": re.compile(r"(?<!\w)(?:так\s+и\s+не|не\s+было|не\s+состоял\w*|не\s+случил\w*|не\s+произош\w*|"
                     r"отмен\w*|никогда\s+не|не\s+\w+(?:ли|ла|ло|лся|лись))(?!\w)", _I),
}


# A negation inside a concessive clause ("…, although there was no new reason") does not negate the main claim.
CONCESSIVE_CLAUSE = {
    "en": re.compile(r"\b(?:although|even\s+though|though|whereas|despite|in\s+spite\s+of)\b[^,;:—–]*", _I),
    "ru": re.compile(r"(?<!\w)(?:притом\s+что|при\s+том\s+что|хотя|несмотря\s+на|вопреки)(?!\w)[^,;:—–]*", _I),
}


def modality_polarity(sentence: str, language: str | None) -> tuple[str, str]:
    """('asserted'|'preparing'|'planned'|'possible'|'reported', 'positive'|'negative') for one sentence."""
    lang = language if language in MODALITY_CUES else ("ru" if re.search("[а-яё]", sentence, _I) else "en")
    modality = next((name for name, cue in MODALITY_CUES[lang] if cue.search(sentence)), "asserted")
    main_clauses = CONCESSIVE_CLAUSE[lang].sub(" ", sentence)
    polarity = "negative" if NEGATION_CUES[lang].search(main_clauses) else "positive"
    return modality, polarity
