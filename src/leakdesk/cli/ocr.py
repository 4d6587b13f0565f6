"""`leakdesk dispatch ocr`: text from scanned PDFs and images (Tesseract), page by page, with a progress bar."""

from __future__ import annotations

from typing import Annotated

import typer

from leakdesk.cli.common import CaseArg, DbOpt, JsonOpt, console, dispatch_numbers, handle_errors, open_case, print_json
from leakdesk.cli.dkim import progress_bar
from leakdesk.cli.grammar import noun


def register(app: typer.Typer, eval_app: typer.Typer) -> None:
    """Add this group's commands to the CLI."""
    noun(app, "dispatch").command("ocr")(ocr)


@handle_errors
def ocr(
    case: CaseArg,
    dispatch_ids: Annotated[list[str] | None, typer.Argument(metavar="DISPATCH",
        help="Dispatches to read again (default: every scan or image that needs OCR).", show_default=False)] = None,
    languages: Annotated[str | None, typer.Option(
        "--languages", help="Tesseract languages, e.g. rus+eng (default: the case's languages).")] = None,
    db: DbOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Read the text of scanned PDFs and images with Tesseract, page by page, and keep it beside the original."""
    from leakdesk.intake.ocr import ocr_case

    with open_case(case, db) as c, progress_bar(as_json, "OCR, pages") as progress:
        task = progress.add_task("ocr", total=None)

        def tick(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        results = ocr_case(c, dispatch_numbers(dispatch_ids), languages=languages, on_page=tick)
    if as_json:
        print_json(results)
        return
    for r in results:
        console.print(f"Dispatch {r['dispatch_id']}: {r['status']} ({r['pages']} pages, {r['characters']} characters, "
                      f"{r['engine']} {r['version']}, {r['languages']}).", markup=False, highlight=False)
    if not results:
        console.print("Nothing needs OCR.", markup=False, highlight=False)
