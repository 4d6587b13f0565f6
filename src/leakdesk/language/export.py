"""Bilingual side-by-side exports of a dispatch's translation: HTML and DOCX, segment by segment."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from leakdesk.errors import TranslationError
from leakdesk.language.langid import language_name
from leakdesk.language.records import TranslationView, current_translation_id, load_translation
from leakdesk.templates import render

if TYPE_CHECKING:
    from leakdesk.case import Case

STYLE = """body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;width:100%}
td,th{border:1px solid #ccc;padding:.4em;vertical-align:top;width:48%}td.n{width:4%;color:#888}
tr.para td{border-top:3px solid #888}.low{background:#fff4d6}.meta{color:#555}"""


def _who(view: TranslationView) -> str:
    if view.kind == "human":
        return f"translated by {view.translator}"
    return f"machine draft ({view.engine}, {view.model or 'translation memory'})"


def _view(case: Case, dispatch_id: int, version: int | None) -> TranslationView:
    with case.connect() as conn:
        return load_translation(conn, current_translation_id(conn, dispatch_id), version)


def export(case: Case, dispatch_id: int, out: Path, version: int | None = None) -> Path:
    """Write HTML or DOCX according to the file's extension; returns the path written."""
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in {".html", ".htm", ".docx"}:
        raise TranslationError(f"{out.name}: export writes .html or .docx files.")
    view = _view(case, dispatch_id, version)
    out.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".docx":
        _docx(view, out)
    else:
        out.write_text(bilingual_html(view), "utf-8")
    with case.transaction() as conn:
        case.audit(
            conn,
            "translation.export",
            f"translation/{view.id}",
            {"dispatch": dispatch_id, "version": view.version, "file": str(out)},
        )
    return out


def bilingual_html(view: TranslationView) -> str:
    """The translation beside its original, one table row per segment (paragraph starts and weak alignments marked)."""
    title = f"Dispatch {view.dispatch_id}: translation {view.id}, version {view.version} ({view.status})"
    rows = []
    paragraph = None
    for seg in view.segments:
        cls = ["para"] if paragraph is not None and seg.paragraph != paragraph else []
        if seg.confidence is not None and seg.confidence < 0.5:
            cls.append("low")
        paragraph = seg.paragraph
        rows.append((seg, " ".join(cls)))
    return render("leakdesk.language", "bilingual.html.j2", title=title, style=STYLE, who=_who(view), view=view,
                  source_language=language_name(view.source_language),
                  target_language=language_name(view.target_language), rows=rows) + "\n"


def _docx(view: TranslationView, out: Path) -> None:
    import docx

    document = docx.Document()
    document.add_heading(f"Dispatch {view.dispatch_id}: translation {view.id}, version {view.version}", level=1)
    document.add_paragraph(f"{_who(view)}; status {view.status}, round {view.round}")
    table = document.add_table(rows=1, cols=2)
    table.style = "Table Grid"
    header = table.rows[0].cells
    header[0].text = f"Original ({language_name(view.source_language)})"
    header[1].text = f"Translation ({language_name(view.target_language)})"
    for seg in view.segments:
        cells = table.add_row().cells
        cells[0].text = seg.source
        cells[1].text = seg.target
    document.save(str(out))
