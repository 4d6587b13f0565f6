"""Persuasion techniques on the Russian side: every variant tried, measured the same honest way.

    python benchmarks/narratives_persuasion_variants.py DATA_DIR [--cache /tmp/persuasion-cache] [--only NAME ...]

DATA_DIR is `.../analysis/semeval2023-task3`. The Russian *train* articles are split into 5 folds grouped by
article. For each outer fold, every model family is fitted on the other four folds and scores the held-out fold;
its thresholds come only from inner 4-fold (grouped) out-of-fold probabilities on those four folds. So no held-out
paragraph ever trains or tunes anything. English paragraphs (train + dev, cross-lingual through the encoder) are
only ever training data. The Russian dev split is held out from us and never read. Probabilities are cached per
(family, fold), so threshold and fusion variants cost nothing once the families are computed.

Families: tfidf (word 1–2 + char 2–5 n-grams, LR per technique), use (USE v3 multilingual paragraph vectors, LR),
use+en (same, with the English paragraphs added to training), use+ctx (the paragraph's vector with its neighbours'
mean and the article's mean), use+ctx+en, use+zen / use+en+zen / use+en+zen+ptc (adding ru-zen-prop's Russian
and PTC's English span-annotated articles, one paragraph per line, each technique trained only on the corpora
that annotate it), tfidf+zen. Variants: a family or a probability average of two, with thresholds
per technique (each technique's own F1), one global cut, or per technique tuned for micro-F1 (coordinate ascent).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from leakdesk.narratives.persuasion import (
    NAME_CALLING,
    context_vectors,
    read_articles,
    read_labels,
    score,
    threshold_micro,
    threshold_per_technique,
)

FOLDS = 5
INNER = 4
Split = tuple[list[str], list[set[str]], list[str], list[tuple[str, int]]]


def load(data: Path, language: str, split: str) -> Split:
    paragraphs = read_articles(data / "data" / language / f"{split}-articles-subtask-3")
    gold = read_labels(data / "data" / language / f"{split}-labels-subtask-3.txt")
    keys = [k for k in gold if k in paragraphs]
    return [paragraphs[k] for k in keys], [gold[k] for k in keys], [f"{language}:{k[0]}" for k in keys], keys


ZEN = {  # ru-zen-prop technique → SemEval-2023 technique (both its name-calling classes are labelling)
    "Appeal_to_authority": "Appeal_to_Authority", "Hate_speech,slang,name_calling": "Name_Calling-Labeling",
    "Labelling": "Name_Calling-Labeling", "Casting_Doubt": "Doubt", "Loaded_language": "Loaded_Language",
    "Causal_Simplification": "Causal_Oversimplification", "Appeal_to_Hypocrisy": "Appeal_to_Hypocrisy",
    "Appeal_to_fear/prejudice": "Appeal_to_Fear-Prejudice", "Appeal_to_values": "Appeal_to_Values",
    "Exaggeration/Minimization": "Exaggeration-Minimisation", "Strawman": "Straw_Man", "Flag_waving": "Flag_Waving",
    "False_Dilemma": "False_Dilemma-No_Choice", "Obfuscation,vagueness,obscurantism": "Obfuscation-Vagueness-Confusion",
    "Repetition": "Repetition", "Guilt_by_Association": "Guilt_by_Association",
    "Consequential_Simplification": "Consequential_Oversimplification", "Appeal_to_popularity": "Appeal_to_Popularity",
    "Slogan": "Slogans", "Appeal_to_Time": "Appeal_to_Time", "Whataboutism": "Whataboutism",
    "Conversation_Killer": "Conversation_Killer", "Red_Herring": "Red_Herring",
}
PTC = {  # PTC (SemEval-2020 task 11) technique → SemEval-2023 technique; its merged classes are left out
    "Loaded_Language": "Loaded_Language", "Name_Calling,Labeling": "Name_Calling-Labeling", "Repetition": "Repetition",
    "Doubt": "Doubt", "Exaggeration,Minimisation": "Exaggeration-Minimisation",
    "Appeal_to_fear-prejudice": "Appeal_to_Fear-Prejudice", "Flag-Waving": "Flag_Waving",
    "Causal_Oversimplification": "Causal_Oversimplification", "Appeal_to_Authority": "Appeal_to_Authority",
    "Slogans": "Slogans", "Black-and-White_Fallacy": "False_Dilemma-No_Choice",
    "Thought-terminating_Cliches": "Conversation_Killer",
}


def span_paragraphs(folder: Path, label_files: list[Path], mapping: dict[str, str]) -> tuple[list[str], list[set[str]],
                                                                                          list[str]]:
    """Span-annotated articles (PTC format: `id technique start end`) as paragraphs (lines) with the mapped
    techniques of every span that overlaps them."""
    spans: dict[str, list[tuple[str, int, int]]] = {}
    for path in label_files:
        for line in path.read_text("utf-8").splitlines():
            parts = line.split("\t")
            if len(parts) == 4 and parts[1] in mapping:
                spans.setdefault(parts[0], []).append((mapping[parts[1]], int(parts[2]), int(parts[3])))
    texts, labels, groups = [], [], []
    for article in sorted(folder.glob("article*.txt")):
        ident = article.stem.removeprefix("article")
        if ident not in spans:
            continue  # an article nobody annotated says nothing about techniques
        content = article.read_text("utf-8", errors="replace")
        offset = 0
        for line in content.split("\n"):
            start, end = offset, offset + len(line)
            offset = end + 1
            if not line.strip():
                continue
            texts.append(line.strip())
            labels.append({t for t, a, b in spans[ident] if a < end and b > start})
            groups.append(f"{folder.parent.name}:{ident}")
    return texts, labels, groups


def extra_corpora(analysis: Path) -> dict[str, tuple[list[str], list[set[str]], set[str]]]:
    """ru-zen-prop (Russian, train + dev) and PTC (English, train), each with the techniques it annotates."""
    zen = analysis / "ru-zen-prop" / "datasets"
    ptc = analysis / "ptc-semeval2020-task11" / "datasets"
    z_train = span_paragraphs(zen / "train-articles", [zen / "train-task2-TC.labels"], ZEN)
    z_dev = span_paragraphs(zen / "dev-articles", [zen / "dev-task-TC-template_labeled.out"], ZEN)
    p_train = span_paragraphs(ptc / "train-articles", [ptc / "train-task2-TC.labels"], PTC)
    return {"zen": (z_train[0] + z_dev[0], z_train[1] + z_dev[1], set(ZEN.values())),
            "ptc": (p_train[0], p_train[1], set(PTC.values()))}


def embed(texts: list[str], cache: Path, name: str) -> np.ndarray:
    path = cache / f"use-{name}.npy"
    if path.is_file():
        return np.load(path)
    from leakdesk.language import encoder

    vectors = encoder.encode(texts)
    np.save(path, vectors)
    return vectors


def lr_probs(x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray, c: float,
             balanced: bool = True, known: np.ndarray | None = None) -> np.ndarray:
    """One logistic regression per technique (lbfgs on dense sentence vectors, liblinear on sparse n-grams);
    `known[i, j]` False leaves row i out of technique j's training (a corpus that does not annotate that technique
    says nothing about it)."""
    from sklearn.linear_model import LogisticRegression

    out = np.zeros((x_test.shape[0], y_train.shape[1]), np.float32)
    for j in range(y_train.shape[1]):
        rows = slice(None) if known is None else known[:, j]
        if y_train[rows, j].sum() == 0:
            continue
        clf = LogisticRegression(C=c, class_weight="balanced" if balanced else None, max_iter=2000,
                                 solver="lbfgs" if isinstance(x_train, np.ndarray) else "liblinear")
        clf.fit(x_train[rows], y_train[rows, j])
        out[:, j] = clf.predict_proba(x_test)[:, 1]
    return out


def tfidf_probs(train_texts: list[str], y: np.ndarray, test_texts: list[str]) -> np.ndarray:
    from scipy import sparse

    from leakdesk.narratives.persuasion import _vectorizers

    vecs = _vectorizers()
    x_train = sparse.hstack([v.fit_transform(train_texts) for v in vecs]).tocsr()
    x_test = sparse.hstack([v.transform(test_texts) for v in vecs]).tocsr()
    return lr_probs(x_train, y, x_test, c=4.0)


def nested(family: str, fit_predict: Callable[[np.ndarray, np.ndarray], np.ndarray], y: np.ndarray,
           groups: list[str], cache: Path) -> dict[str, np.ndarray]:
    """Per outer fold: held-out probabilities and the inner out-of-fold probabilities of its training part."""
    from sklearn.model_selection import GroupKFold

    path = cache / f"probs-{family}.npz"
    if path.is_file():
        return dict(np.load(path))
    started = time.perf_counter()
    out: dict[str, np.ndarray] = {}
    idx = np.arange(len(groups))
    for k, (train, held) in enumerate(GroupKFold(n_splits=FOLDS).split(idx, groups=groups)):
        out[f"held{k}"] = held
        out[f"test{k}"] = fit_predict(train, held)
        oof = np.zeros((len(train), y.shape[1]), np.float32)
        for inner_train, inner_held in GroupKFold(n_splits=INNER).split(train, groups=[groups[i] for i in train]):
            oof[inner_held] = fit_predict(train[inner_train], train[inner_held])
        out[f"train{k}"] = train
        out[f"oof{k}"] = oof
        print(f"{family}: fold {k + 1}/{FOLDS} ({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    np.savez(path, **out)
    return out


def evaluate(probs: dict[str, np.ndarray], y: np.ndarray, techniques: list[str], keys: list[tuple[str, int]],
             labels: list[set[str]], strategy: str) -> dict[str, float]:
    gold, predicted = {}, {}
    for k in range(FOLDS):
        train, held = probs[f"train{k}"], probs[f"held{k}"]
        oof, test = probs[f"oof{k}"], probs[f"test{k}"]
        if strategy == "technique":
            cuts = threshold_per_technique(oof, y[train])
        elif strategy == "micro":
            cuts = threshold_micro(oof, y[train])
        else:  # one global cut for every technique, chosen for micro-F1
            cuts = threshold_micro(oof, y[train], shared=True)
        for row, i in zip(test >= cuts, held, strict=True):
            gold[keys[i]] = labels[i]
            predicted[keys[i]] = {t for t, on in zip(techniques, row, strict=True) if on}
    s = score(gold, predicted)
    return {"micro_f1": s.micro_f1, "micro_precision": s.micro_precision, "micro_recall": s.micro_recall,
            "name_calling_f1": s.per_technique.get(NAME_CALLING, {}).get("f1", 0.0)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/persuasion-cache"))
    parser.add_argument("--only", nargs="*", help="compute only these families (default: all)")
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    texts, labels, groups, keys = load(args.data, "ru", "train")
    en = [load(args.data, "en", split) for split in ("train", "dev")]
    counts: dict[str, int] = {}
    for ts in labels:
        for t in ts:
            counts[t] = counts.get(t, 0) + 1
    techniques = sorted(t for t, n in counts.items() if n >= 5)
    y = np.array([[t in ts for t in techniques] for ts in labels], dtype=np.int8)
    ru_vec = embed(texts, args.cache, "ru-train")
    en_texts = [t for split in en for t in split[0]]
    en_keys = [k for split in en for k in split[3]]
    en_vec = embed(en_texts, args.cache, "en-train-dev")
    en_y = np.array([[t in ts for t in techniques] for split in en for ts in split[1]], dtype=np.int8)
    ru_ctx = context_vectors(ru_vec, [k[0] for k in keys], [k[1] for k in keys])
    en_ctx = context_vectors(en_vec, [k[0] for k in en_keys], [k[1] for k in en_keys])

    extra = extra_corpora(args.data.parent)
    wanted = {name for family in (args.only or ["ptc", "zen"]) for name in ("zen", "ptc") if name in family}
    extra_x = {name: embed(t, args.cache, name) if name in wanted else np.zeros((0, 512), np.float32)
               for name, (t, _, _) in extra.items()}
    extra_y = {name: np.array([[t in ts for t in techniques] for ts in labs], dtype=np.int8)
               for name, (_, labs, _) in extra.items()}
    extra_known = {name: np.tile([t in annotated for t in techniques], (len(t_), 1))
                   for name, (t_, _, annotated) in extra.items()}
    extra_x["en"], extra_y["en"] = en_vec, en_y
    extra_known["en"] = np.ones(en_y.shape, dtype=bool)

    def use(x: np.ndarray, extra_x_: np.ndarray | None, c: float,
            corpora: tuple[str, ...] = ()) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
        def fit_predict(train: np.ndarray, test: np.ndarray) -> np.ndarray:
            xt, yt = x[train], y[train]
            known = np.ones(yt.shape, dtype=bool)
            if extra_x_ is not None:
                xt, yt, known = np.vstack([xt, extra_x_]), np.vstack([yt, en_y]), np.vstack([known, extra_known["en"]])
            for name in corpora:
                xt, yt = np.vstack([xt, extra_x[name]]), np.vstack([yt, extra_y[name]])
                known = np.vstack([known, extra_known[name]])
            return lr_probs(xt, yt, x[test], c=c, known=known)
        return fit_predict

    def tfidf_with(corpus: str) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
        texts_x, labels_x, annotated = extra[corpus]
        y_x = extra_y[corpus]

        def fit_predict(train: np.ndarray, test: np.ndarray) -> np.ndarray:
            from scipy import sparse

            from leakdesk.narratives.persuasion import _vectorizers

            vecs = _vectorizers()
            train_texts = [texts[i] for i in train] + texts_x
            x_train = sparse.hstack([v.fit_transform(train_texts) for v in vecs]).tocsr()
            x_test = sparse.hstack([v.transform([texts[i] for i in test]) for v in vecs]).tocsr()
            known = np.vstack([np.ones((len(train), len(techniques)), bool), extra_known[corpus]])
            return lr_probs(x_train, np.vstack([y[train], y_x]), x_test, c=4.0, known=known)
        return fit_predict

    families: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
        "tfidf": lambda train, test: tfidf_probs([texts[i] for i in train], y[train], [texts[i] for i in test]),
        "use": use(ru_vec, None, 1.0),
        "use+en": use(ru_vec, en_vec, 1.0),
        "use+ctx": use(ru_ctx, None, 1.0),
        "use+ctx+en": use(ru_ctx, en_ctx, 1.0),
        "use+zen": use(ru_vec, None, 1.0, ("zen",)),
        "use+en+zen": use(ru_vec, en_vec, 1.0, ("zen",)),
        "use+en+zen+ptc": use(ru_vec, en_vec, 1.0, ("zen", "ptc")),
        "tfidf+zen": tfidf_with("zen"),
    }
    chosen = args.only or list(families)
    probs = {name: nested(name, families[name], y, groups, args.cache) for name in chosen}
    results = []
    names = list(probs)
    combos = [(n,) for n in names] + [(a, b) for i, a in enumerate(names) for b in names[i + 1:]]
    for combo in combos:
        p = probs[combo[0]]
        if len(combo) == 2:
            q = probs[combo[1]]
            p = {k: (v + q[k]) / 2 if k.startswith(("test", "oof")) else v for k, v in p.items()}
        for strategy in ("technique", "micro", "global"):
            r = {"model": " + ".join(combo), "thresholds": strategy,
                 **evaluate(p, y, techniques, keys, labels, strategy)}
            results.append(r)
            print(json.dumps(r), flush=True)


if __name__ == "__main__":
    main()
