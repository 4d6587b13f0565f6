"""The campaign the narratives and web tests share: a TV stream written for the tests in which a labelling campaign
("Japanese Nazis") is planted six weeks in, and a letter with one claim about the campaign and one about nothing
monitored."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from textwrap import dedent

from leakdesk.case import Case
from leakdesk.intake.ingest import ingest_paths
from leakdesk.store import tables as t
from leakdesk.store.records import dispatches

START = dt.date(2021, 6, 7)  # a Monday
PLANTED = dt.date(2021, 7, 19)  # a Monday, six weeks in
NEUTRAL = ["Японская делегация приехала в Москву.", "Токио выразил обеспокоенность учениями.",
           "Японские рыбаки пожаловались на задержания шхун."]
NEAR = "Японские историки осуждают нацизм."
HITS = ["Японские нацисты снова угрожают Курилам.", "Ведущий назвал японцев нацистами."]
FILLER = "На Сахалине открылся новый детский сад."

LETTER = dedent("""\
    From: veter@mail.example
    To: desk@example.org
    Subject: Письмо
    Message-ID: <1@mail.example>
    Date: Thu, 17 Mar 2022 23:05:00 +0300
    MIME-Version: 1.0
    Content-Type: text/plain; charset=utf-8

    В июле прошлого года всё и началось. Тогда же телевидение начало называть японцев нацистами.
    """)


def stream_csv(path: Path) -> Path:
    rng = random.Random(4)
    lines = ["date,text,source,url"]
    for i in range(84):
        day = START + dt.timedelta(days=i)
        for j in range(2):
            share = 0.45 if day >= PLANTED else 0.0
            text = rng.choice(HITS) if rng.random() < share else rng.choice(NEUTRAL + [NEAR])
            lines.append(f'{day},"{FILLER} {text}",TV {j},https://tv.example/{i}-{j}')
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


def campaign_letter(case: Case, folder: Path) -> tuple[int, int, int]:
    """The stream added as "tv" and the letter ingested, with its July 2021 date and two claims stored: the one
    about the campaign and one about nothing monitored. Returns the letter's id and the two claims' ids."""
    from leakdesk.narratives.intake import add_stream

    add_stream(case, stream_csv(folder / "tv.csv"), "tv")
    mail = folder / "letter.eml"
    mail.write_text(LETTER, "utf-8")
    ingest_paths(case, [mail], progress=False)
    with case.transaction() as conn:
        (letter,) = dispatches.find(conn, top_level=True)
        text = dispatches.original_text(conn, letter.id)
        assert text is not None
        at = text.content.index("Тогда же")
        conn.execute(t.timex.insert().values(
            dispatch_id=letter.id, text_id=text.id, start_char=0, end_char=19, surface="В июле прошлого года",
            type="DATE", value="2021-07", interval_start=dt.date(2021, 7, 1), interval_end=dt.date(2021, 7, 31),
            anchor=dt.date(2022, 3, 17), anchor_source="letter-date", flags=[], version="t", created=letter.ingested))
        ids = [conn.execute(t.claim.insert().values(
            dispatch_id=letter.id, text_id=text.id, start_char=start, end_char=end,
            text=text.content[start:end].strip(), actors=[], places=[], anchor_source="letter-date",
            modality="asserted", polarity="positive", flags=[], status="unverified", model_version="t",
            created=letter.ingested)).inserted_primary_key[0]
            for start, end in ((at, len(text.content.rstrip())), (0, at - 1))]
    return letter.id, int(ids[0]), int(ids[1])
