"""Authorship-verification benchmark: leakdesk's verifier against `lambdag` and `faststylometry` on PAN test splits.

    python benchmarks/authorship.py DATA_DIR [--write BENCHMARKS.md] [--only pan15-en pan14-en-essays ...]
    python benchmarks/authorship.py --build-ru OUT [--ru-source DATA_DIR/ru-rsd]

DATA_DIR is the folder holding `pan15-av-en/`, `pan14-av/` and `ru-rsd/` (e.g. /work/shared/data/authorship). Every
system is fitted on the TRAIN split of a corpus and answers its TEST split; the same problems go to all three. The
Russian problems are built reproducibly (fixed seed) into a temporary folder unless `--ru-dir` names one.
Texts are read from DATA_DIR only; nothing from the corpora is written into the repository.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("TQDM_DISABLE", "1")  # lambdag prints a tqdm bar per call otherwise

from leakdesk.authorship.evaluation import answer_problems, as_problems, evaluate  # noqa: E402
from leakdesk.authorship.pan import PanCorpus, build_russian_problems, read_pan_folder  # noqa: E402
from leakdesk.errors import LeakdeskError  # noqa: E402

SEED = 2026
RU_OPTIONS = {"seed": SEED, "chunk_words": 500, "known_passages": 2, "train_problems": 100, "test_problems": 100}


@dataclass(frozen=True)
class Corpus:
    key: str
    label: str
    folder: str  # relative to DATA_DIR; holds train/ and test/
    target: float | None  # AUC·c@1 to reach
    target_note: str


CORPORA = [
    Corpus("pan15-en", "PAN15 English (cross-topic)", "pan15-av-en", 0.65, "≥ 0.65 (best published 0.614, Bagnall)"),
    Corpus("pan14-en-essays", "PAN14 English essays", "pan14-av/en_essays", 0.543, "≥ 0.543 (winner 0.513 + 0.03)"),
    Corpus("pan14-en-novels", "PAN14 English novels", "pan14-av/en_novels", 0.538, "≥ 0.538 (winner 0.508 + 0.03)"),
    Corpus("pan14-nl-essays", "PAN14 Dutch essays", "pan14-av/du_essays", 0.853, "≥ 0.853 (winner 0.823 + 0.03)"),
    Corpus("pan14-nl-reviews", "PAN14 Dutch reviews*", "pan14-av/du_reviews", 0.555, "≥ 0.555 (winner 0.525 + 0.03)"),
    Corpus("pan14-gr", "PAN14 Greek articles", "pan14-av/gr_articles", 0.750, "≥ 0.750 (winner 0.720 + 0.03)"),
    Corpus("pan14-es", "PAN14 Spanish articles", "pan14-av/sp_articles", 0.728, "≥ 0.728 (winner 0.698 + 0.03)"),
    Corpus("ru-rsd", "Russian RSD (built, seed 2026)", "", None, "no published figure"),
]


# ---- the three systems: each takes (train corpus, test corpus) and returns P(same) per test problem -------------


def leakdesk_system(train: PanCorpus, test: PanCorpus) -> np.ndarray:
    from leakdesk.authorship.verifier import AuthorshipVerifier

    verifier = AuthorshipVerifier(
        language="auto", random_state=0, char_spectrum=CHAR_SPECTRUM, compression=COMPRESSION, style_gaps=STYLE_GAPS,
        unmasking=UNMASKING, grouped_folds=GROUPED_FOLDS, char_lm=CHAR_LM,
    )
    verifier.fit(as_problems(train), np.asarray(train.labels()))
    for family in ("spectrum", "compression", "style_gaps", "unmasking", "char_lm"):
        if hasattr(verifier, f"{family}_cv_"):  # "auto": grouped, nested train-CV without and with the family
            without, with_family = getattr(verifier, f"{family}_cv_")
            DIAGNOSTICS.setdefault("leakdesk", {}).update({
                f"{family}_used": bool(getattr(verifier, f"{family}_used_")),
                f"grouped_cv_without_{family}": round(without, 3),
                f"grouped_cv_with_{family}": round(with_family, 3),
            })
    cv = getattr(verifier.fusion_, "cv_answers_", None)
    if cv is not None:  # 5-fold out-of-fold answers of the fusion on TRAIN (its band chosen on the same folds)
        scores = evaluate(train.labels(), cv)
        DIAGNOSTICS.setdefault("leakdesk", {}).update({
            "train_cv_auc_c_at_1": round(scores.auc_c_at_1, 3),
            "train_cv_auc": round(scores.auc, 3),
            "train_cv_c_at_1": round(scores.c_at_1, 3),
        })
    return answer_problems(verifier, as_problems(test))


def _pseudo_authors(corpus: PanCorpus) -> tuple[list[tuple[str, str, str, str]], dict[str, list[str]]]:
    """lambdag's input: each problem's known texts form one pseudo-author named after the problem. The author of a
    questioned text is unknown, so the reference pool for a problem is every OTHER problem's known texts."""
    problems = [(" ".join(p.known), p.id, p.unknown, p.id) for p in corpus.problems]
    return problems, {p.id: list(p.known) for p in corpus.problems}


def lambdag_system(train: PanCorpus, test: PanCorpus) -> np.ndarray:
    from lambdag import LambdaGMethod

    method = LambdaGMethod(
        basis="tokens", order=10, smoothing="kneser_ney", lowercasing=True, sentenize=True,
        num_references=LAMBDAG_REFERENCES, calibration="logistic_regression", random_seed=SEED,
    )  # fmt: skip
    problems, authors = _pseudo_authors(train)
    method.fit(problems, authors, np.asarray(train.labels()))
    problems, authors = _pseudo_authors(test)
    return np.asarray(method.predict_proba(problems, authors))[:, 1]


LAMBDAG_REFERENCES = int(os.environ.get("LAMBDAG_REFERENCES", "5"))
# the character spectrum (methods/spectrum.py): "auto" (default) lets each corpus's training problems decide by the
# rule in authorship/selection.py; "1" always, "0" never
CHAR_SPECTRUM: bool | str = {"1": True, "0": False}.get(os.environ.get("CHAR_SPECTRUM", "auto"), "auto")
# compression distance against many impostors (methods/compression.py) and style gaps (methods/style_gaps.py, plain
# measures against the impostors): same choices, env COMPRESSION and STYLE_GAPS; the rule judges all three families
# (BENCHMARKS.md, session 7: gains on PAN15 English and Dutch reviews, no corpus loses)
COMPRESSION: bool | str = {"1": True, "0": False}.get(os.environ.get("COMPRESSION", "auto"), "auto")
STYLE_GAPS: bool | str = {"1": True, "0": False}.get(os.environ.get("STYLE_GAPS", "auto"), "auto")
# unmasking (methods/unmasking.py; "0" by default, "auto" lets the rule judge it) and the fusion's C and band chosen
# on folds that keep problems sharing a text together (GROUPED_FOLDS=1); BENCHMARKS.md, session 9
UNMASKING: bool | str = {"1": True, "auto": "auto"}.get(os.environ.get("UNMASKING", "0"), False)
GROUPED_FOLDS = os.environ.get("GROUPED_FOLDS", "0") == "1"
# the character language-model ratio (methods/char_lm.py; "0" by default, "auto" lets the rule judge it); session 10
CHAR_LM: bool | str = {"1": True, "auto": "auto"}.get(os.environ.get("CHAR_LM", "0"), False)
LAMBDAG_LIMIT = int(os.environ.get("LAMBDAG_LIMIT", "1200"))  # seconds per corpus in the separate lambdag run
WORD = re.compile(r"\w+")
LETTERS = r"^[^\W\d_]+$"


def _tokens(text: str, language: str) -> list[str]:
    from faststylometry import tokenise_remove_pronouns_en

    return tokenise_remove_pronouns_en(text) if language == "en" else WORD.findall(text.lower())


def _deltas(corpus: PanCorpus, impostors: int = 20) -> np.ndarray:
    """Burrows' Delta between each questioned text and its known texts, z-scored among 20 other problems' authors."""
    from faststylometry import Corpus as FsCorpus
    from faststylometry import calculate_burrows_delta

    rng = random.Random(SEED)
    known_tokens = {p.id: [_tokens(t, p.language) for t in p.known] for p in corpus.problems}
    deltas = []
    for p in corpus.problems:
        others = rng.sample([q.id for q in corpus.problems if q.id != p.id], min(impostors, len(corpus.problems) - 1))
        authors, books, tokens = [], [], []
        for author in [p.id, *others]:
            for n, toks in enumerate(known_tokens[author]):
                authors.append(author)
                books.append(f"{author}-{n}")
                tokens.append(toks)
        train = FsCorpus(authors, books, tokens)
        test = FsCorpus(["questioned"], ["unknown"], [_tokens(p.unknown, p.language)])
        table = calculate_burrows_delta(train, test, vocab_size=100, tok_match_pattern=LETTERS)
        deltas.append(float(table.loc[p.id].iloc[0]))
    return np.asarray(deltas)


def faststylometry_system(train: PanCorpus, test: PanCorpus) -> np.ndarray:
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    # faststylometry's own calibration: a balanced logistic regression from Delta to P(same author)
    train_deltas, test_deltas = _deltas(train), _deltas(test)
    model = LogisticRegression(class_weight="balanced").fit(train_deltas[:, None], train.labels())
    # a small Delta means "same author"; record how well raw −Delta ranks, before the calibration's slope is learned
    DIAGNOSTICS["faststylometry"] = {
        "train_auc_minus_delta": round(float(roc_auc_score(train.labels(), -train_deltas)), 3),
        "test_auc_minus_delta": round(float(roc_auc_score(test.labels(), -test_deltas)), 3),
    }
    return model.predict_proba(test_deltas[:, None])[:, 1]


DIAGNOSTICS: dict[str, dict[str, float]] = {}


SYSTEMS: dict[str, Callable[[PanCorpus, PanCorpus], np.ndarray]] = {
    "leakdesk": leakdesk_system,
    "lambdag": lambdag_system,
    "faststylometry": faststylometry_system,
}


# ---- running --------------------------------------------------------------------------------------------------------


def run_corpus(
    corpus: Corpus, folder: Path, systems: list[str], saved: Callable[[dict[str, Any]], None] | None = None
) -> dict[str, Any]:
    """Every system on one corpus: fit on train/, answer test/, PAN measures and wall-clock seconds. `saved` gets
    the result so far after each system (so a slow baseline stopped by a time limit loses only its own figure)."""
    train, test = read_pan_folder(folder / "train"), read_pan_folder(folder / "test")
    result: dict[str, Any] = {"corpus": corpus.key, "train": len(train.problems), "test": len(test.problems)}
    for name in systems:
        started, cpu_started = time.perf_counter(), time.process_time()
        try:
            answers = SYSTEMS[name](train, test)
        except Exception as exc:  # a baseline failing must not lose the other measurements
            result[name] = {"error": f"{type(exc).__name__}: {exc}"}
            print(f"  {name}: FAILED {exc}", file=sys.stderr)
            continue
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        result[name] = {
            **evaluate(test.labels(), answers).to_dict(),
            "seconds": round(seconds, 1),
            "cpu_seconds": round(cpu, 1),
            **DIAGNOSTICS.pop(name, {}),
        }
        print(f"  {name}: AUC·c@1 {result[name]['auc_c_at_1']:.3f} in {seconds:.0f} s", file=sys.stderr)
        if saved is not None:
            saved(result)
    return result


def series_speed(ru_folder: Path, repeats: int = 3) -> dict[str, float]:
    """Seconds to verify one questioned letter against a 50-letter series (verifier fitted on the Russian train)."""
    from leakdesk.authorship.problem import Problem
    from leakdesk.authorship.verifier import AuthorshipVerifier

    train = read_pan_folder(ru_folder / "train")
    test = read_pan_folder(ru_folder / "test")
    verifier = AuthorshipVerifier(language="auto", random_state=0).fit(as_problems(train), np.asarray(train.labels()))
    letters = [" ".join(text.split()[:300]) for p in test.problems for text in p.known][:51]
    problem = Problem(known=letters[:50], unknown=letters[50], language="ru", id="series-50")
    wall, cpu = [], []
    for _ in range(repeats):
        started, cpu_started = time.perf_counter(), time.process_time()
        verifier.answer_scores([problem])
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - cpu_started)
    return {"series_seconds": round(statistics.median(wall), 3), "series_cpu_seconds": round(statistics.median(cpu), 3)}


def pan15_speed(data_dir: Path) -> dict[str, float]:
    """PAN15 English end to end, as `leakdesk eval authorship` runs it: read, fit on train, answer test, score."""
    from leakdesk.authorship.evaluation import run_pan_evaluation

    folder = data_dir / "pan15-av-en"
    started, cpu_started = time.perf_counter(), time.process_time()
    run = run_pan_evaluation(folder / "test", folder / "train")
    return {
        "pan15_seconds": round(time.perf_counter() - started, 1),
        "pan15_cpu_seconds": round(time.process_time() - cpu_started, 1),
        "pan15_auc_c_at_1": round(run.scores.auc_c_at_1, 4),
    }


def machine_meta() -> dict[str, str]:
    return {
        "date": time.strftime("%Y-%m-%d"),
        "machine": f"{os.cpu_count()} CPUs, Python {sys.version.split()[0]}",
        "verifier": VERIFIER_VERSION,
        "load": "load average {:.1f} / {:.1f} / {:.1f} (1/5/15 min) when the run ended".format(*os.getloadavg()),
    }


def verifier_version() -> str:
    """The commit of src/leakdesk/authorship the run used ("+changes" when the working tree differs from it)."""
    import subprocess

    root = Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(
            ["git", "log", "-1", "--format=%h", "--", "src/leakdesk/authorship"],
            cwd=root, capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "src/leakdesk/authorship"],
            cwd=root, capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return commit + ("+changes" if dirty else "")


VERIFIER_VERSION = verifier_version()


def fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def markdown(results: list[dict[str, Any]], speed: dict[str, Any], meta: dict[str, Any]) -> str:
    """The '## Authorship' section of BENCHMARKS.md."""
    by_key = {c.key: c for c in CORPORA}
    lines = [
        "## Authorship",
        "",
        f"Measured {meta['date']} on {meta['machine']} by `benchmarks/authorship.py` (seed {SEED}); leakdesk verifier",
        f"at commit {meta.get('verifier', 'unknown')} of `src/leakdesk/authorship`"
        + (f" ({meta['load']}; wall-clock seconds depend on it, CPU seconds much less)." if meta.get("load") else ".")
        + " Every system is",
        "fitted on the corpus's TRAIN split only and answers its TEST split; PAN measures from",
        "`leakdesk.authorship.evaluation` (F0.5u corrected; overall = mean of AUC, c@1, F1, F0.5u; Brier = 1 − loss).",
        "",
        "### leakdesk verifier against the targets (AUC·c@1)",
        "",
        "| corpus | test problems | AUC | c@1 | F1 | F0.5u | Brier | overall | **AUC·c@1** | target | distance "
        "| train-CV AUC / c@1 / AUC·c@1 | seconds (wall / CPU) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        c, s = by_key[r["corpus"]], r.get("leakdesk", {})
        if "auc" not in s:
            failure = f"failed: {s['error']}" if "error" in s else "not measured in this run"
            lines.append(
                "| " + " | ".join([c.label, str(r["test"]), failure, *[""] * 6, c.target_note, "", "", ""]) + " |"
            )
            continue
        distance = "–" if c.target is None else f"{s['auc_c_at_1'] - c.target:+.3f}"
        lines.append(
            f"| {c.label} | {r['test']} | {fmt(s['auc'])} | {fmt(s['c_at_1'])} | {fmt(s['f1'])} | {fmt(s['f_05_u'])} "
            f"| {fmt(s['brier'])} | {fmt(s['overall'])} | **{fmt(s['auc_c_at_1'])}** | {c.target_note} | {distance} "
            f"| {fmt(s.get('train_cv_auc'))} / {fmt(s.get('train_cv_c_at_1'))} / {fmt(s.get('train_cv_auc_c_at_1'))} "
            f"| {s['seconds']:.0f} / {s.get('cpu_seconds', float('nan')):.0f} |"
        )
    met = [r for r in results if by_key[r["corpus"]].target is not None and "auc" in r.get("leakdesk", {})]
    if met:
        hits = [by_key[r["corpus"]].label for r in met if r["leakdesk"]["auc_c_at_1"] >= by_key[r["corpus"]].target]
        misses = [
            f"{by_key[r['corpus']].label} ({r['leakdesk']['auc_c_at_1'] - by_key[r['corpus']].target:+.3f})"
            for r in met
            if r["leakdesk"]["auc_c_at_1"] < by_key[r["corpus"]].target
        ]
        lines += [
            "",
            f"Targets met on {len(hits)} of {len(met)} corpora" + (f" ({', '.join(hits)})" if hits else "") + ".",
            ("Missed: " + ", ".join(misses) + "." if misses else "No target missed."),
        ]
    lines += [
        "",
        "### Side by side on the same problems (AUC / c@1 / AUC·c@1, wall-clock seconds for fit + answer)",
        "",
        "| corpus | leakdesk | lambdag 0.2.0 | faststylometry 1.0.5 |",
        "|---|---|---|---|",
    ]
    for r in results:
        cells = []
        for name in SYSTEMS:
            s = r.get(name)
            if s is None:
                cells.append("not measured in this run")
            elif "error" in s:
                cells.append(f"failed ({s['error'][:60]})")
            else:
                cpu = f", CPU {s['cpu_seconds']:.0f} s" if "cpu_seconds" in s else ""
                cell = f"{s['auc']:.3f} / {s['c_at_1']:.3f} / **{s['auc_c_at_1']:.3f}** ({s['seconds']:.0f} s{cpu})"
                if "test_auc_minus_delta" in s:
                    raw = (s["train_auc_minus_delta"], s["test_auc_minus_delta"])
                    cell += f"; raw −Delta AUC train {raw[0]:.3f}, test {raw[1]:.3f}"
                cells.append(cell)
        lines.append(f"| {by_key[r['corpus']].label} | " + " | ".join(cells) + " |")
    lines += ["", "### Speed", "", "| measure | target | wall-clock | CPU time |", "|---|---|---|---|"]
    if "pan15_seconds" in speed:
        lines.append(
            f"| PAN15 English test end to end (read, fit on 100, answer 500, score) | ≤ 60 s "
            f"| {speed['pan15_seconds']:.0f} s | {speed['pan15_cpu_seconds']:.0f} s |"
        )
    if speed.get("load"):
        verifier = f"; verifier at {speed['verifier']}" if "verifier" in speed else ""
        lines.append(f"| machine load during the speed run | | {speed['load']}{verifier} | |")
    if "series_seconds" in speed:
        lines.append(
            "| one dispatch against a 50-letter series (300 words each; fitted verifier; median of 3) | ≤ 1 s "
            f"| {speed['series_seconds']:.2f} s | {speed['series_cpu_seconds']:.2f} s |"
        )
    lines += [
        "",
        "Notes:",
        "- \\* PAN14 Dutch reviews: the shared mirror holds 50 of the 100 official test problems.",
        "- PAN14 English essays reuse 22 questioned texts across the official train and test splits (as published).",
        f"- lambdag: tokens, order 10, Kneser-Ney, lower-cased, sentences, {LAMBDAG_REFERENCES} reference samples, "
        "logistic calibration fitted on train; raw text (no POSnoise: no tagger for nl/el/es/ru here). Authors",
        "  are not given in PAN layout, so each problem's known texts form a pseudo-author and the references are the",
        "  other problems' known texts (a reference may share the true author).",
        "- faststylometry: Burrows' Delta over the 100 most frequent words (pronouns removed for English), z-scored",
        "  among the known texts of 20 other problems; the package's calibration (balanced logistic regression) fitted",
        "  on train. Where Delta does not separate the train problems, that regression can learn an inverted slope;",
        "  the raw −Delta AUC (before calibration; computed only when this run measured it) shows this.",
        "  Neither baseline abstains, so their c@1 equals accuracy.",
        "- train-CV: the fusion's 5-fold out-of-fold answers on the TRAIN problems (method scores computed once on",
        "  the whole train split, which uses no labels; the C and the band chosen on the same folds, so slightly",
        "  optimistic). Settings are judged on these; the test split gives only the final figure.",
        f"- Russian problems: {RU_OPTIONS['train_problems']} train / {RU_OPTIONS['test_problems']} test, "
        f"{RU_OPTIONS['known_passages']} known passages of ~{RU_OPTIONS['chunk_words']} words, authors split between "
        "train and test, same-author problems take the questioned passage from a different work "
        "(`benchmarks/authorship.py --build-ru OUT`).",
        f"- Machine: {meta['machine']}; the checkout is shared, so other jobs may have competed for the CPU.",
    ]
    unmeasured = [by_key[r["corpus"]].label for r in results if any(name not in r for name in SYSTEMS)]
    if unmeasured:
        lines.append(
            "- Not measured: " + ", ".join(unmeasured) + " for at least one baseline (marked above); lambdag needs"
            " minutes of CPU per hundred problems; it ran separately on the same problems under `nice -n 10` with a"
            f" limit of {LAMBDAG_LIMIT} s wall clock per corpus, and the corpora missing here did not finish within it."
        )
    lines.append("")
    return "\n".join(lines)


def write_section(path: Path, section: str) -> None:
    """Replace (or add) the '## Authorship' section of BENCHMARKS.md, leaving every other section untouched."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n\n"
    start = text.find("## Authorship\n")
    if start < 0:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        following = re.search(r"^## ", text[start + 3 :], flags=re.MULTILINE)
        end = start + 3 + following.start() if following else len(text)
        text = text[:start] + section + ("\n" if following else "") + text[end:]
    path.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data_dir", nargs="?", type=Path, help="folder with pan15-av-en/, pan14-av/, ru-rsd/")
    parser.add_argument("--build-ru", type=Path, metavar="OUT", help="only build the Russian problems into OUT")
    parser.add_argument("--ru-source", type=Path, help="the ru-rsd folder (default DATA_DIR/ru-rsd)")
    parser.add_argument("--ru-dir", type=Path, help="use Russian problems already built here")
    parser.add_argument("--only", nargs="+", choices=[c.key for c in CORPORA], help="run only these corpora")
    parser.add_argument("--systems", nargs="+", choices=list(SYSTEMS), default=list(SYSTEMS))
    parser.add_argument("--write", type=Path, help="write the table into this BENCHMARKS.md (its Authorship section)")
    parser.add_argument("--json", type=Path, help="also save every measurement as JSON here")
    parser.add_argument("--speed", action="store_true", help="only measure speed (PAN15 end to end, 50-letter series)")
    parser.add_argument("--combine", type=Path, nargs="+", help="make the table from earlier --json files instead")
    args = parser.parse_args(argv)
    try:
        if args.build_ru:
            source = args.ru_source or (args.data_dir / "ru-rsd" if args.data_dir else None)
            if source is None:
                parser.error("--build-ru needs --ru-source or DATA_DIR")
            manifest = build_russian_problems(source, args.build_ru, **RU_OPTIONS)
            print(f"Built {len(manifest['train'])} train and {len(manifest['test'])} test problems in {args.build_ru}")
            return 0
        if args.combine:
            return combine(args)
        if args.data_dir is None or not args.data_dir.is_dir():
            print(f"The data folder {args.data_dir} does not exist; give the folder holding pan15-av-en/ etc.")
            return 1
        return run(args)
    except LeakdeskError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        return 1


def combine(args: argparse.Namespace) -> int:
    """One table from several runs (e.g. the slow lambdag run made separately on the same problems)."""
    merged: dict[str, dict[str, Any]] = {}
    speed: dict[str, Any] = {}
    meta: dict[str, Any] = {}
    for path in args.combine:
        saved = json.loads(path.read_text(encoding="utf-8"))
        speed.update(saved.get("speed") or {})
        if "leakdesk" in {k for r in saved["results"] for k in r} or not meta:
            meta = {k: saved.get(k, "") for k in ("date", "machine", "verifier", "load")}
        for result in saved["results"]:
            merged.setdefault(result["corpus"], {}).update(result)
    order = [c.key for c in CORPORA]
    results = sorted(merged.values(), key=lambda r: order.index(r["corpus"]))
    section = markdown(results, speed, meta)
    print(section)
    if args.write:
        write_section(args.write, section)
    return 0


def run(args: argparse.Namespace) -> int:
    chosen = [c for key in args.only for c in CORPORA if c.key == key] if args.only else CORPORA
    if args.speed:
        chosen = []
    results: list[dict[str, Any]] = []
    speed: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="leakdesk-ru-") as scratch:
        ru_dir = args.ru_dir
        if ru_dir is None and (args.speed or any(c.key == "ru-rsd" for c in chosen)):
            ru_dir = Path(scratch) / "ru"
            build_russian_problems(args.ru_source or args.data_dir / "ru-rsd", ru_dir, **RU_OPTIONS)
        for corpus in chosen:
            folder = ru_dir if corpus.key == "ru-rsd" else args.data_dir / corpus.folder
            if folder is None or not (folder / "test").is_dir():
                print(f"{corpus.label}: {folder} is absent, skipped", file=sys.stderr)
                continue
            print(f"{corpus.label}:", file=sys.stderr)

            def save(result: dict[str, Any]) -> None:
                if args.json:  # saved after every system, so an interrupted run keeps what it measured
                    partial = {"results": [*results, result], "speed": speed, **machine_meta()}
                    args.json.write_text(json.dumps(partial, indent=1), encoding="utf-8")

            results.append(run_corpus(corpus, folder, args.systems, save))
        if args.speed:
            speed = {**pan15_speed(args.data_dir), **(series_speed(ru_dir) if ru_dir else {})}
            speed["load"] = machine_meta()["load"]
            speed["verifier"] = VERIFIER_VERSION
        elif ru_dir is not None and "leakdesk" in args.systems:
            speed = series_speed(ru_dir)
    meta = machine_meta()
    section = markdown(results, speed, meta)
    print(section)
    if args.json:
        args.json.write_text(json.dumps({"results": results, "speed": speed, **meta}, indent=1), encoding="utf-8")
    if args.write:
        write_section(args.write, section)
    return 0


if __name__ == "__main__":
    sys.exit(main())
