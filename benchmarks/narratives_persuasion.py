"""Persuasion techniques (SemEval-2023 task 3, subtask 3): train the shipped model, and measure it honestly.

    python benchmarks/narratives_persuasion.py cv DATA_DIR [--english] [--folds 5]
    python benchmarks/narratives_persuasion.py train DATA_DIR [--out src/leakdesk/narratives/persuasion.joblib]

DATA_DIR is `.../analysis/semeval2023-task3`. `cv` holds out Russian *articles* (grouped folds; the model of each
fold never sees the held-out articles, and its thresholds come from inner cross-validation on its own training
part), and reports micro-F1 and Name_Calling-Labeling F1 on the held-out Russian paragraphs. The Russian dev split is
not used (it is held out from us). `train` fits on all Russian training paragraphs (and the English ones with
`--english`); thresholds are always chosen on the Russian out-of-fold predictions.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from leakdesk.narratives.persuasion import NAME_CALLING, PersuasionModel, read_articles, read_labels, score


def load(data: Path, language: str, split: str) -> tuple[list[str], list[set[str]], list[str], list[tuple]]:
    paragraphs = read_articles(data / "data" / language / f"{split}-articles-subtask-3")
    gold = read_labels(data / "data" / language / f"{split}-labels-subtask-3.txt")
    keys = [k for k in gold if k in paragraphs]
    return ([paragraphs[k] for k in keys], [gold[k] for k in keys], [f"{language}:{k[0]}" for k in keys],
            [(language, *k) for k in keys])


def training_set(data: Path, english: bool) -> tuple[list[str], list[set[str]], list[str], list[tuple]]:
    texts, labels, groups, keys = load(data, "ru", "train")
    if english:
        for split in ("train", "dev"):
            t, y, g, k = load(data, "en", split)
            texts, labels, groups, keys = texts + t, labels + y, groups + g, keys + k
    return texts, labels, groups, keys


def cross_validate(data: Path, english: bool, folds: int, c: float) -> dict:
    from sklearn.model_selection import GroupKFold

    texts, labels, groups, keys = training_set(data, english)
    ru = np.array([g.startswith("ru:") for g in groups])
    ru_index = np.flatnonzero(ru)
    gold: dict = {}
    predicted: dict = {}
    started = time.perf_counter()
    ru_groups = [groups[i] for i in ru_index]
    for fold, (_, held_ru) in enumerate(GroupKFold(n_splits=folds).split(ru_index, groups=ru_groups)):
        held = set(ru_index[held_ru].tolist())
        train = [i for i in range(len(texts)) if i not in held]
        model = PersuasionModel(c=c).fit([texts[i] for i in train], [labels[i] for i in train],
                                         [groups[i] for i in train], [groups[i].startswith("ru:") for i in train])
        held_list = sorted(held)
        for i, guess in zip(held_list, model.predict([texts[i] for i in held_list]), strict=True):
            gold[keys[i]] = labels[i]
            predicted[keys[i]] = guess
        print(f"fold {fold + 1}/{folds} done ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    s = score(gold, predicted)
    return {"setting": "ru train, articles held out by grouped CV" + (" (+ English train/dev)" if english else ""),
            "folds": folds, "paragraphs": s.paragraphs, "micro_f1": s.micro_f1,
            "micro_precision": s.micro_precision, "micro_recall": s.micro_recall,
            "name_calling_f1": s.per_technique.get(NAME_CALLING, {}).get("f1", 0.0),
            "seconds": round(time.perf_counter() - started, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["cv", "train"])
    parser.add_argument("data", type=Path)
    parser.add_argument("--english", action="store_true", help="add the English train and dev paragraphs")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--c", type=float, default=4.0)
    parser.add_argument("--out", type=Path, default=Path("src/leakdesk/narratives/persuasion.joblib"))
    args = parser.parse_args()
    if args.command == "cv":
        print(json.dumps(cross_validate(args.data, args.english, args.folds, args.c), indent=2))
        return
    import joblib

    texts, labels, groups, _ = training_set(args.data, english=args.english)
    model = PersuasionModel(c=args.c).fit(texts, labels, groups, [g.startswith("ru:") for g in groups])
    model.oof_ = None  # not needed at run time
    joblib.dump(model, args.out, compress=3)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.1f} MB), {len(model.techniques_)} techniques")


if __name__ == "__main__":
    main()
