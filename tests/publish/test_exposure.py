"""The exposure check: metadata findings in files and headers, the writer's stylometric rank, canary-trap risk, the
stored and audited result, and the `leakdesk exposure` command."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from leakdesk.case import Case
from leakdesk.publish.exposure import canary_risk, exposure_check, grouped, latest_checks
from leakdesk.publish.identifiability import NORMALISE, giveaways, normalise_typography, population_from_folder
from leakdesk.publish.metadata import file_findings, header_findings, series_findings
from leakdesk.store import header_block
from leakdesk.store import tables as t
from leakdesk.store.records import dispatches
from tests.conftest import invoke
from tests.publish.conftest import NOW, _original, add_dispatch
from tests.publish.files import docx_bytes, jpeg_bytes, pdf_bytes
from tests.publish.letters import OTHER_WRITERS, writer_letters

RECEIVED = [
    ("Received", "from mx.desk.example (mx.desk.example [198.51.100.7]) by imap.desk.example with LMTP"),
    ("Received", "from [192.168.1.23] (unknown [203.0.113.9]) by smtp.mail.example (Postfix) with ESMTPSA id 1A"),
]


def _fields(findings) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {f.field: f.value for f in findings}


# --------------------------------------------------------------------------- metadata


def test_docx_properties_name_author_editor_company_and_template_path() -> None:
    findings = file_findings(7, "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                             "tezisy.docx", docx_bytes())
    fields = _fields(findings)
    assert fields["author"] == "i.petrov" and fields["last modified by"] == "a.orlov"
    assert fields["company"] == "ФГКУ Восток" and fields["template"] == "Служебная.dotx"
    assert "\\fs01\\users\\a.orlov\\" in fields["template path"]
    assert {f.risk for f in findings if f.field in ("author", "last modified by", "template path")} == {"high"}
    assert all(f.dispatch_id == 7 for f in findings)


def test_generic_docx_author_is_low_risk() -> None:
    findings = file_findings(1, None, "x.docx", docx_bytes(author="Пользователь", last_modified_by="a.orlov"))
    risk = {f.field: f.risk for f in findings}
    assert risk["author"] == "low" and risk["last modified by"] == "high"


def test_pdf_information_is_found() -> None:
    fields = _fields(file_findings(2, "application/pdf", "spravka.pdf", pdf_bytes()))
    assert fields["author"] == "Ivan Petrov" and fields["creator"] == "Writer (Служба)"
    assert fields["producer"] == "LibreOffice 7.3"


def test_exif_camera_serial_gps_and_time_zone() -> None:
    findings = file_findings(3, "image/jpeg", "photo.jpg", jpeg_bytes())
    fields = _fields(findings)
    assert fields["camera serial number"] == "SN-4711-0815" and fields["camera model"] == "Pixel 7"
    assert fields["GPS position"] == "45.24000, 147.88500" and fields["time zone"] == "+11:00"


def test_broken_files_give_no_findings_and_no_error() -> None:
    assert file_findings(1, "application/pdf", "a.pdf", b"%PDF-1.4 broken") == []
    assert file_findings(1, "image/jpeg", "a.jpg", b"\xff\xd8\xff garbage") == []
    assert file_findings(1, None, "a.docx", b"PK\x03\x04 not a zip") == []


def test_headers_give_sender_ip_private_address_mailer_and_originating_ip() -> None:
    headers = [*RECEIVED, ("X-Mailer", "Microsoft Outlook 16.0"), ("X-Originating-IP", "[203.0.113.50]")]
    fields = {(f.field, f.value) for f in header_findings(4, headers)}
    assert ("sender's IP address", "203.0.113.9") in fields
    assert ("private address in Received", "192.168.1.23") in fields
    assert ("mailer", "Microsoft Outlook 16.0") in fields and ("X-Originating-IP", "[203.0.113.50]") in fields
    assert ("private address in Received", "198.51.100.7") not in fields  # the desk's own server is public


def test_series_flags_a_changed_sender_address_and_time_zone() -> None:
    letters = [
        {"dispatch_id": 1, "sender": "Буря <burya@mail.example>", "date": "2023-01-01T10:00:00+10:00", "mailer": "A"},
        {"dispatch_id": 2, "sender": "burya@mail.example", "date": "2023-01-08T10:00:00+10:00", "mailer": "A"},
        {"dispatch_id": 3, "sender": "Буря <burya.new@post.example>", "date": "2023-01-15T10:00:00+03:00",
         "mailer": "B"},
    ]
    found = {(f.dispatch_id, f.field, f.value) for f in series_findings(letters)}
    assert (3, "sender address changed", "burya.new@post.example") in found
    assert (1, "time zone", "UTC+10:00") in found and (3, "time zone changed", "UTC+03:00") in found
    assert (3, "mailer changed", "B") in found
    assert not any(d in (1, 2) and f == "sender address changed" for d, f, _ in found)


# --------------------------------------------------------------------------- style


def test_normalising_takes_the_habits_away() -> None:
    text = "Пишу Вам — «важно»… ещё"
    assert normalise_typography(text) == 'Пишу вам - "важно"... еще'
    assert NORMALISE["quotes_guillemets"]("«a»") == '"a"'


def test_giveaways_name_the_writers_habits() -> None:
    found = {g.feature: g for g in giveaways(writer_letters(), {k: [v] for k, v in OTHER_WRITERS.items()}, "ru")}
    assert found["«» quotes"].writer == "in 4 of 4 letters" and found["«» quotes"].population == "0 of 4 writers"
    assert "the letter ё" in found and "long dashes (—)" in found
    assert "«берегите»" in found["favourite words"].writer


def test_population_folder_reads_writers_and_refuses_bad_input(tmp_path: Path) -> None:
    (tmp_path / "pop" / "anna").mkdir(parents=True)
    (tmp_path / "pop" / "anna" / "1.txt").write_text("первый текст", "utf-8")
    (tmp_path / "pop" / "anna" / "2.txt").write_text("второй текст", "utf-8")
    (tmp_path / "pop" / "boris.txt").write_text("текст Бориса", "utf-8")
    assert population_from_folder(tmp_path / "pop") == {"anna": ["первый текст", "второй текст"],
                                                        "boris": ["текст Бориса"]}
    (tmp_path / "pop" / "bad.txt").write_bytes(b"\xff\xfe\xfa")
    with pytest.raises(Exception, match=r"bad.txt is not UTF-8 text; convert it before using it as a candidate."):
        population_from_folder(tmp_path / "pop")
    (tmp_path / "empty").mkdir()
    with pytest.raises(Exception, match="holds no .txt texts"):
        population_from_folder(tmp_path / "empty")


def test_canary_risk_counts_verbatim_words_and_details() -> None:
    risk = canary_risk(5, "Приказ от 12.03.2022 подписал Сидоров. Было шесть человек, в 14:30.")
    assert risk.verbatim_words == 10 and risk.details == 3
    assert set(risk.examples) == {"12.03.2022", "14:30", "Сидоров"}
    assert "publishes 10 words exactly as the source received them" in risk.advice


# --------------------------------------------------------------------------- the case


@pytest.fixture
def storm_case(case: Case) -> Case:
    """Series "Буря": four letters with headers (the fourth from a new address), a DOCX and a JPEG attachment, and
    four reference texts by other writers."""
    with case.transaction() as conn:
        series_id = conn.execute(t.series.insert().values(name="Буря", created=NOW)).inserted_primary_key[0]
        for i, text in enumerate(writer_letters()):
            sender = "Буря <burya.new@post.example>" if i == 3 else "Буря <burya@mail.example>"
            day = datetime(2023, 1, 1, 10, tzinfo=UTC) + timedelta(days=7 * i)
            letter = add_dispatch(case, conn, text.encode(), source=f"/inbox/{i}.eml", series_id=series_id,
                                  language="ru", sender=sender, subject=f"Письмо {i + 1}",
                                  date=(day + timedelta(hours=10)).strftime("%Y-%m-%dT%H:%M:%S+10:00"),
                                  date_utc=day, charset=("utf-8", "declared"))
            conn.execute(t.dispatch_headers.insert().values(dispatch_id=letter, headers=header_block.encode(
                letter, [(name, value, value) for name, value in [*RECEIVED, ("From", sender)]])))
            if i == 1:
                add_dispatch(case, conn, docx_bytes(), source=f"/inbox/{i}.eml", kind="attachment",
                             parent_id=letter, filename="tezisy.docx", series_id=series_id,
                             media_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
                add_dispatch(case, conn, jpeg_bytes(), source=f"/inbox/{i}.eml", kind="attachment",
                             parent_id=letter, filename="photo.jpg", media_type="image/jpeg", series_id=series_id)
        for label, text in OTHER_WRITERS.items():
            sha = _original(case, conn, text.encode(), "text/plain")
            conn.execute(t.reference_text.insert().values(language="ru", label=label, content=text,
                                                          original_sha256=sha, created=NOW))
    return case


def test_exposure_check_on_a_small_series(storm_case: Case) -> None:
    report = exposure_check(storm_case, "Буря")
    found = {(g.field, g.value) for g in grouped(report.findings)}
    assert ("last modified by", "a.orlov") in found and ("camera serial number", "SN-4711-0815") in found
    assert ("sender address changed", "burya.new@post.example") in found
    assert ("private address in Received", "192.168.1.23") in found
    style = report.style
    assert style.candidates == 5 and style.population == "the case's reference pool"
    full = style.measures[0]
    assert full.published_as == "the full letters" and len(full.letters) == 4
    assert full.median_rank == 1.0  # the writer's habits make it stand out among these five
    assert [m.published_as for m in style.measures][1:] == [
        "typography normalised (quotes, dashes, ё retyped)", "a 50-word excerpt of each letter"]
    quotes = next(g for g in style.giveaways if g.feature == "«» quotes")
    assert quotes.without is not None and len(quotes.without.letters) == 4
    assert [c.dispatch_id for c in report.canary] == report.letters


def test_exposure_result_is_stored_and_audited(storm_case: Case) -> None:
    report = exposure_check(storm_case, "Буря")
    stored = latest_checks(storm_case)
    assert len(stored) == 1 and stored[0]["series"] == "Буря"
    assert stored[0]["style"]["measures"][0]["median_rank"] == report.style.measures[0].median_rank
    with storm_case.connect() as conn:
        entry = conn.execute(sa.select(t.audit).order_by(t.audit.c.seq.desc()).limit(1)).first()
    assert entry.action == "exposure.check" and entry.object == "series:Буря" and entry.actor == "tester"
    assert json.loads(entry.details)["high"] == sum(f.risk == "high" for f in report.findings)


def test_exposure_without_population_says_so(case: Case) -> None:
    with case.transaction() as conn:
        series_id = conn.execute(t.series.insert().values(name="Буря", created=NOW)).inserted_primary_key[0]
        for i, text in enumerate(writer_letters()[:2]):
            add_dispatch(case, conn, text.encode(), source=f"/in/{i}", series_id=series_id, language="ru",
                         charset=("utf-8", "declared"))
    report = exposure_check(case, store=False)
    assert report.style.measures == []
    assert "no reference population" in report.style.notes[0]


def test_cli_exposure_prints_findings_rank_and_advice(storm_case: Case, runner) -> None:  # type: ignore[no-untyped-def]
    result = invoke(runner, "exposure", storm_case.root, "--series", "Буря")
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())
    assert "a.orlov" in out and "burya.new@post.example" in out and "SN-4711-0815" in out
    assert "ranks the series' writer 1 (median over 4 letters published one at a time)" in out
    assert "«» quotes" in out and "Quoting the letters in full would publish" in out
    data = json.loads(invoke(runner, "exposure", storm_case.root, "--json").output)
    assert data["series"] == "Буря" and data["style"]["candidates"] == 5
    with storm_case.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(t.exposure_check)).scalar() == 2


def test_cli_exposure_errors(storm_case: Case, tmp_path: Path, runner) -> None:  # type: ignore[no-untyped-def]
    result = invoke(runner, "exposure", storm_case.root, "--series", "Nope")
    assert result.exit_code == 1
    assert "No such series 'Nope' in this case. Series in this case: Буря." in result.output
    result = invoke(runner, "exposure", storm_case.root, "--population", tmp_path / "missing")
    assert result.exit_code == 1
    assert f"The population folder {tmp_path / 'missing'} does not exist or is not a folder." in " ".join(
        result.output.split())
    with storm_case.transaction() as conn:
        conn.execute(t.series.insert().values(name="Другая", created=NOW))
    result = invoke(runner, "exposure", storm_case.root)
    assert result.exit_code == 2
    assert "This case has 2 series (Буря, Другая); choose one with --series." in result.output


def test_report_shows_the_stored_check_escaped(storm_case: Case) -> None:
    from leakdesk.publish.report import write_report

    html = write_report(storm_case).read_text("utf-8")
    assert "No exposure check has been run yet" in html
    with storm_case.transaction() as conn:  # a hostile header value must come out escaped
        stored = [(h.position, h.name, h.raw, h.decoded) for h in dispatches.headers(conn, 1)]
        stored.append((9, "X-Mailer", "<script>alert(1)</script>", "<script>alert(1)</script>"))
        conn.execute(t.dispatch_headers.update().where(t.dispatch_headers.c.dispatch_id == 1)
                     .values(headers=header_block.encode_items(1, stored)))
    exposure_check(storm_case, "Буря")
    html = write_report(storm_case).read_text("utf-8")
    section = html[html.index("Series Буря"):]
    assert "a.orlov" in section and "burya.new@post.example" in section and "«» quotes" in section
    assert "ranks the series&#39; writer 1" in section
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in section and "<script>" not in html


@pytest.fixture(scope="module")
def sample_case(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from leakdesk.demo import run_demo

    path = tmp_path_factory.mktemp("sample") / "demo-case"
    result = run_demo(path)
    assert result.ok, [s for s in result.steps if s.status == "failed"]
    case = Case.open(path, actor="tester")
    yield case
    case.close()


@pytest.mark.slow
def test_sample_case_exposure_names_the_docx_author_the_new_address_and_the_quotes(sample_case: Case) -> None:
    report = exposure_check(sample_case, "Veter")
    found = {(g.field, g.value): g for g in grouped(report.findings)}
    assert ("last modified by", "a.orlov") in found and found[("last modified by", "a.orlov")].risk == "high"
    assert ("sender address changed", "veter.vostok.2022@post.example") in found
    assert ("private address in Received", "10.8.0.14") in found
    assert set(report.left_out) >= {5}  # the tampered variant of letter 4 is not the writer's own evidence
    style = report.style
    assert style.candidates == 9  # eight Russian reference writers and the series' writer
    full = style.measures[0]
    assert len(full.letters) >= 10 and full.median_rank == 1.0
    quotes = next(g for g in style.giveaways if g.feature == "«» quotes")
    assert quotes.writer.startswith("in ") and quotes.without is not None and quotes.without.median_rank >= 1
    translated = next(m for m in style.measures if m.published_as == "only the translation")
    assert translated.median_rank > full.median_rank  # measured on the shipped translations


@pytest.mark.slow
def test_sample_case_redacted_bundle_imports_with_no_trace(sample_case: Case, tmp_path: Path) -> None:
    """The issue's "done when": a redacted, scrubbed bundle of the sample case, encrypted to the partner's key,
    verifies and imports on another case with no trace of the redacted names or of the DOCX's metadata."""
    from leakdesk.intake.pgp import import_keys
    from leakdesk.publish.bundle import export_bundle, import_bundle, verify_bundle
    from leakdesk.publish.redact import propose, review
    from leakdesk.publish.shareable import publication_report
    from leakdesk.sample import sample_dir

    made = propose(sample_case, "Veter")
    review(sample_case, [x.id for x in made], "approved")
    hidden = sorted({s for x in made for s in x.surfaces if len(s) >= 4}, key=len)
    assert {"Гранатов", "Сабуров", "Ледяев"} <= set(hidden)
    keys = sample_dir() / "keys"
    out = tmp_path / "veter.bundle.gpg"
    export_bundle(sample_case, out, "Veter", redacted=True, to_key=keys / "demo-public.asc")
    partner = Case.init(tmp_path / "partner")
    import_keys(partner, keys / "demo-secret.asc")
    assert verify_bundle(out, partner.gnupg_home).ok
    result = import_bundle(partner, out)
    assert len(result["created"]) >= 12 and result["custody_carried"] == len(result["created"])
    with partner.connect() as conn:
        texts = "\n".join(conn.execute(sa.select(t.text.c.content)).scalars())
    stored = b"".join(p.read_bytes() for p in (partner.root / "originals").rglob("*") if p.is_file())
    for secret in [*hidden, "a.orlov", "veter.vostok"]:
        assert secret not in texts and secret.encode() not in stored, secret
    assert "Source A" in texts and "Person" in texts
    page = Path(publication_report(sample_case, "Veter", redacted=True).html).read_text("utf-8")
    assert "a.orlov" not in page and "Гранатов" not in page and 'src="/' not in page
    partner.close()
