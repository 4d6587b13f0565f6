"""Commands of the translation desk: translate, translation, segment, glossary, models, eval translation.

Each command calls one function of `leakdesk.language`; this module only parses options and prints.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from leakdesk.cli.common import (
    CaseArg,
    DbOpt,
    JsonOpt,
    console,
    err_console,
    handle_errors,
    open_case,
    print_json,
    say,
    styled,
    untrusted,
)
from leakdesk.errors import UsageError

if TYPE_CHECKING:
    from leakdesk.language.drafts import EngineFactory
    from leakdesk.language.records import TranslationView

DispatchArg = Annotated[str, typer.Argument(help="The dispatch number (see `leakdesk dispatches`).")]


def _engine_factory(engine: str, model: str | None, url: str | None, api_key: str | None) -> EngineFactory:
    from leakdesk.language.translate.libretranslate import LibreTranslateEngine
    from leakdesk.language.translate.local import LocalEngine
    from leakdesk.language.translate.models import find_model

    if engine == "local":
        return lambda src, tgt: LocalEngine(find_model(src, tgt, model))
    if engine == "libretranslate":
        return lambda src, tgt: LibreTranslateEngine(url or "", src, tgt, api_key)
    raise UsageError(f"--engine must be local or libretranslate, not {engine!r}.")


@contextmanager
def _progress(enabled: bool) -> Iterator[Callable[[int, int], None] | None]:
    """A Rich progress bar on stderr while the engine translates (only on a terminal, never with --json)."""
    if not enabled or not err_console.is_terminal:
        yield None
        return
    from rich.progress import Progress

    with Progress(console=err_console, transient=True) as bar:
        task = bar.add_task("Translating sentences", total=None)
        yield lambda done, total: bar.update(task, completed=done, total=total)


def _print_translation(view: TranslationView, verb: str) -> None:
    who = view.translator if view.kind == "human" else f"{view.engine} {view.model or ''}".strip()
    line = f"{verb} translation {view.id} of dispatch {view.dispatch_id} ({who}): {len(view.segments)} segments"
    if view.confidence is not None:
        line += f", alignment confidence {view.confidence:.0%}"
    console.print(line + f"; status {view.status}, version {view.version}.", highlight=False)
    if view.details.get("untranslated"):
        from leakdesk.language.translate.models import argos_advice

        advice = argos_advice(view.source_language, view.target_language)
        console.print(
            f"{view.details['untranslated']} sentences were left untranslated for a translator: no translation model "
            f"is installed, so only the translation memory was used. {advice}",
            highlight=False, markup=False,
        )
    if view.details.get("fuzzy_withheld_variant"):
        console.print(
            f"{view.details['fuzzy_withheld_variant']} near matches from the memory were not used: two different "
            "copies share this letter's Message-ID, and a near match could hide what differs.",
            highlight=False, markup=False,
        )
    if view.details.get("forced"):
        problems = "; ".join(view.details["problems"])
        say(console, styled("Imported with --force despite:", "yellow"), f" {problems}.")


@handle_errors
def translate(
    case: CaseArg,
    dispatch: DispatchArg,
    engine: Annotated[str, typer.Option(help="local (an installed model) or libretranslate.")] = "local",
    model: Annotated[str | None, typer.Option(help="Installed model name (default: the one for the pair).")] = None,
    url: Annotated[str | None, typer.Option(envvar="LEAKDESK_LIBRETRANSLATE_URL", help="LibreTranslate URL.")] = None,
    api_key: Annotated[
        str | None,
        typer.Option(envvar="LEAKDESK_LIBRETRANSLATE_KEY", help="LibreTranslate API key.", show_default=False),
    ] = None,
    to: Annotated[
        str | None, typer.Option("--to", help="Target language (default: the case's other language).")
    ] = None,
    import_file: Annotated[
        Path | None, typer.Option("--import", help="Import a human translation (.txt, .md, .docx) instead.")
    ] = None,
    translator: Annotated[str | None, typer.Option(help="Who translated the imported file.")] = None,
    force: Annotated[
        bool, typer.Option(help="Import even if the file does not look like this letter's translation.")
    ] = False,
    db: DbOpt = None,
    json: JsonOpt = False,
) -> None:
    """Draft a machine translation (memory first, then the engine), or import and align a human one."""
    from leakdesk.language.drafts import draft_translation
    from leakdesk.language.human import import_translation
    from leakdesk.language.records import parse_dispatch_id

    dispatch_id = parse_dispatch_id(dispatch)
    with open_case(case, db) as c:
        if import_file is not None:
            view = import_translation(c, dispatch_id, import_file, translator, force, to)
            verb = "Imported"
        else:
            with _progress(enabled=not json) as tick:
                view = draft_translation(c, dispatch_id, _engine_factory(engine, model, url, api_key), to, tick)
            verb = "Drafted"
    if json:
        print_json(view.as_json())
    else:
        _print_translation(view, verb)


@handle_errors
def translation(
    case: CaseArg,
    dispatch: DispatchArg,
    diff: Annotated[tuple[int, int] | None, typer.Option(help="Show what changed between two versions.")] = None,
    status: Annotated[str | None, typer.Option(help="Set the status: draft, in-review or final.")] = None,
    export: Annotated[Path | None, typer.Option(help="Write a side-by-side .html or .docx file.")] = None,
    version: Annotated[int | None, typer.Option(help="Show or export this version (default: the newest).")] = None,
    suggest: Annotated[bool, typer.Option(help="Offer translation-memory matches for this dispatch.")] = False,
    all_: Annotated[bool, typer.Option("--all", help="List every translation of this dispatch.")] = False,
    db: DbOpt = None,
    json: JsonOpt = False,
) -> None:
    """Show a dispatch's newest translation, its history, or change its status."""
    from leakdesk.language import export as exporting
    from leakdesk.language import review
    from leakdesk.language.memory import suggestions
    from leakdesk.language.records import (
        latest_translation_id,
        list_translations,
        load_translation,
        parse_dispatch_id,
    )

    dispatch_id = parse_dispatch_id(dispatch)
    with open_case(case, db) as c:
        if suggest:
            found = suggestions(c, dispatch_id)
            if json:
                print_json({"suggestions": found})
            for s in [] if json else found:
                console.print(
                    f"[{s['sentence']}] {s['source']}\n    {s['score']:.0f}% → {s['memory_target']}", highlight=False
                )
            if not json and not found:
                console.print("No close matches in the translation memory.")
            return
        if all_:
            with c.connect() as conn:
                rows = list_translations(conn, dispatch_id)
            if json:
                print_json({"dispatch": dispatch_id, "translations": rows})
                return
            for r in rows:
                conf = f", alignment confidence {r['confidence']:.0%}" if r["confidence"] is not None else ""
                console.print(
                    f"Translation {r['translation']}: {r['kind']} ({r['by']}), {r['status']}, "
                    f"version {r['version']}{conf}",
                    highlight=False,
                )
            if not rows:
                console.print(f"Dispatch {dispatch_id} has no translation yet.", highlight=False)
            return
        with c.connect() as conn:
            translation_id = latest_translation_id(conn, dispatch_id)
        if status or diff or export:
            done: dict[str, object] = {"translation": translation_id, "dispatch": dispatch_id}
            if status:
                done["status"] = review.set_status(c, translation_id, status)
                if not json:
                    console.print(
                        f"Translation {translation_id} of dispatch {dispatch_id} is now {done['status']}.",
                        highlight=False,
                    )
            if diff:
                changes = review.diff_versions(c, translation_id, diff[0], diff[1])
                done |= {"from": diff[0], "to": diff[1], "changes": changes}
                if not json and not changes:
                    console.print(f"Versions {diff[0]} and {diff[1]} are the same.")
                for ch in [] if json else changes:
                    console.print(f"Segment {ch['segment']} ({ch['author']}): {ch['diff']}", highlight=False)
            if export:
                done["exported"] = str(exporting.export(c, dispatch_id, export, version))
                if not json:
                    console.print(f"Wrote {done['exported']}.", highlight=False)
            if json:
                print_json(done)
            return
        with c.connect() as conn:
            view = load_translation(conn, translation_id, version)
            notes = review.comments(conn, translation_id)
    if json:
        print_json(view.as_json() | {"comments": notes})
        return
    _print_translation(view, "Newest")
    for seg in view.segments:
        conf = f" ({seg.confidence:.0%})" if seg.confidence is not None else ""
        say(console, styled(seg.position, "bold"), f"{conf} ", untrusted(seg.source), "\n    → ",
            untrusted(seg.target))
    for note in notes:
        console.print(f"Comment on segment {note['segment']} by {note['author']}: {note['comment']}", highlight=False)


@handle_errors
def segment(
    case: CaseArg,
    dispatch: DispatchArg,
    position: Annotated[int, typer.Argument(help="Segment number, as shown by `leakdesk translation`.")],
    correct: Annotated[str | None, typer.Option(help="The corrected translation of this segment.")] = None,
    comment: Annotated[str | None, typer.Option(help="A reviewer's comment on this segment.")] = None,
    db: DbOpt = None,
    json: JsonOpt = False,
) -> None:
    """Correct or comment on one segment of a dispatch's newest translation (versioned and audited)."""
    from leakdesk.language import review
    from leakdesk.language.records import latest_translation_id, parse_dispatch_id

    if not correct and not comment:
        raise UsageError("Say what to do with the segment: --correct TEXT or --comment TEXT.")
    dispatch_id = parse_dispatch_id(dispatch)
    result: dict[str, object] = {"dispatch": dispatch_id, "segment": position}
    with open_case(case, db) as c:
        with c.connect() as conn:
            translation_id = latest_translation_id(conn, dispatch_id)
        result["translation"] = translation_id
        if correct:
            result["version"] = review.correct_segment(c, translation_id, position, correct)
        if comment:
            result["comment"] = review.comment_segment(c, translation_id, position, comment)
    if json:
        print_json(result)
        return
    if correct:
        console.print(
            f"Segment {position} corrected; translation {translation_id} is now at version {result['version']}.",
            highlight=False,
        )
    if comment:
        console.print(f"Comment added to segment {position}.", highlight=False)


glossary_app = typer.Typer(help="The case glossary: agreed renderings of terms.", no_args_is_help=True)


@glossary_app.command("add")
@handle_errors
def glossary_add(
    case: CaseArg,
    source_term: Annotated[str, typer.Argument(help="The term in the original language (any form).")],
    target_term: Annotated[str, typer.Argument(help="Its agreed rendering.")],
    note: Annotated[str | None, typer.Option(help="Why this rendering.")] = None,
    from_: Annotated[str, typer.Option("--from", help="Language of the term.")] = "ru",
    to: Annotated[str, typer.Option("--to", help="Language of the rendering.")] = "en",
    db: DbOpt = None,
) -> None:
    """Add a term and its agreed rendering."""
    from leakdesk.language.glossary import add_term

    with open_case(case, db) as c:
        add_term(c, source_term, target_term, note, from_, to)
    console.print(f"Added “{source_term}” → “{target_term}” to the glossary.", highlight=False)


@glossary_app.command("list")
@handle_errors
def glossary_list(case: CaseArg, db: DbOpt = None, json: JsonOpt = False) -> None:
    """Show the glossary."""
    from leakdesk.language.glossary import list_terms

    with open_case(case, db) as c:
        terms = list_terms(c)
    if json:
        print_json({"terms": terms})
        return
    for t in terms:
        console.print(
            f"{t['source_term']} → {t['target_term']}" + (f"  ({t['note']})" if t["note"] else ""), highlight=False
        )
    if not terms:
        console.print("The glossary is empty; add terms with `leakdesk glossary add CASE TERM RENDERING`.")


@glossary_app.command("remove")
@handle_errors
def glossary_remove(
    case: CaseArg,
    source_term: Annotated[str, typer.Argument(help="The term, as it was added.")],
    from_: Annotated[str, typer.Option("--from", help="Language of the term.")] = "ru",
    to: Annotated[str, typer.Option("--to", help="Language of the rendering.")] = "en",
    db: DbOpt = None,
) -> None:
    """Take a term out of the glossary."""
    from leakdesk.language.glossary import remove_term

    with open_case(case, db) as c:
        gone = remove_term(c, source_term, from_, to)
    console.print(f"Removed “{gone['source_term']}” → “{gone['target_term']}” from the glossary.", highlight=False)


@glossary_app.command("check")
@handle_errors
def glossary_check(
    case: CaseArg,
    dispatch: Annotated[str | None, typer.Argument(help="Only this dispatch.")] = None,
    db: DbOpt = None,
    json: JsonOpt = False,
) -> None:
    """List every place a glossary term is rendered differently or left untranslated."""
    from leakdesk.language.glossary import check, findings_json
    from leakdesk.language.records import parse_dispatch_id

    with open_case(case, db) as c:
        findings = check(c, parse_dispatch_id(dispatch) if dispatch is not None else None)
    if json:
        print_json({"findings": findings_json(findings)})
        return
    for f in findings:
        console.print(
            f"Dispatch {f.dispatch}, segment {f.segment}: “{f.source_form}” ({f.source_term}) should be "
            f"“{f.expected}”, {f.problem}: {f.found}",
            highlight=False,
        )
    console.print(
        f"{len(findings)} inconsistent rendering(s)." if findings else "Every glossary term is rendered as agreed."
    )


models_app = typer.Typer(help="Machine translation models installed on this machine.", no_args_is_help=True)


@models_app.command("add")
@handle_errors
def models_add(
    path: Annotated[Path, typer.Argument(help="An .argosmodel file, an unpacked Argos package or an OPUS-MT folder.")],
    from_: Annotated[str | None, typer.Option("--from", help="Source language, if the model does not say.")] = None,
    to: Annotated[str | None, typer.Option("--to", help="Target language, if the model does not say.")] = None,
    json: JsonOpt = False,
) -> None:
    """Check a model and install it into $LEAKDESK_HOME/models."""
    from leakdesk.language.translate.models import add_model

    package = add_model(path, from_, to)
    if json:
        print_json(package.as_dict())
    else:
        console.print(
            f"Installed {package.name} ({package.from_code} → {package.to_code}) in {package.root}.", highlight=False
        )


@models_app.command("list")
@handle_errors
def models_list(json: JsonOpt = False) -> None:
    """Show installed models and their language pairs."""
    from leakdesk.language.translate.models import list_models, models_home

    packages = list_models()
    if json:
        print_json({"models": [p.as_dict() for p in packages]})
        return
    for p in packages:
        console.print(f"{p.name}  {p.from_code} → {p.to_code}  ({p.format})", highlight=False)
    if not packages:
        console.print(
            f"No models installed in {models_home()}; add one with `leakdesk models add PATH`.", highlight=False
        )


@handle_errors
def eval_translation(
    hyp: Annotated[Path, typer.Option(help="Machine translation, one sentence per line.")],
    ref: Annotated[Path, typer.Option(help="Reference translation, same lines.")],
    json: JsonOpt = False,
) -> None:
    """chrF and BLEU (sacrebleu) of a translation against a reference."""
    from leakdesk.language.evaluate import score_translation

    scores = score_translation(hyp, ref)
    if json:
        print_json(scores)
    else:
        console.print(f"chrF {scores['chrf']:.2f}  BLEU {scores['bleu']:.2f}  ({scores['sentences']} sentences)")


def register(app: typer.Typer, eval_app: typer.Typer) -> None:
    """Add this group's commands to the CLI."""
    app.command()(translate)
    app.command()(translation)
    app.command()(segment)
    app.add_typer(glossary_app, name="glossary")
    app.add_typer(models_app, name="models")
    eval_app.command("translation")(eval_translation)
