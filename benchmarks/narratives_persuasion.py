"""Persuasion techniques (SemEval-2023 task 3, subtask 3): train the shipped model, and measure its recipe honestly.

    python benchmarks/narratives_persuasion.py cv DATA_DIR [--features encoder tfidf] [--thresholds micro]
                                                  [--extra en zen ptc] [--folds 5]
    python benchmarks/narratives_persuasion.py train DATA_DIR [same options] [--out .../persuasion.joblib]

DATA_DIR is `.../analysis/semeval2023-task3`. `cv` holds out Russian *articles* (grouped folds; the model of each
fold never sees the held-out articles, and its thresholds come from inner cross-validation on its own training
part), and reports micro-F1 and Name_Calling-Labeling F1 on the held-out Russian paragraphs. The Russian dev split is
not used (it is held out from us). `--extra` adds training paragraphs that are never scored and never tune a
threshold: the English SemEval-2023 train + dev paragraphs (`en`), ru-zen-prop (`zen`, Russian) and PTC (`ptc`,
English), the last two span-annotated (one paragraph per line; a technique learns only from the corpora that
annotate it; both folders are found next to DATA_DIR). The n-gram part learns from the Russian paragraphs only.
The defaults are the shipped recipe.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
from narratives_persuasion_variants import extra_corpora, load

from leakdesk.narratives.persuasion import FAMILIES, NAME_CALLING, THRESHOLDS, PersuasionModel, score

RECIPE = {"features": ["encoder"], "thresholds": "micro", "extra": ["en"]}


def training_set(data: Path, extra: list[str]) -> tuple[list[str], list[set[str]], list[str], list[tuple],
                                                        np.ndarray | None]:
    """Russian train paragraphs first, then the extra corpora; `known` marks what each corpus annotates."""
    texts, labels, groups, keys = load(data, "ru", "train")
    keys = [("ru", *k) for k in keys]
    annotated: list[set[str] | None] = [None] * len(texts)
    if "en" in extra:
        for split in ("train", "dev"):
            t, y, g, k = load(data, "en", split)
            texts, labels, groups, keys = texts + t, labels + y, groups + g, keys + [("en", *x) for x in k]
            annotated += [None] * len(t)
    spans = extra_corpora(data.parent) if {"zen", "ptc"} & set(extra) else {}
    for name in ("zen", "ptc"):
        if name in extra:
            t, y, marked = spans[name]
            texts, labels = texts + t, labels + y
            groups += [f"{name}:{i}" for i in range(len(t))]
            keys += [(name, str(i), 0) for i in range(len(t))]
            annotated += [marked] * len(t)
    techniques = sorted({t for ts in labels for t in ts})
    known = None
    if any(a is not None for a in annotated):
        known = np.array([[a is None or t in a for t in techniques] for a in annotated], dtype=bool)
    return texts, labels, groups, keys, known


def cross_validate(data: Path, features: list[str], thresholds: str, extra: list[str], folds: int) -> dict:
    from sklearn.model_selection import GroupKFold

    texts, labels, groups, keys, known = training_set(data, extra)
    ru_index = np.flatnonzero([k[0] == "ru" for k in keys])
    gold: dict = {}
    predicted: dict = {}
    started, cpu = time.perf_counter(), time.process_time()
    ru_groups = [groups[i] for i in ru_index]
    for fold, (_, held_ru) in enumerate(GroupKFold(n_splits=folds).split(ru_index, groups=ru_groups)):
        held = set(ru_index[held_ru].tolist())
        train = np.array([i for i in range(len(texts)) if i not in held])
        model = PersuasionModel(features=tuple(features), thresholds=thresholds)
        model.fit([texts[i] for i in train], [labels[i] for i in train], [groups[i] for i in train],
                  tune=[keys[i][0] == "ru" for i in train], known=_align(known, labels, train, model),
                  tfidf_rows=[keys[i][0] == "ru" for i in train])
        held_list = sorted(held)
        for i, guess in zip(held_list, model.predict([texts[i] for i in held_list]), strict=True):
            gold[keys[i][1:]] = labels[i]
            predicted[keys[i][1:]] = guess
        print(f"fold {fold + 1}/{folds} done ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    s = score(gold, predicted)
    return {"setting": "ru train, articles held out by grouped CV", "features": features, "thresholds": thresholds,
            "extra": extra, "folds": folds, "paragraphs": s.paragraphs, "micro_f1": s.micro_f1,
            "micro_precision": s.micro_precision, "micro_recall": s.micro_recall,
            "name_calling_f1": s.per_technique.get(NAME_CALLING, {}).get("f1", 0.0),
            "seconds": round(time.perf_counter() - started, 1), "cpu_seconds": round(time.process_time() - cpu, 1)}


def _align(known: np.ndarray | None, labels: list[set[str]], rows: np.ndarray,
           model: PersuasionModel) -> np.ndarray | None:
    """The `known` columns in the order of the techniques the model will keep (those with enough support)."""
    if known is None:
        return None
    everything = sorted({t for ts in labels for t in ts})
    counts: dict[str, int] = {}
    for i in rows:
        for t in labels[i]:
            counts[t] = counts.get(t, 0) + 1
    kept = sorted(t for t, n in counts.items() if n >= model.min_support)
    return known[rows][:, [everything.index(t) for t in kept]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["cv", "train"])
    parser.add_argument("data", type=Path)
    parser.add_argument("--features", nargs="+", choices=FAMILIES, default=RECIPE["features"])
    parser.add_argument("--thresholds", choices=THRESHOLDS, default=RECIPE["thresholds"])
    parser.add_argument("--extra", nargs="*", choices=["en", "zen", "ptc"], default=RECIPE["extra"])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--out", type=Path, default=Path("src/leakdesk/narratives/persuasion.joblib"))
    args = parser.parse_args()
    if args.command == "cv":
        print(json.dumps(cross_validate(args.data, args.features, args.thresholds, args.extra, args.folds), indent=2))
        return
    import joblib

    texts, labels, groups, keys, known = training_set(args.data, args.extra)
    model = PersuasionModel(features=tuple(args.features), thresholds=args.thresholds)
    rows = np.arange(len(texts))
    model.fit(texts, labels, groups, tune=[k[0] == "ru" for k in keys], known=_align(known, labels, rows, model),
              tfidf_rows=[k[0] == "ru" for k in keys])
    model.oof_ = None  # not needed at run time
    joblib.dump(model, args.out, compress=3)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB), {len(model.techniques_)} techniques")


if __name__ == "__main__":
    main()
