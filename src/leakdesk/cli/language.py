"""Commands of the translation desk: `translation draft|import|show|list|set|diff|export|suggest|segment`,
`glossary add|list|remove|check`, `model add|list`, `eval translation`.

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
    DispatchIdArg,
    JsonOpt,
    console,
    dispatch_number,
    err_console,
    handle_errors,
    open_case,
    optional_dispatch,
    print_json,
    say,
    styled,
    untrusted,
)
from leakdesk.cli.grammar import noun
from leakdesk.errors import UsageError

if TYPE_CHECKING:
    from leakdesk.case import Case
    from leakdesk.language.drafts import EngineFactory
    from leakdesk.language.records import TranslationView

DispatchArg = DispatchIdArg


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
    import_file: Annotated[Path | None, typer.Option("--import", hidden=True)] = None,
    translator: Annotated[str | None, typer.Option(hidden=True)] = None,
    force: Annotated[bool, typer.Option(hidden=True)] = False,
    db: DbOpt = None,
    json: JsonOpt = False,
) -> None:
    """Draft a machine translation: the translation memory first, then the engine for what it does not hold."""
    from leakdesk.language.drafts import draft_translation

    if import_file is not None:  # the old `leakdesk translate --import FILE`
        translation_import(case, dispatch, import_file, translator, force, to, db, json)
        return
    dispatch_id = dispatch_number(dispatch)
    with open_case(case, db) as c, _progress(enabled=not json) as tick:
        view = draft_translation(c, dispatch_id, _engine_factory(engine, model, url, api_key), to, tick)
    if json:
        print_json(view.as_json())
    else:
        _print_translation(view, "Drafted")


@handle_errors
def translation_import(
    case: CaseArg,
    dispatch: DispatchArg,
    path: Annotated[Path, typer.Argument(metavar="FILE", help="The human translation (.txt, .md, .docx).",
                                         show_default=False)],
    translator: Annotated[str | None, typer.Option(help="Who translated it.")] = None,
    force: Annotated[
        bool, typer.Option(help="Import even if the file does not look like this letter's translation.")
    ] = False,
    to: Annotated[
        str | None, typer.Option("--to", help="Its language (default: the case's other language).")
    ] = None,
    db: DbOpt = None,
    json: JsonOpt = False,
) -> None:
    """Import a human translation and align it sentence by sentence with the original."""
    from leakdesk.language.human import import_translation

    with open_case(case, db) as c:
        view = import_translation(c, dispatch_number(dispatch), path, translator, force, to)
    if json:
        print_json(view.as_json())
    else:
        _print_translation(view, "Imported")


def _suggest(c: Case, dispatch_id: int, json: bool) -> None:
    from leakdesk.language.memory import suggestions

    found = suggestions(c, dispatch_id)
    if json:
        print_json({"suggestions": found})
        return
    for s in found:
        say(console, f"[{s['sentence']}] ", untrusted(s["source"]), f"\n    {s['score']:.0f}% → ",
            untrusted(s["memory_target"]))
    if not found:
        console.print("No close matches in the translation memory.")


def _list(c: Case, dispatch_id: int, json: bool) -> None:
    from leakdesk.language.records import list_translations

    with c.connect() as conn:
        rows = list_translations(conn, dispatch_id)
    if json:
        print_json({"dispatch": dispatch_id, "translations": rows})
        return
    for r in rows:
        conf = f", alignment confidence {r['confidence']:.0%}" if r["confidence"] is not None else ""
        say(console, f"Translation {r['translation']}: {r['kind']} (", untrusted(r["by"]),
            f"), {r['status']}, version {r['version']}{conf}")
    if not rows:
        console.print(f"Dispatch {dispatch_id} has no translation yet.", highlight=False)


def _change(c: Case, dispatch_id: int, json: bool, status: str | None = None, diff: tuple[int, int] | None = None,
            export: Path | None = None, version: int | None = None) -> None:
    """Set the status, show a diff of two versions, or export the current translation of a dispatch."""
    from leakdesk.language import export as exporting
    from leakdesk.language import review
    from leakdesk.language.records import current_translation_id

    with c.connect() as conn:
        translation_id = current_translation_id(conn, dispatch_id)
    done: dict[str, object] = {"translation": translation_id, "dispatch": dispatch_id}
    if status:
        done["status"] = review.set_status(c, translation_id, status)
        if not json:
            console.print(f"Translation {translation_id} of dispatch {dispatch_id} is now {done['status']}.",
                          highlight=False)
    if diff:
        changes = review.diff_versions(c, translation_id, diff[0], diff[1])
        done |= {"from": diff[0], "to": diff[1], "changes": changes}
        if not json and not changes:
            console.print(f"Versions {diff[0]} and {diff[1]} are the same.")
        for ch in [] if json else changes:
            say(console, f"Segment {ch['segment']} (", untrusted(ch["author"]), "): ", untrusted(ch["diff"]))
    if export:
        done["exported"] = str(exporting.export(c, dispatch_id, export, version))
        if not json:
            say(console, f"Wrote {done['exported']}.")
    if json:
        print_json(done)


def _show(c: Case, dispatch_id: int, json: bool, version: int | None) -> None:
    from leakdesk.language import review
    from leakdesk.language.records import current_translation_id, load_translation

    with c.connect() as conn:
        translation_id = current_translation_id(conn, dispatch_id)
        view = load_translation(conn, translation_id, version)
        notes = review.comments(conn, translation_id)
    if json:
        print_json(view.as_json() | {"comments": notes})
        return
    _print_translation(view, "Current")
    for seg in view.segments:
        conf = f" ({seg.confidence:.0%})" if seg.confidence is not None else ""
        say(console, styled(seg.position, "bold"), f"{conf} ", untrusted(seg.source), "\n    → ",
            untrusted(seg.target))
    for note in notes:
        say(console, f"Comment on segment {note['segment']} by ", untrusted(note["author"]), ": ",
            untrusted(note["comment"]))


VersionOpt = Annotated[int | None, typer.Option(help="Show or export this version (default: the newest).")]


@handle_errors
def translation(
    case: CaseArg,
    dispatch: DispatchArg,
    version: VersionOpt = None,
    diff: Annotated[tuple[int, int] | None, typer.Option(hidden=True)] = None,
    status: Annotated[str | None, typer.Option(hidden=True)] = None,
    export: Annotated[Path | None, typer.Option(hidden=True)] = None,
    suggest: Annotated[bool, typer.Option(hidden=True)] = False,
    all_: Annotated[bool, typer.Option("--all", hidden=True)] = False,
    db: DbOpt = None,
    json: JsonOpt = False,
) -> None:
    """Show the current translation of a dispatch (final, else in review, else draft; a human one first), segment
    by segment, with the reviewers' comments.

    (The options of the old form `translation CASE DISPATCH` — --all, --status, --diff, --export, --suggest —
    still work here for one release; they are now `translation list|set|diff|export|suggest`.)
    """
    dispatch_id = dispatch_number(dispatch)
    with open_case(case, db) as c:
        if suggest:
            _suggest(c, dispatch_id, json)
        elif all_:
            _list(c, dispatch_id, json)
        elif status or diff or export:
            _change(c, dispatch_id, json, status, diff, export, version)
        else:
            _show(c, dispatch_id, json, version)


@handle_errors
def translation_list(case: CaseArg, dispatch: DispatchArg, db: DbOpt = None, json: JsonOpt = False) -> None:
    """List every translation of a dispatch: who made it, its status and version."""
    with open_case(case, db) as c:
        _list(c, dispatch_number(dispatch), json)


@handle_errors
def translation_set(
    case: CaseArg,
    dispatch: DispatchArg,
    status: Annotated[str, typer.Option("--status", help="draft, in-review or final.", show_default=False)],
    db: DbOpt = None,
    json: JsonOpt = False,
) -> None:
    """Set the status of a dispatch's current translation (audited)."""
    with open_case(case, db) as c:
        _change(c, dispatch_number(dispatch), json, status=status)


@handle_errors
def translation_diff(
    case: CaseArg,
    dispatch: DispatchArg,
    first: Annotated[int, typer.Argument(metavar="VERSION", help="The earlier version.", show_default=False)],
    second: Annotated[int, typer.Argument(metavar="VERSION", help="The later version.", show_default=False)],
    db: DbOpt = None,
    json: JsonOpt = False,
) -> None:
    """What changed between two versions of a dispatch's current translation, segment by segment."""
    with open_case(case, db) as c:
        _change(c, dispatch_number(dispatch), json, diff=(first, second))


@handle_errors
def translation_export(
    case: CaseArg,
    dispatch: DispatchArg,
    out: Annotated[Path, typer.Argument(metavar="FILE", help="The .html or .docx file to write.", show_default=False)],
    version: VersionOpt = None,
    db: DbOpt = None,
    json: JsonOpt = False,
) -> None:
    """Write the original and its translation side by side to an .html or .docx file."""
    with open_case(case, db) as c:
        _change(c, dispatch_number(dispatch), json, export=out, version=version)


@handle_errors
def translation_suggest(case: CaseArg, dispatch: DispatchArg, db: DbOpt = None, json: JsonOpt = False) -> None:
    """Offer translation-memory matches for the sentences of a dispatch."""
    with open_case(case, db) as c:
        _suggest(c, dispatch_number(dispatch), json)


@handle_errors
def segment(
    case: CaseArg,
    dispatch: DispatchArg,
    position: Annotated[int, typer.Argument(metavar="SEGMENT", help="Segment number, as shown by `leakdesk "
                                            "translation show`.", show_default=False)],
    correct: Annotated[str | None, typer.Option(help="The corrected translation of this segment.")] = None,
    comment: Annotated[str | None, typer.Option(help="A reviewer's comment on this segment.")] = None,
    db: DbOpt = None,
    json: JsonOpt = False,
) -> None:
    """Correct or comment on one segment of a dispatch's current translation (versioned and audited)."""
    from leakdesk.language import review
    from leakdesk.language.records import current_translation_id

    if not correct and not comment:
        raise UsageError("Say what to do with the segment: --correct TEXT or --comment TEXT.")
    dispatch_id = dispatch_number(dispatch)
    result: dict[str, object] = {"dispatch": dispatch_id, "segment": position}
    with open_case(case, db) as c:
        with c.connect() as conn:
            translation_id = current_translation_id(conn, dispatch_id)
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


@handle_errors
def glossary_check(
    case: CaseArg,
    dispatch: Annotated[str | None, typer.Argument(metavar="DISPATCH", help="Only this dispatch.",
                                                  show_default=False)] = None,
    db: DbOpt = None,
    json: JsonOpt = False,
) -> None:
    """List every place a glossary term is rendered differently or left untranslated."""
    from leakdesk.language.glossary import check, findings_json

    with open_case(case, db) as c:
        findings = check(c, optional_dispatch(dispatch))
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
            f"No models installed in {models_home()}; add one with `leakdesk model add PATH`.", highlight=False
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
    group = noun(app, "translation")
    for verb, fn in (("draft", translate), ("import", translation_import), ("show", translation),
                     ("list", translation_list), ("set", translation_set), ("diff", translation_diff),
                     ("export", translation_export), ("suggest", translation_suggest), ("segment", segment)):
        group.command(verb)(fn)
    glossary = noun(app, "glossary")
    glossary.command("add")(glossary_add)
    glossary.command("list")(glossary_list)
    glossary.command("remove")(glossary_remove)
    glossary.command("check")(glossary_check)
    models = noun(app, "model")
    models.command("add")(models_add)
    models.command("list")(models_list)
    eval_app.command("translation")(eval_translation)
