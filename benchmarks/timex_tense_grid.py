"""Temporal expressions: whether a weekday, a date or a period goes the way its clause's tense says, on a grid of
sentences of our own (no TempEval-3 text).

    PYTHONPATH=src .venv/bin/python benchmarks/timex_tense_grid.py [--show]

Each frame is a clause that tells of the past ("The minister met rebels {x}.") or of what is to come ("The talks
will be {participle} {x}.", "The minister said he would {verb} {x}."), filled with one of 15 expressions (weekdays,
a weekday with a part of day, months, days of a month, a season, a quarter, Christmas) and dated by a letter of
Thursday 20 October 2022. A sentence fails when an expression found lands on the wrong side of the letter, or none is
found. It prints the failures per frame family and their total; `--show` prints the failing sentences. The grid
checks general grammar that TempEval-3's tune part holds too few cases of to judge (session 11, BENCHMARKS.md).
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
from collections import Counter

from leakdesk.claims.timex import find_timexes

LETTER = dt.date(2022, 10, 20)
EXPRESSIONS = ["on Tuesday", "Tuesday", "on Monday", "Sunday", "in June", "in March", "on June 5", "on March 3",
               "in the spring", "in the first quarter", "at Christmas", "in July", "on Aug. 30", "Monday morning",
               "on Tuesday night"]  # fmt: skip
VERBS = [("meet", "met", "held"), ("arrive", "arrived", "resumed"), ("leave", "left", "held"),
         ("speak", "spoke", "opened")]  # fmt: skip
PAST = ["The minister {past} {x}.", "The minister had {past} {x}.", "The talks were {pp} {x}.",
        "Officials said the minister {past} {x}.", "The minister, who {past} {x}, declined to comment.",
        "The minister {past} {x}, officials said.", "Witnesses said the blast occurred {x}.",
        "The rebels attacked the town {x}, killing 12 people.", "The minister was meeting rebels {x}.",
        "The minister didn't meet rebels {x}.", "Talks between the two sides broke down {x}."]  # fmt: skip
FUTURE = ["The minister will {verb} {x}.", "The talks will be {pp} {x}.", "The minister is to {verb} {x}.",
          "The minister plans to {verb} {x}.", "The minister is expected to {verb} {x}.",
          "Officials said the minister will {verb} {x}.", "The talks are scheduled to be {pp} {x}.",
          "The minister said he would {verb} {x}.", "The minister, who will {verb} {x}, declined to comment.",
          "The talks, to be {pp} {x}, matter.", "The minister won't {verb} {x}.", "The minister hopes to {verb} {x}.",
          "The minister intends to {verb} {x}.", "The minister is likely to {verb} {x}.",
          "The minister may {verb} {x}.", "The hostages must be freed {x}.",
          "The hostages will be freed {x}, officials said."]  # fmt: skip


def side(value: str) -> int | None:
    """-1 when the value lies before the letter, +1 after, 0 on its day or quarter, None when it has no date."""
    try:
        if "-Q" in value:
            year, q = value.split("-Q")
            day = dt.date(int(year), 3 * int(q[0]) - 1, 15)
        elif value[5:7] in ("SP", "SU", "FA", "WI"):
            day = dt.date(int(value[:4]), {"SP": 4, "SU": 7, "FA": 10, "WI": 1}[value[5:7]], 15)
        elif len(value) >= 10:
            day = dt.date.fromisoformat(value[:10])
        else:
            day = dt.date(int(value[:4]), int(value[5:7]), 15)
    except ValueError:
        return None
    return -1 if day < LETTER else (1 if day > LETTER else 0)


def failures() -> list[tuple[str, str, list[tuple[str, str]]]]:
    out = []
    for want, frames in ((-1, PAST), (1, FUTURE)):
        for frame, (verb, past, pp), x in itertools.product(frames, VERBS, EXPRESSIONS):
            sentence = frame.format(verb=verb, past=past, pp=pp, x=x)
            found = find_timexes(sentence, "en", LETTER)
            sides = [side(t.value) for t in found]
            if not found or any(s is not None and s not in (0, want) for s in sides):
                out.append((frame, sentence, [(t.text, t.value) for t in found]))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--show", action="store_true", help="print the failing sentences")
    args = ap.parse_args()
    failed = failures()
    total = (len(PAST) + len(FUTURE)) * len(VERBS) * len(EXPRESSIONS)
    for frame, n in sorted(Counter(f for f, _, _ in failed).items(), key=lambda kv: -kv[1]):
        print(f"{n:4}  {frame}")
    print(f"failed {len(failed)} of {total} sentences")
    if args.show:
        for _, sentence, found in failed:
            print(sentence, "=>", found)


if __name__ == "__main__":
    main()
