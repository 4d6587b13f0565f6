"""Evaluation: chrF and BLEU of a machine translation (sacrebleu), bead precision/recall of the aligner."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from leakdesk.errors import TranslationError
from leakdesk.language.align import align
from leakdesk.language.segment import Sentence


def _lines(path: Path, what: str) -> list[str]:
    path = Path(path)
    if not path.is_file():
        raise TranslationError(f"The {what} file {path} does not exist.")
    try:
        lines = path.read_text("utf-8-sig").splitlines()
    except UnicodeDecodeError:
        raise TranslationError(f"The {what} file {path.name} is not UTF-8 text.") from None
    if not any(line.strip() for line in lines):
        raise TranslationError(f"The {what} file {path.name} is empty.")
    return lines


def score_translation(hyp: Path, ref: Path) -> dict[str, float | int]:
    """Corpus chrF and BLEU of line-aligned hypothesis and reference files."""
    import sacrebleu

    hyps, refs = _lines(hyp, "hypothesis"), _lines(ref, "reference")
    if len(hyps) != len(refs):
        raise TranslationError(
            f"{Path(hyp).name} has {len(hyps)} lines but {Path(ref).name} has {len(refs)}; "
            "both must have one sentence per line, in the same order."
        )
    chrf = sacrebleu.corpus_chrf(hyps, [refs])
    bleu = sacrebleu.corpus_bleu(hyps, [refs])
    return {"chrf": round(chrf.score, 2), "bleu": round(bleu.score, 2), "sentences": len(hyps)}


@dataclass
class GoldPair:
    """A bilingual text with its true beads: each bead is (source sentences, target sentences)."""

    name: str
    beads: list[tuple[list[str], list[str]]]
    source_paragraphs: list[int]  # paragraph of each source sentence
    target_paragraphs: list[int]

    @classmethod
    def load(cls, path: Path) -> GoldPair:
        """JSON: {"beads": [{"ru": [...], "en": [...], "para": n}, ...]}."""
        data = json.loads(Path(path).read_text("utf-8"))
        beads, sp, tp = [], [], []
        for bead in data["beads"]:
            src, tgt = bead.get("ru", []), bead.get("en", [])
            beads.append((src, tgt))
            sp += [bead.get("para", 0)] * len(src)
            tp += [bead.get("para", 0)] * len(tgt)
        return cls(Path(path).stem, beads, sp, tp)

    def sentences(self) -> tuple[list[Sentence], list[Sentence]]:
        src = [s for b in self.beads for s in b[0]]
        tgt = [t for b in self.beads for t in b[1]]
        return (
            [Sentence(s, p) for s, p in zip(src, self.source_paragraphs, strict=True)],
            [Sentence(t, p) for t, p in zip(tgt, self.target_paragraphs, strict=True)],
        )

    def gold_index_beads(self) -> set[tuple[tuple[int, ...], tuple[int, ...]]]:
        out, i, j = set(), 0, 0
        for src, tgt in self.beads:
            out.add((tuple(range(i, i + len(src))), tuple(range(j, j + len(tgt)))))
            i, j = i + len(src), j + len(tgt)
        return out


def merge_targets(pair: GoldPair, every: int = 4) -> GoldPair:
    """A harder variant: every `every`-th pair of neighbouring 1-1 beads merged on the target side (2-1 beads)."""
    beads: list[tuple[list[str], list[str]]] = []
    sp: list[int] = []
    tp: list[int] = []
    paras = _bead_paragraphs(pair)
    names = _capitalised_inside_sentences([t for _src, tgt in pair.beads for t in tgt])
    k = 0
    while k < len(pair.beads):
        src, tgt = pair.beads[k]
        if (
            k % every == 1 % every
            and k + 1 < len(pair.beads)
            and len(src) == len(tgt) == 1
            and len(pair.beads[k + 1][0]) == len(pair.beads[k + 1][1]) == 1
            and paras[k] == paras[k + 1]
        ):
            nsrc, ntgt = pair.beads[k + 1]
            joined = tgt[0].rstrip(".!?") + "; " + _continued(ntgt[0], names)
            beads.append((src + nsrc, [joined]))
            sp += [paras[k]] * 2
            tp += [paras[k]]
            k += 2
            continue
        beads.append((src, tgt))
        sp += [paras[k]] * len(src)
        tp += [paras[k]] * len(tgt)
        k += 1
    return GoldPair(pair.name + "+merged", beads, sp, tp)


def _capitalised_inside_sentences(sentences: list[str]) -> set[str]:
    """Words written with a capital after a sentence's first word: names, which keep their capital anywhere."""
    return {w for s in sentences for w in re.findall(r"\w+", s)[1:] if w[:1].isupper()}


def _continued(sentence: str, names: set[str]) -> str:
    """A sentence as it reads after "; ": its first word lower-cased unless it is a name ("Veter"), an
    abbreviation ("FSB"), "I", or the sentence's only word (a signature: "Veter.")."""
    words = re.findall(r"\w+", sentence)
    first = words[0] if words else ""
    if not first or len(words) == 1 or first in names or first == "I" or (len(first) > 1 and first.isupper()):
        return sentence
    return sentence[:1].lower() + sentence[1:]


def _bead_paragraphs(pair: GoldPair) -> list[int]:
    out, i = [], 0
    for src, _tgt in pair.beads:
        if src:
            out.append(pair.source_paragraphs[i])
        else:
            out.append(out[-1] if out else 0)
        i += len(src)
    return out


def alignment_scores(pairs: list[GoldPair]) -> dict[str, float | int]:
    """Bead precision/recall/F1 over all pairs (a bead is right when both its sides match exactly)."""
    found_total = gold_total = correct = 0
    for pair in pairs:
        src, tgt = pair.sentences()
        result = {(b.source, b.target) for b in align(src, tgt).beads}
        gold = pair.gold_index_beads()
        found_total += len(result)
        gold_total += len(gold)
        correct += len(result & gold)
    precision = correct / found_total if found_total else 0.0
    recall = correct / gold_total if gold_total else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "pairs": len(pairs),
        "gold_beads": gold_total,
        "found_beads": found_total,
        "correct": correct,
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
    }


def clean_only(pair: GoldPair) -> GoldPair:
    """The clean parallel part of a pair: its 1-1 beads only (merges, splits, omissions, additions dropped)."""
    paras = _bead_paragraphs(pair)
    keep = [(k, b) for k, b in enumerate(pair.beads) if len(b[0]) == len(b[1]) == 1]
    return GoldPair(
        pair.name + "+clean", [b for _, b in keep], [paras[k] for k, _ in keep], [paras[k] for k, _ in keep]
    )
