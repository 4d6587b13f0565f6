"""`leakdesk show CASE ID`: one letter on the terminal — headers, custody, text, translation, verdict, claims."""

from __future__ import annotations

import re
from typing import Any

import typer

from leakdesk.cli.common import (
    CaseArg,
    DbOpt,
    DispatchIdArg,
    JsonOpt,
    console,
    dispatch_number,
    handle_errors,
    open_case,
    print_json,
)
from leakdesk.cli.grammar import noun

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
TEXT_LIMIT = 20_000  # characters of a text printed; the rest is counted, never dropped silently


def _clean(value: object, limit: int = TEXT_LIMIT) -> str:
    """Letter content is hostile: control and bidi characters are shown as escapes, length is bounded."""
    text = CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", "" if value is None else str(value))
    if len(text) > limit:
        text = text[:limit] + f"\n… ({len(text) - limit} more characters; see --json)"
    return text


def _say(text: str = "", style: str | None = None) -> None:
    console.print(text, markup=False, highlight=False, emoji=False, style=style, soft_wrap=True)


@handle_errors
def show(case: CaseArg, dispatch_id: DispatchIdArg, db: DbOpt = None, as_json: JsonOpt = False) -> None:
    """Print one dispatch: headers, custody, its original text, current translation, verdict and claims."""
    from leakdesk.store.records.letter import letter_json

    with open_case(case, db) as c, c.connect() as conn:
        letter = letter_json(conn, dispatch_number(dispatch_id))
    if as_json:
        print_json(letter)
        return
    _print(letter)


def _print(letter: dict[str, Any]) -> None:
    d = letter["dispatch"]
    _say(_clean(f"Dispatch {d['id']}" + (f" — {d['subject']}" if d["subject"] else ""), 500), "bold")
    facts = [("Series", d["series"] and f"{d['series']}, letter {letter['number_in_series']}"),
             ("Date", d["date"]), ("From", d["sender"]), ("To", d["recipients"]), ("File", d["filename"]),
             ("Kind", f"{d['kind']} via {d['channel']}"), ("Language", d["language"]),
             ("Original sha256", d["original_sha256"]),
             ("Anchor date", f"{letter['anchor']['date']} ({letter['anchor']['source']})"),
             ("Attachments", ", ".join(str(i) for i in letter["attachments"]) or None)]
    for name, value in facts:
        if value:
            _say(f"{name}: {_clean(value, 500)}")
    for warning in letter["warnings"]:
        _say(f"Warning: {_clean(warning, 500)}", "yellow")
    _say()
    _say("Headers", "bold")
    for h in letter["headers"]:
        _say(f"  {_clean(h['name'], 200)}: {_clean(h['decoded'] if h['decoded'] is not None else h['raw'], 2000)}")
    _say()
    _say("Custody", "bold")
    for e in letter["custody"]:
        where = f" ({e['location']})" if e["location"] else ""
        _say(f"  {e['time']}  {e['event']} via {e['channel']} from {_clean(e['source'], 500)}{_clean(where, 200)}"
             f" by {_clean(e['actor'], 200)}")
    _say()
    original = letter["original"]
    _say("Original text" + (f" ({original['role']}, {original['language'] or 'language unknown'})"
                            if original else ""), "bold")
    _say(_clean(original["content"]) if original else "(no readable text)")
    _say()
    tr = letter["translation"]
    if tr:
        _say(f"Translation {tr['id']} into {tr['target_language']}: {tr['status']}, version {tr['version']}, "
             f"by {_clean(tr['by'], 200)}", "bold")
        _say(_clean(tr["text"]))
    else:
        _say("Translation: none yet", "bold")
    _say()
    st = letter["status"]
    _say(f"Status: authorship {st['authorship']}; claims {st['claims']}", "bold")
    v = st["verdict"]
    if v:
        _say(f"  Verdict: {v['decision']} (probability {v['probability']:.2f}, {v['method']})")
    for r in st["reviews"]:
        _say(f"  Review by {_clean(r['reviewer'], 200)}: {r['verdict']} (confidence {r['confidence']:.2f})"
             + (f" — {_clean(r['note'], 1000)}" if r["note"] else ""))
    _say()
    _say(f"Claims ({len(letter['claims'])})", "bold")
    for cl in letter["claims"]:
        when = f" [{cl['time_value']}]" if cl["time_value"] else ""
        _say(f"  {cl['id']}. {cl['status']}{when}: {_clean(cl['text'], 2000)}")


def register(app: typer.Typer, eval_app: typer.Typer) -> None:
    """Add `show` (and its long form `dispatch show`) to the CLI."""
    app.command("show")(show)
    noun(app, "dispatch").command("show")(show)
