"""Labelling hits: fit the decision weights on the tuning half of the project's annotated sentences, score the rest.

    python benchmarks/narratives_labelling.py fit     # writes src/leakdesk/narratives/labelling.json
    python benchmarks/narratives_labelling.py score [--json]

The sentences come from `benchmarks/data/narratives-labelling-frames.tsv` (written for leakdesk): 160 frames, half
hits and half near misses (the label in another role, on a third party, negated, denied, coordinated), each expanded
for two targets (the Japanese, Americans) into 320 sentences. Odd-numbered frames tune, even-numbered frames test, so
no test sentence shares its frame with a tuning sentence. `score` also reports sentences per second.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from dataclasses import dataclass
from pathlib import Path

FRAMES = Path(__file__).with_name("data") / "narratives-labelling-frames.tsv"
FORMS = {
    "japanese": {
        "ru": {"N": "японцы", "G": "японцев", "D": "японцам", "I": "японцами", "P": "японцах", "A": "японские",
               "AG": "японских", "AD": "японским", "AI": "японскими", "AM": "японский", "AF": "японская",
               "AN": "японское", "K": "Токио", "KG": "Токио", "KD": "Токио", "KI": "Токио", "KP": "Токио"},
        "en": {"N": "the Japanese", "A": "Japanese", "K": "Tokyo", "C": "Japan"},
    },
    "americans": {
        "ru": {"N": "американцы", "G": "американцев", "D": "американцам", "I": "американцами", "P": "американцах",
               "A": "американские", "AG": "американских", "AD": "американским", "AI": "американскими",
               "AM": "американский", "AF": "американская", "AN": "американское", "K": "Вашингтон",
               "KG": "Вашингтона", "KD": "Вашингтону", "KI": "Вашингтоном", "KP": "Вашингтоне"},
        "en": {"N": "Americans", "A": "American", "K": "Washington", "C": "the United States"},
    },
}


@dataclass
class Example:
    frame: str
    language: str
    target: str
    gold: bool
    kind: str
    sentence: str

    @property
    def tuning(self) -> bool:
        return int(self.frame[1:]) % 2 == 1


def _fill(frame: str, forms: dict[str, str]) -> str:
    text = re.sub(r"\{(\w+)\}", lambda m: forms[m.group(1)], frame)
    text = re.sub(r"\b[Aa]n (Japanese)", lambda m: ("A" if m.group(0)[0] == "A" else "a") + " " + m.group(1), text)
    text = re.sub(r"(^|\s)о американцах", r"\1об американцах", text)
    return text[0].upper() + text[1:]


def examples(path: Path = FRAMES) -> list[Example]:
    out = []
    for line in path.read_text("utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        frame, language, gold, kind, text = line.split("\t")
        for target_name, forms in FORMS.items():
            out.append(Example(frame, language, target_name, gold == "1", kind, _fill(text, forms[language])))
    return out


def featurise(items: list[Example], fitting: bool = False) -> list:
    from leakdesk.narratives.labelling import Detector, Weights

    found = []
    for name in FORMS:
        detector = Detector(name, "nazi", Weights({}, 0.0, 0.5) if fitting else None)
        subset = [e for e in items if e.target == name]
        found += list(zip(subset, detector.candidates([e.sentence for e in subset]), strict=True))
    return found


def fit() -> None:
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    from leakdesk.narratives.labelling import FEATURES, WEIGHTS_FILE, Weights

    pairs = [(e, c) for e, c in featurise([e for e in examples() if e.tuning], fitting=True) if c and c.label_surface]
    x = np.array([[c.features.get(f, 0.0) for f in FEATURES] for _, c in pairs])
    y = np.array([e.gold for e, _ in pairs])
    model = LogisticRegression(C=1.0, max_iter=1000).fit(x, y)
    weights = Weights({f: round(float(w), 4) for f, w in zip(FEATURES, model.coef_[0], strict=True)},
                      round(float(model.intercept_[0]), 4), 0.5,
                      f"{len(pairs)} tuning sentences (odd frames) of benchmarks/data/narratives-labelling-frames.tsv")
    weights.save(WEIGHTS_FILE)
    print(json.dumps(weights.__dict__, indent=2, ensure_ascii=False))


def score(as_json: bool) -> dict:
    test = [e for e in examples() if not e.tuning]
    featurise([e for e in examples() if e.tuning][:4])  # load the parsers and models before timing
    started = time.perf_counter()
    pairs = featurise(test)
    seconds = time.perf_counter() - started
    result: dict = {"sentences": len(test), "seconds": round(seconds, 2),
                    "sentences_per_second": round(len(test) / seconds, 1)}
    for language in ("ru", "en", "all"):
        chosen = [(e, c) for e, c in pairs if language in ("all", e.language)]
        tp = sum(1 for e, c in chosen if e.gold and c and c.hit)
        fp = sum(1 for e, c in chosen if not e.gold and c and c.hit)
        fn = sum(1 for e, c in chosen if e.gold and not (c and c.hit))
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        result[language] = {"sentences": len(chosen), "precision": round(p, 3), "recall": round(r, 3),
                            "f1": round(2 * p * r / (p + r), 3) if p + r else 0.0}
    misses = [{"gold": e.gold, "kind": e.kind, "sentence": e.sentence, "score": c.score if c else None}
              for e, c in pairs if e.gold != bool(c and c.hit)]
    kinds = sorted({m["kind"] for m in misses})
    result["errors_by_kind"] = {k: sum(1 for m in misses if m["kind"] == k) for k in kinds}
    if not as_json:
        for m in misses:
            print(f"{'MISSED' if m['gold'] else 'FALSE '} {m['kind']:<12} {m['score']}  {m['sentence']}")
    print(json.dumps(result, indent=2, ensure_ascii=False))
    return result


def speed() -> None:
    """Sentences per second of `leakdesk narratives` on the sample stream (all sentences, most not naming the
    target), measured as a second run so the parsers are loaded."""
    import tempfile

    from leakdesk.case import Case
    from leakdesk.narratives.intake import add_stream
    from leakdesk.narratives.trend import run_detection
    from leakdesk.sample import sample_dir

    with tempfile.TemporaryDirectory() as folder:
        case = Case.init(Path(folder) / "case")
        add_stream(case, sample_dir() / "streams" / "tv-2021.csv", "sample")
        run_detection(case, "japanese", "nazi")
        cpu = time.process_time()
        run = run_detection(case, "japanese", "nazi")
        cpu = time.process_time() - cpu
        case.close()
    print(json.dumps({**run.__dict__, "cpu_seconds": round(cpu, 2),
                      "sentences_per_second": round(run.sentences / run.seconds, 1),
                      "sentences_per_cpu_second": round(run.sentences / cpu, 1)}, indent=2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["fit", "score", "speed"])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.command == "speed":
        speed()
        return
    fit() if args.command == "fit" else score(args.json)


if __name__ == "__main__":
    main()
