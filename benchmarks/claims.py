#!/usr/bin/env python3
"""Claims benchmarks: check-worthiness quality (CheckThat! 2024 English) and entity/claim extraction speed.

Usage: .venv/bin/python benchmarks/claims.py [--checkthat DIR] [--json]

DIR holds CT24_checkworthy_english_{train,dev,dev-test}.tsv (default: ../shared/data/analysis/checkthat2024-task1-en/
data). Without it the quality part is skipped and says so. Speed runs on the bundled sample case (our own texts).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared/data/analysis/checkthat2024-task1-en/data"


def checkworthiness(data_dir: Path) -> dict[str, Any]:
    from leakdesk.claims.checkworthy import CheckworthyModel, prf, read_checkthat_tsv, shipped_model

    files = {s: data_dir / f"CT24_checkworthy_english_{s}.tsv" for s in ("train", "dev", "dev-test")}
    missing = [str(p) for p in files.values() if not p.is_file()]
    if missing:
        return {"skipped": "CheckThat! files not found: " + ", ".join(missing)}
    train, dev, devtest = (read_checkthat_tsv(files[s]) for s in ("train", "dev", "dev-test"))
    model = shipped_model()
    model.predict(devtest.texts[:10])  # warm up (imports, first allocation)
    t0 = time.perf_counter()
    pred = model.predict(devtest.texts).tolist()
    seconds = time.perf_counter() - t0
    out: dict[str, Any] = {"dev-test (shipped model, trained on train+dev)": prf(devtest.labels, pred),
                           "sentences_per_second": round(len(devtest.texts) / seconds)}
    # dev is inside the shipped model's training data: score it with a train-only model of the same settings.
    params = dict(model.info_.get("params", {}))
    t0 = time.perf_counter()
    train_only = CheckworthyModel(**params).fit(train.texts, train.labels)
    out["train_seconds"] = round(time.perf_counter() - t0, 1)
    out["dev (train-only model, same settings)"] = prf(dev.labels, train_only.predict(dev.texts).tolist())
    out["dev-test (train-only model)"] = prf(devtest.labels, train_only.predict(devtest.texts).tolist())
    out["params"] = params
    return out


def extraction_speed() -> dict[str, Any]:
    from leakdesk.case import Case
    from leakdesk.claims import ner
    from leakdesk.claims.claims import run_claims
    from leakdesk.intake.ingest import ingest_paths
    from leakdesk.language.sample import import_sample_translations
    from leakdesk.sample import SERIES_NAME, mail_files, sample_dir

    letters = sorted((sample_dir() / "letters").glob("*.ru.txt")) + sorted((sample_dir() / "letters").glob("*.en.txt"))
    texts = [p.read_text("utf-8") for p in letters]
    words = sum(len(t.split()) for t in texts)
    t0 = time.perf_counter()
    ner.extract(texts[0], ["ru", "en"])  # load natasha, spaCy, lingua and warm them up
    ner.extract(texts[-1], ["ru", "en"])
    load = time.perf_counter() - t0
    t0, c0 = time.perf_counter(), time.process_time()
    found = sum(len(ner.extract(t, ["ru", "en"]).found) for t in texts)
    warm, cpu = time.perf_counter() - t0, time.process_time() - c0
    with tempfile.TemporaryDirectory() as tmp:
        case = Case.init(Path(tmp) / "case")
        ingest_paths(case, mail_files(), series=SERIES_NAME, progress=False)
        import_sample_translations(case, sample_dir())
        t0 = time.perf_counter()
        summary = run_claims(case)
        pipeline = time.perf_counter() - t0
        case.close()
    return {
        "sample texts (letters + translations)": len(texts), "words": words, "entities found": found,
        "model load + warm-up seconds": round(load, 2),
        "entity extraction words/s (warm, wall clock)": round(words / warm),
        "entity extraction words/s (warm, per CPU second)": round(words / cpu),
        "sample case: entities + carry + claims seconds (warm models)": round(pipeline, 1),
        "sample case: claims": summary["claims"], "sample case: mentions in originals": summary["mentions"],
        "sample case: mentions carried onto translations": summary["carried"],
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--checkthat", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    result = {
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python "
                   f"{platform.python_version()}, load average at start {os.getloadavg()[0]:.1f}",
        "checkworthiness": checkworthiness(args.checkthat),
        "extraction": extraction_speed(),
    }
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
        return 0
    print(f"Machine: {result['machine']}")
    for part in ("checkworthiness", "extraction"):
        print(f"\n## {part}")
        for key, value in result[part].items():
            print(f"- {key}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
