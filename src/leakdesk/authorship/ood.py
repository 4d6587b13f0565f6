"""Out-of-distribution checks: when a number would mislead, the answer is "cannot tell" with the reason."""

from __future__ import annotations

import numpy as np

from leakdesk.authorship.features import TextProfile, detect_language, script_of

LANGUAGE_NAMES = {
    "ru": "Russian", "en": "English", "nl": "Dutch", "es": "Spanish", "de": "German", "fr": "French",
    "it": "Italian", "el": "Greek", "und": "an undetermined language",
}  # fmt: skip


def language_name(code: str) -> str:
    return LANGUAGE_NAMES.get(code, code or "an undetermined language")


def check(
    known: list[TextProfile],
    unknown: TextProfile,
    language: str,
    n_impostors: int,
    min_words: int = 30,
    min_impostors: int = 3,
) -> list[str]:
    """Reasons why this problem is outside what the verifier can judge; empty when it is fine."""
    reasons: list[str] = []
    if not unknown.text.strip():
        return ["the questioned text is empty"]
    if not known or not any(p.text.strip() for p in known):
        return ["there are no known texts to compare with"]
    if unknown.n_words < min_words:
        reasons.append(f"the questioned text has only {unknown.n_words} words; at least {min_words} are needed")
    known_words = sum(p.n_words for p in known)
    if known_words < min_words:
        reasons.append(f"the known texts have only {known_words} words together; at least {min_words} are needed")
    u_lang = detect_language(unknown.text)
    k_langs = [detect_language(p.text) for p in known]
    k_lang = max(set(k_langs), key=k_langs.count)
    if u_lang and k_lang and u_lang != k_lang and "und" not in (u_lang, k_lang):
        reasons.append(f"the questioned text looks {language_name(u_lang)}, the known texts {language_name(k_lang)}")
    u_scripts = script_of(unknown.text)
    k_scripts = script_of(" ".join(p.text for p in known))
    for script, share in u_scripts.items():
        if 0.2 <= share <= 0.8 and k_scripts.get(script, 0.0) < 0.05:
            reasons.append(f"the questioned text mixes languages ({share:.0%} of its letters are {script})")
    median_known = float(np.median([p.n_words for p in known]))
    if median_known >= 50 and unknown.n_words >= 50:
        ratio = unknown.n_words / median_known
        if ratio > 12 or ratio < 1 / 12:
            reasons.append(
                f"the questioned text has {unknown.n_words} words, the known texts typically {median_known:.0f}: "
                "probably another kind of writing"
            )
    k_line = float(np.median([p.line_length for p in known if p.line_length] or [0]))
    # Short lines on one side only (verse, chat, a form) against prose on the other. Hard-wrapped prose (60-80
    # characters a line) against unwrapped paragraphs is only formatting and is not flagged.
    short = min(k_line, unknown.line_length)
    if short and short < 40 and max(k_line, unknown.line_length) / short > 3:
        reasons.append(
            f"its lines are {unknown.line_length:.0f} characters long on average, the known texts' {k_line:.0f}: "
            "another kind of writing (e.g. verse, chat or a form)"
        )
    if n_impostors < min_impostors:
        reasons.append(
            f"too few reference texts in {language_name(language)} to compare with ({n_impostors}; at least "
            f"{min_impostors}, better 50+); add some with `leakdesk reference add`"
        )
    return reasons
