"""`leakdesk stream add|list|show|remove` (media streams as case material), `leakdesk narrative trend` (labelling
trend, onset) and `leakdesk eval persuasion` (SemEval-2023 task 3 subtask 3 scores)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from leakdesk.cli.common import CaseArg, DbOpt, JsonOpt, console, err_console, handle_errors, open_case, print_json
from leakdesk.cli.grammar import noun
from leakdesk.errors import UsageError


def _say(text: str) -> None:
    """Print text that may come from a stream file: no Rich markup, no highlighting."""
    console.print(text, markup=False, highlight=False)


@handle_errors
def stream_add(
    case: CaseArg,
    path: Annotated[Path, typer.Argument(help="A feed (.xml/.rss/.atom), result.json, a .csv, or a folder.")],
    name: Annotated[str, typer.Option("--name", help="The desk's name for the stream (made if new).")],
    db: DbOpt = None,
    json: JsonOpt = False,
) -> None:
    """Store a stream file (or a folder of them) with custody; every item keeps its date, source and URL."""
    from rich.progress import Progress

    from leakdesk.narratives.intake import add_stream

    show = not json and err_console.is_terminal
    with open_case(case, db) as c, Progress(console=err_console, disable=not show, transient=True) as progress:
        task = progress.add_task("Reading the stream", total=None)
        added = add_stream(c, path, name, lambda done, total: progress.update(task, completed=done, total=total))
    if json:
        print_json(added.as_dict())
    else:
        for f in added.files:
            _say(f"{f.path} ({f.format}, sha256 {f.sha256[:12]}…): {f.items} new item(s), {f.duplicates} duplicate(s)")
        for p in added.problems:
            _say(f"  {Path(p['file']).name}, {p['location']}: {p['problem']}")
        _say(f"Stream {added.stream}: {added.items} new item(s), {added.duplicates} duplicate(s), "
             f"{len(added.problems)} problem(s).")
    if added.problems and added.items == 0:
        raise typer.Exit(1)


@handle_errors
def stream_list(case: CaseArg, db: DbOpt = None, json: JsonOpt = False) -> None:
    """The case's media streams: items, dates covered, sources, problems."""
    from leakdesk.narratives.intake import list_streams

    with open_case(case, db) as c:
        streams = list_streams(c)
    if json:
        print_json(streams)
        return
    if not streams:
        _say("This case has no media streams yet; add one with `leakdesk stream add CASE PATH`.")
        return
    for s in streams:
        _say(f"{s['name']}: {s['items']} item(s) from {s['first']} to {s['last']}, {s['files']} file(s), "
             f"{s['problems']} problem(s); sources: {', '.join(s['sources'][:5]) or '—'}")


StreamNameArg = Annotated[str, typer.Argument(metavar="NAME", help="The stream (see `leakdesk stream list`).",
                                              show_default=False)]


@handle_errors
def stream_show(case: CaseArg, name: StreamNameArg, db: DbOpt = None, json: JsonOpt = False) -> None:
    """One media stream: items, dates covered, sources, and every file loaded into it with its problems."""
    from leakdesk.narratives.intake import show_stream

    with open_case(case, db) as c:
        found = show_stream(c, name)
    if json:
        print_json(found)
        return
    _say(f"Stream {found['name']}: {found['items']} item(s) from {found['first']} to {found['last']}; "
         f"sources: {', '.join(found['sources'][:10]) or '—'}")
    for f in found["files"]:
        _say(f"  {f['path']} ({f['format']}, sha256 {f['sha256'][:16]}…): {f['items']} item(s), "
             f"{f['duplicates']} duplicate(s), {len(f['problems'])} problem(s); added {f['added']} by {f['actor']}")
        for p in f["problems"][:20]:
            _say(f"    {p.get('location', '')}: {p.get('problem', '')}")


@handle_errors
def stream_remove(case: CaseArg, name: StreamNameArg, db: DbOpt = None, json: JsonOpt = False) -> None:
    """Take a stream out of the case (audited; its files' originals and custody stay). Refused while evidence
    attached to a claim was drawn from it."""
    from leakdesk.narratives.intake import remove_stream

    with open_case(case, db) as c:
        gone = remove_stream(c, name)
    if json:
        print_json(gone)
        return
    _say(f"Stream {gone['stream']} removed: {gone['items']} item(s) and {gone['mentions']} analysed sentence(s); "
         f"its {gone['originals_kept']} original file(s) and their custody stay in the case.")


@handle_errors
def narratives(
    case: CaseArg,
    target: Annotated[str | None, typer.Option(
        "--target", help="The monitored group (japanese, americans, ukrainians).")] = None,
    label_family: Annotated[str | None, typer.Option("--label-family", help="The labels (nazi, militarist).")] = None,
    claim: Annotated[int | None, typer.Option(
        "--claim", help="Show the stream evidence for this letter claim (the target is found in the claim).")] = None,
    attach: Annotated[bool, typer.Option(
        "--attach", help="With --claim: keep the evidence beside the claim (audited; status unchanged).")] = False,
    note: Annotated[str | None, typer.Option("--note", help="With --attach: the desk's note.")] = None,
    db: DbOpt = None,
    json: JsonOpt = False,
) -> None:
    """When did the media start applying a label to a target? Weekly rate of hits per mention, onset, examples."""
    from rich.progress import Progress

    if claim is not None:
        _claim_evidence(case, claim, target, label_family, attach, note, db, json)
        return
    if attach:
        raise UsageError("--attach needs --claim ID: the claim the stream evidence is kept beside.")
    if target is None:
        raise UsageError("Name the monitored group with --target (or give --claim ID).")
    label_family = label_family or "nazi"
    from leakdesk.narratives.trend import build_trend, run_detection

    show = not json and err_console.is_terminal
    with open_case(case, db) as c:
        with Progress(console=err_console, disable=not show, transient=True) as progress:
            task = progress.add_task("Reading the streams", total=None)
            run = run_detection(c, target, label_family,
                                lambda done, total: progress.update(task, completed=done, total=total))
        trend = build_trend(c, target, label_family)
    data = trend.as_dict()
    if json:
        print_json({**data, "run": run.__dict__})
        return
    _say(f"{run.items} item(s), {run.sentences} sentence(s): {run.mentions} name the target, {run.hits} apply the "
         f"label ({run.seconds:.1f} s).")
    for week in data["weekly"]:
        rate = "—" if week["rate"] is None else f"{week['rate']:.0%}"
        _say(f"  week of {week['week']}: {week['hits']:>3} hit(s) / {week['mentions']:>3} mention(s)  {rate}")
    if data["onset"]:
        effect = data["effect"]
        ratio = f"{effect['ratio']:.1f}×" if effect["ratio"] else "from zero"
        _say(f"Onset: {data['onset']} (likely between {data['onset_low']} and {data['onset_high']}); rate "
             f"{effect['rate_before']:.0%} before, {effect['rate_after']:.0%} after ({ratio}), p = {data['p_value']}.")
    else:
        _say(f"No onset: the hit rate shows no significant rise (p = {data['p_value']}).")
    for letter in data["letters"]:
        _say(f"Letter (dispatch {letter['dispatch_id']}, dated {letter['letter_date']}) claims a start "
             f"{letter['claimed_start'] or 'without a date'}: «{letter['text'][:160]}»")
    for ex in data["examples"]:
        _say(f"  {ex['date']} {ex['source'] or ''} {ex['url'] or ''}: {ex['sentence'][:200]}")


def _claim_evidence(case: Path, claim: int, target: str | None, family: str | None, attach: bool,
                    note: str | None, db: str | None, json: bool) -> None:
    """`leakdesk narrative trend CASE --claim ID [--attach]`: the stream evidence beside one letter claim."""
    from leakdesk.narratives.evidence import attach_evidence, evidence_for_claim

    with open_case(case, db) as c:
        if attach:
            done = attach_evidence(c, claim, target, family, note)
            found, attachment, new = done.evidence, done.attachment, done.new
        else:
            found, attachment, new = evidence_for_claim(c, claim, target, family), None, False
    data = found.as_dict()
    if json:
        print_json({**data, **({"attachment": attachment, "new": new} if attach else {})})
        return
    _say(f"Claim {data['claim_id']} (dispatch {data['dispatch_id']}): «{data['claim'][:200]}»")
    _say(f"Linked to {data['target_display']} — {data['label_family_display']}.")
    claimed = data["claimed_start"] or "no date"
    if data["claimed_end"] and data["claimed_end"] != data["claimed_start"]:
        claimed = f"{data['claimed_start']} – {data['claimed_end']}"
    _say(f"Letter dated {data['letter_date'] or 'unknown'}; claimed start {claimed} ({data['claimed_from']}).")
    _say(f"Streams from {data['first_day']} to {data['last_day']}: {data['mentions']} sentence(s) name the target, "
         f"{data['hits']} apply the label.")
    if data["onset"]:
        effect = data["effect"]
        ratio = f"{effect['ratio']:.1f}×" if effect["ratio"] else "from zero"
        _say(f"Measured onset: {data['onset']} (likely between {data['onset_low']} and {data['onset_high']}); rate "
             f"{effect['rate_before']:.0%} before, {effect['rate_after']:.0%} after ({ratio}), p = {data['p_value']}.")
    _say(data["comparison"])
    for ex in data["examples"]:
        _say(f"  {ex['date']} {ex['source'] or ''} {ex['url'] or ex['location'] or ''}: {ex['sentence'][:200]}")
    if attach and attachment is not None:
        if new:
            _say(f"Attached to claim {claim} by {attachment['actor']}; the claim's status is unchanged "
                 f"({done.claim_status}).")
        else:
            _say(f"Already attached to claim {claim} by {attachment['actor']} on {attachment['time'][:10]}; "
                 "nothing written.")
    elif data["attached"]:
        last = data["attached"][-1]
        _say(f"Attached to the claim by {last['actor']} on {last['time'][:10]}.")
    else:
        _say(f"Not attached to the claim; keep it with `leakdesk narrative trend CASE --claim {claim} --attach`.")


@handle_errors
def persuasion(
    articles_dir: Annotated[Path, typer.Argument(help="A folder of article<ID>.txt files (SemEval-2023 task 3).")],
    labels_file: Annotated[Path, typer.Argument(help="Its subtask-3 labels: article, paragraph, techniques.")],
    json: JsonOpt = False,
) -> None:
    """Score the paragraph-level persuasion-technique model: official micro-F1 over (paragraph, technique) pairs."""
    from leakdesk.narratives.persuasion import NAME_CALLING, evaluate

    scores = evaluate(articles_dir, labels_file).as_dict()
    if json:
        print_json(scores)
        return
    console.print(f"{scores['paragraphs']} paragraphs: micro-F1 {scores['micro_f1']:.3f} "
                  f"(precision {scores['micro_precision']:.3f}, recall {scores['micro_recall']:.3f})", highlight=False)
    for name, s in sorted(scores["per_technique"].items(), key=lambda kv: -kv[1]["support"]):
        mark = " ←" if name == NAME_CALLING else ""
        console.print(f"  {name:<36} F1 {s['f1']:.3f}  (P {s['precision']:.3f}, R {s['recall']:.3f}, "
                      f"{s['support']} gold){mark}", highlight=False)


def register(app: typer.Typer, eval_app: typer.Typer) -> None:
    """Add this group's commands to the CLI."""
    stream = noun(app, "stream")
    stream.command("add")(stream_add)
    stream.command("list")(stream_list)
    stream.command("show")(stream_show)
    stream.command("remove")(stream_remove)
    noun(app, "narrative").command("trend")(narratives)
    eval_app.command("persuasion")(persuasion)
