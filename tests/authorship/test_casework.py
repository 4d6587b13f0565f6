"""Case commands, through the CLI: output, stored state and the exact error sentences."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from typer.testing import CliRunner

from leakdesk.authorship.casework import dispatch_status, review, verify_series
from leakdesk.authorship.verifier import VERSION
from leakdesk.case import Case
from leakdesk.cli.main import app
from leakdesk.store import tables as t
from tests.authorship.conftest import write
from tests.authorship.hands import ENGLISH, HAND_A, letters


def run(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, [str(a) for a in args])


def test_verify_finds_the_impostor_letters_and_stores_verdicts(series_case: Case) -> None:
    result = run("verify", series_case.root, "--series", "S", "--json")
    assert result.exit_code == 0, result.output
    rows = {r["dispatch_id"]: r for r in json.loads(result.stdout)}
    assert sorted(rows) == list(range(1, 9))
    for r in rows.values():
        assert set(r) >= {"dispatch_id", "probability", "decision", "reasons"}
    assert [rows[i]["decision"] for i in (7, 8)] == ["different", "different"]
    assert all(rows[i]["decision"] == "same" for i in range(1, 7)), {i: rows[i]["decision"] for i in rows}
    assert any("none here" in reason for reason in rows[7]["reasons"]), rows[7]["reasons"]
    with series_case.connect() as conn:
        stored = conn.execute(sa.select(t.authorship_verdict)).all()
        audit = conn.execute(sa.select(t.audit.c.action).where(t.audit.c.action == "authorship.verify")).all()
    assert len(stored) == 8 and len(audit) == 1
    assert {s.method_version for s in stored} == {VERSION}
    assert {s.dispatch_id: s.decision for s in stored}[7] == "different"


def test_verify_one_dispatch_and_plain_output(series_case: Case) -> None:
    result = run("verify", series_case.root, "--series", "S", "--dispatch", "7")
    assert result.exit_code == 0, result.output
    assert "different" in result.stdout
    with series_case.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(t.authorship_verdict)).scalar() == 1


def test_verify_errors_are_sentences(series_case: Case) -> None:
    result = run("verify", series_case.root, "--series", "Nope")
    assert result.exit_code == 1
    assert "No such series 'Nope' in this case. Series in this case: S." in result.stderr
    result = run("verify", series_case.root, "--series", "S", "--dispatch", "99")
    assert result.exit_code == 1
    assert "No such dispatch 99 in this case." in result.stderr


def test_a_translation_is_refused(series_case: Case) -> None:
    with series_case.transaction() as conn:
        sha = conn.execute(sa.select(t.dispatch.c.original_sha256).where(t.dispatch.c.id == 1)).scalar()
        new_id = conn.execute(t.dispatch.insert().values(
            dedup_key="translated", original_sha256=sha, kind="file", channel="file", status="ok",
            ingested=datetime.now(UTC))).inserted_primary_key[0]  # fmt: skip
        conn.execute(t.text.insert().values(dispatch_id=new_id, role="translation", language="en",
                                            content=" ".join(ENGLISH), extractor="test", extractor_version="1"))
    result = run("verify", series_case.root, "--series", "S", "--dispatch", str(new_id))
    assert result.exit_code == 1
    assert (f"Dispatch {new_id} holds only a translation; authorship can be judged only on the original text its "
            "writer sent.") in " ".join(result.stderr.split())  # fmt: skip


def test_series_of_one_letter_cannot_tell(case: Case, tmp_path: Path) -> None:
    from leakdesk.intake import ingest_paths

    ingest_paths(case, [write(tmp_path / "one", letters(HAND_A, 1, 5), "x")], series="Solo", progress=False)
    (r,) = verify_series(case, "Solo")
    assert r["decision"] == "cannot tell"
    assert r["reasons"] == ["cannot tell: the series has no other readable letter to compare it with"]


def test_reference_pool_in_the_wrong_language(case: Case, tmp_path: Path) -> None:
    from leakdesk.intake import ingest_paths

    ingest_paths(case, [write(tmp_path / "s", letters(HAND_A, 4, 6), "x")], series="S", progress=False)
    write(tmp_path / "en", letters(ENGLISH, 3, 1, 6), "en")
    result = run("reference", "add", case.root, tmp_path / "en", "--language", "en")
    assert result.exit_code == 0, result.output
    rows = verify_series(case, "S")
    assert {r["decision"] for r in rows} == {"cannot tell"}
    assert any("the reference texts are in another language (3 in English), the letters in Russian" in o
               for o in rows[0]["ood"]), rows[0]["ood"]  # fmt: skip


def test_reference_add_stores_originals_refuses_wrong_language_and_is_idempotent(case: Case, tmp_path: Path) -> None:
    folder = write(tmp_path / "refs", letters(HAND_A, 2, 9), "ru")
    (folder / "english.txt").write_text(" ".join(ENGLISH), "utf-8")
    result = run("reference", "add", case.root, folder, "--language", "ru")
    assert result.exit_code == 1
    assert "2 reference texts added in ru, 0 already present, 1 refused." in result.stdout
    assert "english.txt: it looks English, not Russian" in result.stdout
    again = run("reference", "add", case.root, folder / "ru00.txt", "--language", "ru", "--json")
    assert json.loads(again.stdout)["already_present"] == [str(folder / "ru00.txt")]
    with case.connect() as conn:
        refs = conn.execute(sa.select(t.reference_text)).all()
        audits = conn.execute(sa.select(t.audit).where(t.audit.c.action == "authorship.reference-add")).all()
    assert len(refs) == 2 and len(audits) == 2
    assert case.originals.read_bytes(refs[0].original_sha256).decode("utf-8") == refs[0].content
    missing = run("reference", "add", case.root, tmp_path / "nothing", "--language", "ru")
    assert missing.exit_code == 2 and f"{tmp_path / 'nothing'}: no such file or folder." in missing.stderr


def test_review_of_one_letter_changes_only_that_letter(series_case: Case) -> None:
    verify_series(series_case, "S")
    before = dispatch_status(series_case, 7)
    result = run("review", series_case.root, "1", "--verdict", "genuine", "--confidence", "0.9",
                 "--reviewer", "Insider", "--note", "no doubt a colleague wrote it")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Its status is now: genuine." in result.stdout
    assert dispatch_status(series_case, 1)["status"] == "genuine"
    after = dispatch_status(series_case, 7)
    assert after == before
    assert after["reviews"] == [] and after["status"] == "disputed"
    review(series_case, 7, "fake", 0.8, "Editor", None)
    assert dispatch_status(series_case, 7)["status"] == "fake"
    assert dispatch_status(series_case, 1)["status"] == "genuine"
    with series_case.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(t.expert_review)).scalar() == 2


def test_review_errors(series_case: Case) -> None:
    bad = run("review", series_case.root, "1", "--verdict", "maybe", "--confidence", "0.5", "--reviewer", "X")
    assert bad.exit_code == 2 and "'maybe' is not a verdict; use one of: genuine, doubtful, fake." in bad.stderr
    bad = run("review", series_case.root, "1", "--verdict", "fake", "--confidence", "5", "--reviewer", "X")
    assert bad.exit_code == 2 and "Confidence must be between 0 and 1 (got 5.0)." in bad.stderr
    bad = run("review", series_case.root, "42", "--verdict", "fake", "--confidence", "0.5", "--reviewer", "X")
    assert bad.exit_code == 1 and "No such dispatch 42 in this case." in bad.stderr


def test_series_report_finds_two_hands_and_feeds_the_case_report(series_case: Case) -> None:
    result = run("series-report", series_case.root, "--series", "S", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    ids = report["matrix"]["dispatch_ids"]
    hands = sorted(sorted(ids[m] for m in h["members"]) for h in report["hands"])
    assert hands == [[1, 2, 3, 4, 5, 6], [7, 8]]
    assert sorted(report["outliers"]) == [7, 8]
    p = report["matrix"]["probability"]
    assert p[0][1] > 0.5 and p[0][6] < 0.5
    # the report says what its verdicts, hands and matrix came from: here the series-consistency model
    assert report["method"] == "series-consistency"
    assert {r["calibration"] for r in report["leave_one_out"]} == {"series-consistency"}
    assert "relative to 6 reference texts by other people" in report["basis"]
    for fig in report["figures"].values():
        assert Path(fig).read_bytes()[:4] == b"\x89PNG"
    from leakdesk.authorship.report import sections

    (section,) = sections(series_case)
    assert "2 hand(s) found" in section.html and "authorship-S-heatmap.png" in section.html
    assert "Based on series consistency: every letter against the other 7 letters" in section.html
    assert set(section.files) == {"authorship-S-heatmap.png", "authorship-S-dendrogram.png"}


UKRAINIAN = ("Шановні колеги, я знову пишу вам, тому що ситуація в нашому управлінні за останні тижні ще більше "
             "ускладнилася. Вчора начальник відділу знову зібрав нас у своєму кабінеті і, не пояснюючи причин, "
             "вимагав підготувати довідку за підсумками кварталу до ранку понеділка. Я прошу вас поставитися до "
             "цього повідомлення з усією серйозністю.")


def test_reference_texts_get_custody_and_ukrainian_is_not_refused_as_russian(case: Case, tmp_path: Path) -> None:
    path = tmp_path / "uk.txt"
    path.write_text(UKRAINIAN, "utf-8")
    result = run("--user", "Olena", "reference", "add", case.root, path, "--language", "uk", "--json")
    assert result.exit_code == 0, result.output
    added = json.loads(result.stdout)["added"]
    assert len(added) == 1
    with case.connect() as conn:
        chain = conn.execute(sa.select(t.custody).where(t.custody.c.sha256 == added[0]["sha256"])).all()
    assert [(c.event, c.channel, c.source, c.actor) for c in chain] == [("received", "reference", str(path), "Olena")]
    refused = run("reference", "add", case.root, path, "--language", "ru")
    assert "uk.txt: it looks Ukrainian, not Russian" in refused.stdout
