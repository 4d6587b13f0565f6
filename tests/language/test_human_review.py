"""Human imports (txt, md, docx), refusals, review rounds with versions and diffs, memory, glossary, exports."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leakdesk.case import Case
from leakdesk.store.tables import audit, segment, translation, translation_comment
from tests.conftest import invoke
from tests.language.conftest import LETTER_EN, LETTER_RU, OTHER_RU, add_dispatch


def _count(case: Case, table: sa.Table) -> int:
    with case.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar() or 0)


def test_import_txt_aligns_and_reports_confidence(runner, case: Case, letter: int, letter_en_file: Path) -> None:  # type: ignore[no-untyped-def]
    result = invoke(
        runner, "translate", case.root, letter, "--import", letter_en_file, "--translator", "Anna", "--json"
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["status"] == "draft" and data["translator"] == "Anna" and data["version"] == 1
    assert len(data["segments"]) == 8
    merged = data["segments"][3]
    assert merged["source"] == "Генерал Сидоров недоволен. Он требует отчёт до пятницы."
    assert merged["target"] == "General Sidorov is unhappy and demands a report by Friday."
    assert all(0 <= s["confidence"] <= 1 for s in data["segments"])
    assert data["confidence"] >= 0.5
    text = invoke(runner, "translate", case.root, letter, "--import", letter_en_file)
    assert "Imported translation 2 of dispatch 1 (tester): 8 segments, alignment confidence" in text.output


def test_import_markdown_and_docx(case: Case, letter: int, tmp_path: Path) -> None:
    import docx

    from leakdesk.language.human import import_translation

    md = tmp_path / "t.md"
    md.write_text("# Letter\n\n" + LETTER_EN.replace("Dear Ivan Petrovich!", "**Dear Ivan Petrovich!**"), "utf-8")
    view = import_translation(case, letter, md)
    # The heading has no counterpart in the original: an added segment of its own (0-1), markup removed.
    assert (view.segments[0].source, view.segments[0].target) == ("", "Letter")
    assert view.segments[1].target == "Dear Ivan Petrovich!"
    document = docx.Document()
    for paragraph in LETTER_EN.split("\n\n"):
        document.add_paragraph(paragraph)
    document.save(str(tmp_path / "t.docx"))
    view = import_translation(case, letter, tmp_path / "t.docx")
    assert [s.target for s in view.segments][3] == "General Sidorov is unhappy and demands a report by Friday."
    assert view.confidence is not None and view.confidence >= 0.5


def test_bad_imports_are_refused_and_nothing_is_stored(runner, case: Case, letter: int, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n\n ", "utf-8")
    result = invoke(runner, "translate", case.root, letter, "--import", empty)
    assert result.exit_code == 1
    assert "empty.txt is empty: there is no translation in it to import; nothing was stored." in result.output
    russian = tmp_path / "ru.txt"
    russian.write_text(OTHER_RU, "utf-8")
    result = invoke(runner, "translate", case.root, letter, "--import", russian)
    assert "ru.txt is in Russian (the language of the original), but a translation of dispatch 1" in (
        " ".join(result.output.split())
    )
    other = add_dispatch(case, OTHER_RU, subject="Совещание")
    wrong = tmp_path / "wrong.txt"
    wrong.write_text(LETTER_EN, "utf-8")
    result = invoke(runner, "translate", case.root, other, "--import", wrong)
    flat = " ".join(result.output.split())
    assert result.exit_code == 1
    assert "wrong.txt does not look like a complete translation of dispatch 2 (“Совещание”): the alignment" in flat
    assert "Nothing was stored; use --force to import it anyway." in flat
    partial = tmp_path / "partial.txt"
    partial.write_text(LETTER_EN.split("\n\n")[0], "utf-8")
    result = invoke(runner, "translate", case.root, letter, "--import", partial)
    assert "partial.txt does not look like a complete translation of dispatch 1" in " ".join(result.output.split())
    odd = tmp_path / "t.pdf"
    odd.write_bytes(b"%PDF")
    assert (
        "imports translations as .txt, .md or .docx, not .pdf"
        in invoke(runner, "translate", case.root, letter, "--import", odd).output
    )
    assert "Traceback" not in result.output
    assert _count(case, translation) == 0
    forced = invoke(runner, "translate", case.root, other, "--import", wrong, "--force")
    assert forced.exit_code == 0
    assert "Imported with --force despite" in forced.output
    # A second import is a new translation; the first one stays as it was.
    invoke(runner, "translate", case.root, letter, "--import", wrong)
    listed = json.loads(invoke(runner, "translation", case.root, letter, "--all", "--json").stdout)["translations"]
    assert [(t["translation"], t["kind"], t["status"]) for t in listed] == [(2, "human", "draft")]
    invoke(runner, "translation", case.root, letter, "--status", "final")
    invoke(runner, "translate", case.root, letter, "--import", wrong, "--translator", "Boris")
    listed = json.loads(invoke(runner, "translation", case.root, letter, "--all", "--json").stdout)["translations"]
    assert [(t["translation"], t["by"], t["status"]) for t in listed] == [(2, "tester", "final"), (3, "Boris", "draft")]
    assert (
        "No such dispatch 99 in this case." in invoke(runner, "translate", case.root, 99, "--import", wrong).output
    )


def test_review_round_versions_diff_and_final(runner, case: Case, letter: int, letter_en_file: Path) -> None:  # type: ignore[no-untyped-def]
    invoke(runner, "translate", case.root, letter, "--import", letter_en_file)
    result = invoke(runner, "segment", case.root, letter, 1, "--comment", "“Writing to you” sounds stiff.")
    assert result.exit_code == 0 and "Comment added to segment 1." in result.output
    result = invoke(
        runner, "segment", case.root, letter, 1, "--correct", "I write to you about the deliveries of 12 March 2021."
    )
    assert "Segment 1 corrected; translation 1 is now at version 2." in result.output
    result = invoke(runner, "translation", case.root, letter, "--diff", 1, 2)
    assert "Segment 1 (tester): I [-am writing-] {+write+} to you about the deliveries" in result.output
    both = invoke(runner, "translation", case.root, letter, "--status", "final", "--diff", 1, 2, "--json")
    done = json.loads(both.stdout)
    assert (done["status"], done["from"], done["to"], [c["segment"] for c in done["changes"]]) == ("final", 1, 2, [1])
    shown = json.loads(invoke(runner, "translation", case.root, letter, "--json").stdout)
    assert (shown["status"], shown["version"], shown["round"]) == ("final", 2, 1)
    assert shown["comments"][0]["comment"] == "“Writing to you” sounds stiff."
    old = json.loads(invoke(runner, "translation", case.root, letter, "--version", 1, "--json").stdout)
    assert old["segments"][1]["target"] == "I am writing to you about the deliveries of 12 March 2021."
    # A correction after final reopens the translation in a new round; nothing earlier is lost.
    invoke(runner, "segment", case.root, letter, 0, "--correct", "Dear Ivan Petrovich,")
    shown = json.loads(invoke(runner, "translation", case.root, letter, "--json").stdout)
    assert (shown["status"], shown["version"], shown["round"]) == ("in review", 3, 2)
    with case.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(segment)).scalar() == 8 + 2
        actions = [r.action for r in conn.execute(sa.select(audit.c.action).order_by(audit.c.seq))]
    assert actions[-5:] == [
        "translation.import",
        "translation.comment",
        "translation.correct",
        "translation.status",
        "translation.correct",
    ]
    assert _count(case, translation_comment) == 1
    bad = invoke(runner, "segment", case.root, letter, 40, "--correct", "x")
    assert "Translation 1 of dispatch 1 has segments 0 to 7; there is no segment 40." in bad.output
    bad = invoke(runner, "translation", case.root, letter, "--status", "approved")
    assert "'approved' is not a translation status; use one of: draft, in review, final." in bad.output
    bad = invoke(runner, "translation", case.root, letter, "--diff", 1, 9)
    assert "there is no version 9" in bad.output


def test_memory_drafts_reuse_final_segments_without_a_model(
    runner,
    case: Case,
    letter: int,  # type: ignore[no-untyped-def]
    letter_en_file: Path,
) -> None:
    invoke(runner, "translate", case.root, letter, "--import", letter_en_file)
    final = invoke(runner, "translation", case.root, letter, "--status", "final")
    assert final.output == "Translation 1 of dispatch 1 is now final.\n"
    repeat = add_dispatch(
        case, LETTER_RU.split("\n\n")[0] + "\n\n" + "Генерал Сидоров недоволен. Он требует отчёт до пятницы."
    )
    result = invoke(runner, "translate", case.root, repeat, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["engine"] == "memory" and data["model"] is None
    assert [s["target"] for s in data["segments"]][-1] == "General Sidorov is unhappy and demands a report by Friday."
    assert all(s["confidence"] == 1.0 for s in data["segments"])
    near = add_dispatch(case, "Груз пришёл в Новороссийск с опозданием на три дня.")
    fuzzy = json.loads(invoke(runner, "translate", case.root, near, "--json").stdout)
    assert fuzzy["segments"][0]["target"] == "The cargo arrived in Novorossiysk three days late."
    assert fuzzy["segments"][0]["confidence"] == 0.961  # flagged as a fuzzy match for the reviewer
    with case.connect() as conn:
        assert conn.execute(sa.select(segment.c.origin).order_by(segment.c.id.desc())).first().origin == "memory-fuzzy"
    # Just as close, but another number: the memory's sentence would state a wrong fact, so the engine is needed.
    other_number = add_dispatch(case, "Груз прибыл в Новороссийск с опозданием на четыре дня.")
    refused = invoke(runner, "translate", case.root, other_number)
    assert "No translation model for Russian → English is installed" in " ".join(refused.output.split())
    far = add_dispatch(case, "Груз прибыл в Новороссийск с большим опозданием.")
    suggestions = json.loads(invoke(runner, "translation", case.root, far, "--suggest", "--json").stdout)
    best = suggestions["suggestions"][0]
    assert best["memory_target"] == "The cargo arrived in Novorossiysk three days late." and best["score"] == 80.8
    missing = invoke(runner, "translate", case.root, far)
    assert "No translation model for Russian → English is installed" in " ".join(missing.output.split())


def test_glossary_check_finds_inflected_terms(runner, case: Case, letter: int, letter_en_file: Path) -> None:  # type: ignore[no-untyped-def]
    invoke(runner, "translate", case.root, letter, "--import", letter_en_file)
    assert (
        invoke(runner, "glossary", "add", case.root, "смежники", "related services", "--note", "jargon").exit_code == 0
    )
    result = invoke(runner, "glossary", "check", case.root, "--json")
    findings = json.loads(result.stdout)["findings"]
    assert [(f["segment"], f["source_term"], f["expected"], f["source_form"], f["problem"]) for f in findings] == [
        (4, "смежники", "related services", "смежников", "rendered differently"),
        (6, "смежники", "related services", "Смежники", "rendered differently"),
    ]
    assert findings[0]["found"] == "In addition, copies of all the waybills from the allied services are needed."
    invoke(runner, "segment", case.root, letter, 4, "--correct", "Also needed: copies of all waybills from смежников.")
    findings = json.loads(invoke(runner, "glossary", "check", case.root, letter, "--json").stdout)["findings"]
    assert findings[0]["problem"] == "left untranslated"
    dup = invoke(runner, "glossary", "add", case.root, "смежники", "partners")
    assert "“смежники” is already in the glossary as “related services”; nothing was changed." in dup.output
    invoke(runner, "glossary", "add", case.root, "груз", "cargo")
    text = invoke(runner, "glossary", "check", case.root)
    assert "Dispatch 1, segment 6: “Смежники” (смежники) should be “related services”, rendered differently" in (
        " ".join(text.output.split())
    )


def test_export_html_docx_and_report_section(
    runner,
    case: Case,
    letter: int,
    letter_en_file: Path,  # type: ignore[no-untyped-def]
    tmp_path: Path,
) -> None:
    import docx

    from leakdesk.language.report import sections

    assert "<td>Поставки</td><td>ru</td><td>not translated</td>" in sections(case)[0].html
    invoke(runner, "translate", case.root, letter, "--import", letter_en_file, "--translator", "Anna")
    html_out = tmp_path / "out.html"
    assert invoke(runner, "translation", case.root, letter, "--export", html_out).exit_code == 0
    page = html_out.read_text("utf-8")
    assert "<td>Генерал Сидоров недоволен. Он требует отчёт до пятницы.</td><td>General Sidorov is unhappy" in page
    assert "translated by Anna" in page
    docx_out = tmp_path / "out.docx"
    invoke(runner, "translation", case.root, letter, "--export", docx_out)
    table = docx.Document(str(docx_out)).tables[0]
    assert [c.text for c in table.rows[4].cells] == [
        "Генерал Сидоров недоволен. Он требует отчёт до пятницы.",
        "General Sidorov is unhappy and demands a report by Friday.",
    ]
    invoke(runner, "translation", case.root, letter, "--status", "final")
    section = sections(case)[0]
    assert section.title == "Translations" and section.order == 20
    assert "<td>final</td><td>Anna</td>" in section.html and "1 final" in section.html


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.binary(max_size=400), suffix=st.sampled_from([".txt", ".md", ".docx"]))
def test_any_bytes_give_text_or_a_sentence(tmp_path: Path, raw: bytes, suffix: str) -> None:
    from leakdesk.errors import TranslationError
    from leakdesk.language.human import read_translation_file

    path = tmp_path / f"translation{suffix}"
    path.write_bytes(raw)
    try:
        assert isinstance(read_translation_file(path), str)
    except TranslationError as exc:
        assert str(exc).startswith("translation")


def test_without_a_model_the_memory_drafts_what_it_covers_and_names_the_argos_package(
    runner,
    case: Case,
    letter: int,  # type: ignore[no-untyped-def]
    letter_en_file: Path,
) -> None:
    invoke(runner, "translate", case.root, letter, "--import", letter_en_file)
    invoke(runner, "translation", case.root, letter, "--status", "final")
    partly = add_dispatch(case, LETTER_RU.split("\n\n")[0] + "\n\n" + "Вертолёты прилетели на Итуруп ночью.")
    result = invoke(runner, "translate", case.root, partly)
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert "1 sentences were left untranslated for a translator: no translation model is installed" in said
    assert "translate-ru_en-1_9.argosmodel (package version 1.9)" in said
    assert "`leakdesk model add translate-ru_en-1_9.argosmodel`" in said
    with case.connect() as conn:
        origins = [r.origin for r in conn.execute(
            sa.select(segment.c.origin).where(segment.c.translation_id == 2).order_by(segment.c.position))]
    assert origins[-1] == "untranslated" and set(origins[:-1]) == {"memory"}


def test_near_matches_are_not_used_over_a_letter_with_a_variant(
    runner,
    case: Case,
    letter: int,  # type: ignore[no-untyped-def]
    letter_en_file: Path,
) -> None:
    from email.message import EmailMessage

    from leakdesk.intake.ingest import ingest_paths

    invoke(runner, "translate", case.root, letter, "--import", letter_en_file)
    invoke(runner, "translation", case.root, letter, "--status", "final")
    ids = []
    for n, body in enumerate(("Груз пришёл в Новороссийск с опозданием на три дня.",
                              "Груз пришёл в Новороссийск с опозданием на три дня!")):
        message = EmailMessage()
        message["From"], message["Subject"] = "veter@mail.example", "Груз"
        message["Message-ID"] = "<same-id@mail.example>"
        message["Date"] = "Thu, 03 Mar 2022 23:12:00 +0300"
        message.set_content(body)
        path = case.root.parent / f"variant-{n}.eml"
        path.write_bytes(bytes(message))
        ids += ingest_paths(case, [path], progress=False).created
    result = invoke(runner, "translate", case.root, ids[1])
    assert result.exit_code == 1  # the near match was withheld, and there is no model for the rest
    assert "No translation model for Russian → English is installed" in " ".join(result.output.split())
