"""`leakdesk demo`: build the bundled sample case into a fresh case folder and run every stage leakdesk can do.

The steps are the list `DEMO_STEPS`; each is a small function `step(case, sample_dir) -> str` returning a one-line
summary. The first steps are what a desk does by hand (keys, ingest, translations, glossary, reference texts); the
analysis is the pipeline's stages (`leakdesk.pipeline`), the same ones `leakdesk run` runs. The HTML case report is
written last, so it shows what every stage stored.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from leakdesk import __version__
from leakdesk.case import SETTINGS, Case
from leakdesk.errors import LeakdeskError, UsageError
from leakdesk.publish.report import CaseOverview, build_report
from leakdesk.sample import SERIES_NAME, demo_key, load_manifest, mail_files, sample_dir

DEFAULT_CASE = Path("demo-case")
MARKER = ".leakdesk-demo"  # written into every case folder the demo makes; only such folders are ever replaced


@dataclass
class DemoStep:
    name: str
    run: Callable[[Case, Path], str]


@dataclass
class StepResult:
    name: str
    status: str  # ok | failed
    summary: str
    seconds: float


@dataclass
class DemoResult:
    case_path: Path
    steps: list[StepResult]
    overview: CaseOverview
    report: Path | None
    report_warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(step.status != "failed" for step in self.steps) and self.report is not None

    def as_dict(self) -> dict[str, Any]:
        return {
            "case": str(self.case_path),
            "report": str(self.report) if self.report else None,
            "ok": self.ok,
            "steps": [step.__dict__ for step in self.steps],
            "overview": self.overview.__dict__,
            "report_warnings": self.report_warnings,
        }


# --------------------------------------------------------------------------- the steps


def import_demo_key(case: Case, sample: Path) -> str:
    """Put the sample's DEMO ONLY key into the case's own keyring, so the encrypted letter can be read."""
    from leakdesk.intake.pgp import import_keys

    imported = import_keys(case, demo_key(sample))
    count = len(imported) if isinstance(imported, list | tuple | set) else 1
    return f"imported {count} key(s) from {demo_key(sample).name} (DEMO ONLY, no passphrase)"


def ingest_sample(case: Case, sample: Path) -> str:
    """Ingest the shipped emails into series "Veter", as a desk would ingest a received series."""
    from leakdesk.intake.ingest import ingest_paths

    paths = mail_files(sample)
    ingest_paths(case, paths, series=SERIES_NAME)
    from leakdesk.publish.report import case_overview

    view = case_overview(case)
    return (
        f"{len(paths)} emails → {view.dispatches} dispatches, {view.attachments} attachments, "
        f"{view.errors} errors, {view.warnings} warnings, {view.variants} variant(s), {view.decrypted} decrypted"
    )


def _letter_dispatches(case: Case, sample: Path) -> list[tuple[dict[str, Any], int]]:
    """(manifest entry, top-level dispatch id) for every sample letter that was ingested, matched by file name."""
    from leakdesk.store.records import dispatches

    with case.connect() as conn:
        by_name = {d.filename: d.id for d in dispatches.find(conn, top_level=True)}
    entries = load_manifest(sample)["letters"]
    return [(e, by_name[Path(e["mail"]).name]) for e in entries if Path(e["mail"]).name in by_name]


def check_signatures(case: Case, sample: Path) -> str:
    """DKIM and ARC on every email, with the public key the desk saved for the sample's provider (no DNS)."""
    from leakdesk.intake.dkim import check_case

    zone = sample / load_manifest(sample)["keys"]["dkim_zone"]
    results = check_case(case, dns_file=zone, use_dns=False)
    counts: dict[str, int] = {}
    for r in results:
        counts[r["result"]] = counts.get(r["result"], 0) + 1
    passed = [r["dispatch_id"] for r in results if r["result"] == "pass"]
    summary = ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))
    return f"DKIM on {len(results)} emails: {summary}; pass: dispatch(es) {passed or 'none'} (keys from {zone.name})"


def read_scans(case: Case, sample: Path) -> str:
    """OCR of scans and photos (Tesseract, done at ingest); whatever still needs OCR is read now."""
    from leakdesk.intake.dispatches import list_dispatches
    from leakdesk.intake.ocr import ocr_case

    ocr_case(case)
    read = [d for d in list_dispatches(case) if d.get("ocr")]
    if not read:
        return "no scans or images in the case"
    parts = [f"dispatch {d['id']} ({d['filename']}): {d['ocr']['status']}, {d['ocr']['characters']} characters"
             for d in read]
    engine = f"{read[0]['ocr']['engine']} {read[0]['ocr']['version']}, {read[0]['ocr']['languages']}"
    return f"{len(read)} scan(s) read by OCR ({engine}): " + "; ".join(parts)


def import_translations(case: Case, sample: Path) -> str:
    """Import the translator's English file for every letter, aligned sentence by sentence, and mark it final."""
    from leakdesk.language.human import import_translation
    from leakdesk.language.review import set_status

    done: list[float] = []
    problems: list[str] = []
    for entry, dispatch_id in _letter_dispatches(case, sample):
        if not entry.get("translation"):
            continue
        try:
            view = import_translation(case, dispatch_id, sample / entry["translation"], translator=entry["translator"])
            set_status(case, view.id, "final")
            done.append(view.confidence or 0.0)
        except LeakdeskError as exc:
            problems.append(f"letter {entry['number']}: {exc}")
    if problems:
        raise LeakdeskError(f"{len(done)} translations imported, {len(problems)} refused: " + " | ".join(problems))
    lowest = f", lowest alignment confidence {min(done):.0%}" if done else ""
    return f"{len(done)} human translations imported and marked final{lowest}"


def check_glossary(case: Case, sample: Path) -> str:
    """Add the desk's agreed renderings of service jargon and list where a translation departs from them."""
    from leakdesk.language.glossary import add_term, check

    rules = load_manifest(sample)["glossary"]
    for rule in rules:
        add_term(case, rule["source"], rule["target"], note="agreed rendering (sample case)")
    findings = check(case)
    where = sorted({f.dispatch for f in findings})
    return f"{len(rules)} glossary term(s); {len(findings)} departure(s) in dispatch(es) {where or 'none'}"


def add_reference_pool(case: Case, sample: Path) -> str:
    """Add the sample's texts by other (fictional) writers as impostors for authorship verification."""
    from leakdesk.authorship.casework import add_references

    counts = []
    for language in sorted({ref["language"] for ref in load_manifest(sample)["reference"]}):
        folder = Path(tempfile.mkdtemp(prefix="leakdesk-demo-ref-"))
        try:
            for ref in load_manifest(sample)["reference"]:
                if ref["language"] == language:
                    shutil.copyfile(sample / ref["file"], folder / Path(ref["file"]).name)
            done = add_references(case, folder, language, label="sample reference pool")
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        counts.append(f"{len(done['added'])} {language}")
        if done["refused"]:
            counts.append(f"{len(done['refused'])} refused ({done['refused'][0]['reason']})")
    return "reference texts added: " + ", ".join(counts)


# --------------------------------------------------------------------------- the analysis: pipeline stages


def _run_stages(case: Case, names: list[str]) -> None:
    """Run pipeline stages; a stage with failed items fails the demo step with the first reasons."""
    from leakdesk.pipeline import run

    report = run(case, names)
    failed = [f"{s.name}: {e}" for s in report.stages for e in s.errors]
    if failed:
        raise LeakdeskError(f"{sum(s.failed for s in report.stages)} item(s) failed: " + " | ".join(failed[:3]))


def extract_claims(case: Case, sample: Path) -> str:
    """Pipeline stages language-id, entities (carried onto translations), dates anchored on each letter, claims."""
    from leakdesk.store.records import claims as claim_records

    _run_stages(case, ["language-id", "entities", "entity-carry", "dates", "claims"])
    with case.connect() as conn:
        found = claim_records.find(conn)
        mentions = _count(conn, "mention")
        texts = len({c.text_id for c in found})
        dated = sum(1 for c in found if c.time_start is not None)
    return f"{mentions} entity mentions, {len(found)} claims in {texts} texts ({dated} dated)"


def _count(conn: Any, table: str) -> int:
    from leakdesk.store.records.provenance import count_rows

    return count_rows(conn, table)


def verify_letters(case: Case, sample: Path) -> str:
    """Pipeline stage verify: every letter of the series against all its other letters (leave-one-out)."""
    from leakdesk.store.records import series, verdicts

    _run_stages(case, ["verify"])
    with case.connect() as conn:
        found = list(verdicts.latest_by_dispatch(conn, series.by_name(conn, SERIES_NAME).id).values())
    decisions: dict[str, int] = {}
    for verdict in found:
        decisions[verdict.decision] = decisions.get(verdict.decision, 0) + 1
    different = sorted(v.dispatch_id for v in found if v.decision == "different")
    counts = ", ".join(f"{n} {d}" for d, n in sorted(decisions.items()))
    return f"{len(found)} letters verified: {counts}; different hand: dispatch(es) {different or 'none'}"


def analyse_series(case: Case, sample: Path) -> str:
    """Pipeline stage series-analysis: how many hands wrote the series, its outliers (stored in the case)."""
    from leakdesk.store.records import series

    _run_stages(case, ["series-analysis"])
    with case.connect() as conn:
        sid = series.by_name(conn, SERIES_NAME).id
        found = next(a.result for a in series.analyses(conn) if a.series_id == sid)
    return f"{len(found['hands'])} hand(s) in the series; outliers: dispatch(es) {found['outliers'] or 'none'}"


def monitor_stream(case: Case, sample: Path) -> str:
    """Add the sample's fictional 2021 TV stream and measure when it began calling the Japanese Nazis."""
    from leakdesk.narratives.intake import add_stream
    from leakdesk.narratives.trend import build_trend, run_detection

    added = add_stream(case, sample / "streams" / "tv-2021.csv", "regional TV 2021")
    run = run_detection(case, "japanese", "nazi")
    found = build_trend(case, "japanese", "nazi").as_dict()
    onset = (f"onset {found['onset']} ({found['onset_low']}…{found['onset_high']})" if found["onset"]
             else "no onset found")
    letters = "; ".join(f"letter dispatch {c['dispatch_id']} of {c['letter_date']} claims {c['claimed_start']}"
                        + (f"–{c['claimed_end']}" if c["claimed_end"] not in (None, c["claimed_start"]) else "")
                        for c in found["letters"][:2]) or "no letter claims it"
    return (f"{added.items} stream items, {run.mentions} sentences name the Japanese, {run.hits} call them Nazis; "
            f"{onset}, planted week of 2021-08-16; {letters}")


# Desk actions first (what a desk does by hand: keys, intake, translations, glossary, reference texts), then the
# analysis as pipeline stages, exactly what `leakdesk run` does on any case.
DESK_PASSWORD_FILE = "demo-desk-password.txt"  # inside the demo case folder only


def add_desk_user(case: Case, sample: Path) -> str:
    """A desk user `demo` (editor) with a fresh random password kept in the demo case folder, for `leakdesk serve`."""
    import secrets

    from leakdesk.store.records.accounts import add_user

    password = secrets.token_urlsafe(12)
    path = case.root / DESK_PASSWORD_FILE
    path.write_text(password + "\n", "utf-8")
    path.chmod(0o600)
    add_user(case, "demo", "editor", password)
    return f"desk user demo (editor); password in {path}"


DEMO_STEPS: list[DemoStep] = [
    DemoStep("keys", import_demo_key),
    DemoStep("ingest", ingest_sample),
    DemoStep("signatures", check_signatures),
    DemoStep("OCR", read_scans),
    DemoStep("translations", import_translations),
    DemoStep("glossary", check_glossary),
    DemoStep("reference pool", add_reference_pool),
    DemoStep("claims", extract_claims),
    DemoStep("media stream", monitor_stream),
    DemoStep("verify", verify_letters),
    DemoStep("series report", analyse_series),
    DemoStep("desk user", add_desk_user),
]


# --------------------------------------------------------------------------- the case folder


def is_demo_case(path: Path) -> bool:
    """True only for a folder `leakdesk demo` made: a leakdesk case holding the demo marker file."""
    return path.is_dir() and not path.is_symlink() and (path / MARKER).is_file() and (path / SETTINGS).is_file()


def prepare_folder(path: Path) -> None:
    """Make room for a fresh demo case; replace an older demo case, and never delete anything else."""
    if path.is_symlink():
        raise UsageError(f"{path} is a symbolic link; give `leakdesk demo --case` a real folder.")
    if not path.exists():
        return
    if not path.is_dir():
        raise UsageError(f"{path} exists and is not a folder; choose another place with --case.")
    if is_demo_case(path):
        shutil.rmtree(path)
        return
    if any(path.iterdir()):
        raise UsageError(
            f"{path} exists and is not a leakdesk demo case; the demo will not delete it. "
            "Choose another folder with --case."
        )


def run_demo(
    path: Path = DEFAULT_CASE,
    sample: Path | None = None,
    steps: list[DemoStep] | None = None,
    on_step: Callable[[str], None] | None = None,
) -> DemoResult:
    """Build the sample case into `path`, run the stages, write the report. `on_step(name)` reports progress."""
    import time

    sample = sample or sample_dir()
    try:
        load_manifest(sample)  # fail early and clearly if the sample is incomplete
    except (OSError, ValueError) as exc:
        raise LeakdeskError(
            f"The bundled sample case in {sample} is incomplete or damaged ({exc}); reinstall leakdesk."
        ) from exc
    path = Path(path)
    prepare_folder(path)
    case = Case.init(path)
    try:
        (path / MARKER).write_text(
            json.dumps(
                {
                    "made_by": f"leakdesk demo {__version__}",
                    "time": datetime.now(UTC).replace(microsecond=0).isoformat(),
                }
            )
            + "\n",
            "utf-8",
        )
        results: list[StepResult] = []
        for step in DEMO_STEPS if steps is None else steps:
            if on_step:
                on_step(step.name)
            started = time.perf_counter()
            try:
                results.append(StepResult(step.name, "ok", step.run(case, sample), 0.0))
            except LeakdeskError as exc:
                results.append(StepResult(step.name, "failed", str(exc), 0.0))
            except Exception as exc:  # a bug in one stage must not hide what the others did
                results.append(StepResult(step.name, "failed", f"{type(exc).__name__}: {exc}", 0.0))
            results[-1].seconds = round(time.perf_counter() - started, 2)
        if on_step:
            on_step("report")
        report = build_report(case)
        return DemoResult(path, results, report.overview, report.path, report.warnings)
    finally:
        stop_gpg_agent(path)
        case.close()


def stop_gpg_agent(path: Path) -> None:
    """Stop the gpg-agent that decrypting started for the demo case's keyring (it would outlive the demo)."""
    home = path / "gnupg"
    if home.is_dir() and shutil.which("gpgconf"):
        subprocess.run(["gpgconf", "--homedir", str(home), "--kill", "gpg-agent"], capture_output=True, check=False)
