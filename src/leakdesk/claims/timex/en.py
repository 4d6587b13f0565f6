"""English temporal-expression rules (written for leakdesk; TIMEX3 conventions, TimeBank-style spans)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from . import calendar as cal
from .engine import Clauses, Context, Result, Rule, SentenceEnd, counted_from_saying, rule
from .numbers import EN_ORDINAL, en_ordinal

RULES: list[Rule] = []

MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4, "may": 5,
    "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9, "sept": 9, "sep": 9,
    "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}  # fmt: skip
MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December|"
    r"Jan\.?|Feb\.?|Mar\.|Apr\.?|Jun\.?|Jul\.?|Aug\.?|Sept?\.?|Oct\.?|Nov\.?|Dec\.?)"
)
WEEKDAYS = {"monday": 0, "tuesday": 1, "wednesday": 2, "thursday": 3, "friday": 4, "saturday": 5, "sunday": 6}
WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
SEASONS = {"spring": "SP", "summer": "SU", "fall": "FA", "autumn": "FA", "winter": "WI"}
SEASON = r"(?:spring|summer|fall|autumn|winter)"
PARTS = {"morning": "MO", "afternoon": "AF", "evening": "EV", "night": "NI", "overnight": "NI"}
PART = r"(?:morning|afternoon|evening|night)"
UNITS = {
    "second": "S", "minute": "M", "hour": "H", "day": "D", "week": "W", "weekend": "WE", "month": "M",
    "quarter": "Q", "year": "Y", "decade": "DE", "century": "CE", "centurie": "CE",
}  # fmt: skip
UNIT = r"(?:second|minute|hour|day|week|month|quarter|year|decade|centur(?:y|ie))"
YEAR = r"(?:1[6-9]\d\d|20\d\d)"
# a year read out in words, as broadcast transcripts write it ("nineteen ninety-four"); `year_number` reads it
SPOKEN_YEAR = (r"(?:(?:eighteen|nineteen)[- ](?:ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|"
               r"eighteen|nineteen|(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:[- ](?:one|two|three|"
               r"four|five|six|seven|eight|nine))?)\b(?![- ](?:hundred|thousand|percent|dollars)))")  # fmt: skip
# a year after a month or a season: in digits, or in words
YEAR_AFTER = rf"(?:{YEAR}|{SPOKEN_YEAR})"
NOT_NUM_BEFORE = r"(?<![\d$£€.,/:#№-])"
NOT_NUM_AFTER = r"(?![\d%]|,\d|\.\d|-\d)"
# future cues in the clause; chosen on TempEval-3 training (tune split): wider lists ("would", "by", "next") hurt.
# "would" counts only as the future of a saying ("said he would speak Tuesday"), "is to" as a plan ("is to meet in
# the spring", not "is to blame"), and "to be" with a participle after a comma ("the talks, to be resumed Tuesday")
FUTURE = re.compile(r"\b(will|'ll|shall|going to|scheduled|to be held|is due|are due|set to|expected to|expects? to|"
                    r"plans? to|planning to|(?:is|are)\s+to(?!\s+blame)|won't|(?:hopes?|intends?|aims?|wants?) to|"
                    r"(?:is|are) likely to|would like to|(?-i:may|must|should|can)(?:\s+not)?\s+(?!have\b|not\b)[a-z]+|"
                    r"(?:said|says|told\s+\w+|announced|added|promised|predicted|warned)\s+(?:that\s+)?"
                    r"(?:[\w']+\s+){0,3}?would|(?<=,\s)to\s+be\s+(?:held|\w+ed))\b", re.I)
# past-tense verbs: a regular "-ed" form, or a common irregular past (not a participle-only form like "gone")
PAST = re.compile(r"\b(?:was|were|had|did|(?:was|were|had|did)n['’]t|said|told|made|took|came|went|got|gave|began|"
                  r"became|bought|sold|paid|met|left|lost|won(?!['’]t)|saw|knew|thought|found|held|led|fell|rose|"
                  r"brought|sent|spent|built|wrote|ran|stood|felt|kept|struck|fought|caught|sought|chose|drove|flew|"
                  r"grew|threw|broke|spoke|stole|fled|"
                  r"(?!(?:ne|inde|proce|exce|succe|spe|fe|bre|ble|gre|hundr|s|b|r|w|schedul|plann|expect|"
                  r"intend|slat)ed\b)[a-z]{2,}ed)\b")
# the end of a sentence: ";", "!", "?", a line break, or a period before a space or the end, unless it closes an
# abbreviation ("vs.", "Ala.", "Inc.", "Jan.", an initial as in "U.S." or "John F. Kennedy"); a decimal point is none
ABBREVIATIONS = ("Mr|Mrs|Ms|Dr|Prof|St|Mt|Ft|vs|Inc|Corp|Co|Ltd|Bros|Jr|Sr|Gov|Sen|Rep|Gen|Col|Lt|Sgt|Capt|Adm|Rev|"
                 "No|Nos|approx|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec|Mon|Tue|Wed|Thu|Fri|Sat|Sun|Ala|Ariz|"
                 "Ark|Calif|Colo|Conn|Del|Fla|Ga|Ill|Ind|Kan|Ky|La|Md|Mass|Mich|Minn|Miss|Mo|Mont|Neb|Nev|Okla|Ore|Pa|"
                 "Tenn|Tex|Va|Vt|Wash|Wis|Wyo|[A-Z]")  # fmt: skip
SENTENCE_END = SentenceEnd(ABBREVIATIONS)
# the words that open a subordinate clause; a clause also ends at a comma, a colon, a dash or a bracket
SUBORDINATORS = (r"that|which|who|whom|whose|because|although|though|while|whereas|unless|if|when|where|after|"
                 r"before|until|once")
# verbs that show a clause has a tense of its own, besides the future cues and past-tense forms: modals and the
# present of "be", "have" and "do" ("that in January the board is meeting", "that it would meet in January")
OWN_VERB = re.compile(r"\b(?:would|could|might|should|must|can|(?-i:may)|is|are|am|has|have|does|do)\b", re.I)
# a deadline or a start ("extended through January", "effective Feb. 1") or a conditional keeps the near reading
FORWARD_BEFORE = re.compile(r"\b(?:through|until|till|by|effective|payable|due|before|to)\s+$", re.I)
# a verb in the present tense naming a scheduled event just before a weekday or a month: "talks resume Monday", "the
# ministers are to meet Sunday", "the court hears the appeal in June" (news and letters write a coming event so)
SCHEDULED_PRESENT = re.compile(
    r"\b(?:(?:is|are)\s+(?:to(?!\s+blame)|due|set)\b[^.;]{0,30}|(?:is|are)(?:\s+(?:expected|scheduled|slated))?|(?:begins?|starts?|opens?|closes?|ends?|resumes?|continues?|"
    r"meets?|leaves?|arrives?|returns?|expires?|takes?\s+effect|plays?|visits?|travels?|heads?|goes|comes?|faces?|"
    r"hosts?|hears?|sits?|votes?|decides?|rules?|holds?|convenes?|reopens?|reconvenes?|kicks?\s+off|launch(?:es)?|testif(?:y|ies)|"
    r"appears?|sails?|flies|fly|departs?|signs?|announces?|addresses|debates?|celebrates?|releases?|takes?\s+place|"
    r"gets?\s+under\s+way|elects?))\s+(?:[a-z]+ly\s+)?(?P<object>(?:the|a|an|its|their|his|her)\s+"
    r"(?:[\w'-]+\s+){1,2}?|(?-i:[A-Z][\w'-]+)\s+|in\s+(?-i:[A-Z][\w'-]+)\s+)?(?:(?:on|in|again|until|by)\s+)?$", re.I)
# words that put the day or month after the moment of writing whatever the tense: "as soon as Tuesday", "as early as
# March", "postponed until Monday", "put off until next week" (a thing moved to a later day is still to come)
LATER_THAN_NOW = re.compile(
    r"\b(?:as\s+(?:soon|early)\s+as|(?:postponed|delayed|deferred|adjourned|recessed|rescheduled|put\s+off|"
    r"pushed\s+back|held\s+over)\s+(?:\w+\s+){0,2}?(?:until|till|to|for))\s+(?:on\s+|in\s+)?$", re.I)
# a schedule told in the past ("it had been due to expire Friday", "the vote was set to take place Monday"): the verb
# is an infinitive, not a present tense, so it says nothing about the day being still to come
PAST_SCHEDULE = re.compile(r"\b(?:had|was|were)\s+(?:been\s+)?(?:due|set|scheduled|supposed|expected|planned)\s+to\s+"
                           r"(?:\w+\s+){1,3}?(?:on\s+|in\s+)?$", re.I)
SINCE = re.compile(r"\bsince\s+(?:(?:early|late|mid-?|the\s+(?:start|beginning|end|middle)\s+of)\s*)?$", re.I)
HYPOTHETICAL = re.compile(r"\b(?:would|could|might)\b", re.I)
PAST_BIAS = 2  # months/days a past reading may be farther away than a future one and still win
PAST_BIAS_PAST_TENSE = 6  # the same when the clause has a past-tense verb (chosen on the tune split: 6–7 best)
SHIFT_WORDS = {"last": -1, "past": -1, "previous": -1, "this": 0, "current": 0, "next": 1, "coming": 1,
               "following": 1, "the past": -1, "the last": -1, "the previous": -1, "the next": 1,
               "the coming": 1, "the following": 1, "the current": 0}  # fmt: skip
SHIFT = r"(?:(?:the\s+)?(?:last|past|previous|next|coming|following|current)|this)"
MOD = {"early": "START", "earlier": "START", "late": "END", "later": "END", "mid": "MID", "mid-": "MID",
       "the beginning of": "START", "the start of": "START", "the end of": "END", "the middle of": "MID",
       "the close of": "END", "the first half of": "START", "the second half of": "END"}  # fmt: skip
MODP = r"(?:early|late|mid-?|the (?:beginning|start|end|middle|close) of)"


def month_num(word: str) -> int:
    return MONTHS[word.lower().rstrip(".")]


def unit_key(word: str) -> str:
    w = word.lower().rstrip("s")
    return "century" if w.startswith("centur") else w


def duration(n: float | None, unit: str) -> str:
    """P2W, PT5H, PXY... for n units (None → X)."""
    code = UNITS[unit]
    if n is not None and n != int(n):  # 1.5 years → P18M; 5 1/2 hours → PT5H30M are rarer, keep one decimal
        if code == "Y":
            return f"P{int(n * 12)}M"
        if code == "D":
            return f"PT{int(n * 24)}H"
        if code == "H":
            return f"PT{int(n)}H{int(round((n - int(n)) * 60))}M" if n > 1 else f"PT{int(n * 60)}M"
        if unit == "minute":
            return f"PT{int(n)}M{int(round((n - int(n)) * 60))}S" if n > 1 else f"PT{int(n * 60)}S"
    q = "X" if n is None else str(int(n))
    if code == "DE":
        return "PXY" if n is None else f"P{int(n) * 10}Y"
    if code == "CE":
        return "PXY" if n is None else f"P{int(n) * 100}Y"
    if code == "WE":
        return "PXWE" if n is None else f"P{int(n) * 2}D"
    if code in ("S", "H") or (unit == "minute"):
        return f"PT{q}{code}"
    return f"P{q}{code}"


def mod_of(word: str | None) -> str | None:
    if not word:
        return None
    return MOD.get(re.sub(r"\s+", " ", word.lower().strip()))


def comes_later(ctx: Context, m: re.Match[str]) -> bool:
    """True when the words just before the match put it after the letter: a scheduled present ("talks resume Monday")
    or a move to a later day ("postponed until Tuesday", "as soon as March"), but not a schedule told in the past."""
    before = ctx.text[max(0, m.start() - 60) : m.start()]
    if LATER_THAN_NOW.search(before):
        return True
    scheduled = SCHEDULED_PRESENT.search(before)
    if not scheduled or PAST_SCHEDULE.search(before):
        return False
    # "the court hears the appeal in June", "the ministers meet the press Monday": an object may stand between, but
    # not a verb of its own ("which meets monthly, voted Monday")
    gap = scheduled["object"] or ""
    if not gap:
        return True
    noun_use = re.search(r"\b(?:the|a|an|its|their|his|her|has|have|had)\s+$", before[: scheduled.start()])
    return not (noun_use or PAST.search(gap) or FUTURE.search(gap) or OWN_VERB.search(gap)
                or re.search(r"[,;:]|\b(?:of|from|to|for|at|with|down|up|off|out)\b", gap, re.I))


PARTICIPLE_BEFORE = re.compile(r"\b(?:be|been|being|is|are|am|was|were|get|gets|got)\s+$", re.I)
# an "-ed" word after an article, a possessive or "newly" qualifies a noun ("the newly elected board", "its revised
# plan"): no past tense
ADJECTIVE_BEFORE = re.compile(r"\b(?:the|a|an|its|their|his|her|our|newly)\s+$", re.I)


def tensed(text: str, x: re.Match[str]) -> bool:
    """Not a participle: "will be named", "is expected", "untouched by the crisis", "the newly elected board" carry
    no past tense."""
    before, after = text[max(0, x.start() - 8) : x.start()], text[x.end() : x.end() + 4]
    if not x[0].endswith("ed"):
        # an irregular form after "be" is a passive participle: "will be held Sunday", "is to be sold in May"
        return not PARTICIPLE_BEFORE.search(before)
    return not (PARTICIPLE_BEFORE.search(before) or ADJECTIVE_BEFORE.search(before) or re.match(r"\s+by\b", after))


PAST_PASSIVE_BEFORE = re.compile(r"\b(?:was|were)\s+$", re.I)


def passive_past(text: str, x: re.Match[str]) -> bool:
    """A participle after "was" or "were" stands for the past where it is: "The law was passed in January and will
    be enforced in March" (January goes with "passed", nearer than "will")."""
    return bool(PAST_PASSIVE_BEFORE.search(text[max(0, x.start() - 6) : x.start()]))


def has_verb(window: str) -> bool:
    """Whether a clause shows a tense of its own: a future cue, a past-tense verb or a present auxiliary or modal."""
    return bool(FUTURE.search(window) or OWN_VERB.search(window)
                or any(tensed(window, x) for x in PAST.finditer(window)))  # fmt: skip


CLAUSES = Clauses(
    cuts=re.compile(rf"[,:()]|\s[-–—]{{1,2}}\s|(?<=\s)(?=(?:{SUBORDINATORS})\b)", re.I),
    opener=re.compile(rf"[\s,:()–—-]*(?:{SUBORDINATORS})\b", re.I),
    reported=re.compile(r"[\s,:–—-]*that\b", re.I),
    has_verb=has_verb,
    has_past=lambda window: any(tensed(window, x) for x in PAST.finditer(window)),
)


def past_verb_nearer(ctx: Context, m: re.Match[str], spans: list[tuple[int, int]] | None = None) -> bool:
    """True when a past-tense verb stands nearer the match than every future cue of its clause: "In September, it
    announced plans to buy ...": the month goes with "announced", the plan's future is the verb's object."""
    if spans is None:
        left, right = ctx.clause_bounds(m)
        spans = [(left, m.start()), (m.end(), right)]

    def gap(pattern: re.Pattern[str], keep: Callable[[re.Match[str]], bool]) -> int | None:
        gaps = []
        for a, b in spans:
            for x in pattern.finditer(ctx.text, a, b):
                if keep(x):
                    gaps.append(m.start() - x.end() if x.end() <= m.start() else x.start() - m.end())
        return min(gaps) if gaps else None

    past, future = gap(PAST, lambda x: tensed(ctx.text, x) or passive_past(ctx.text, x)), gap(FUTURE, lambda x: True)
    return past is not None and (future is None or past < future)


def since_before(ctx: Context, m: re.Match[str]) -> bool:
    """ "since January", "ever since Monday": the start of a stretch that reaches the letter, so not after it."""
    return bool(SINCE.search(ctx.text[max(0, m.start() - 20) : m.start()]))


def year_of(ctx: Context, m: re.Match[str], month: int, day: int | None = None) -> int:
    return year_and_saying(ctx, m, month, day)[0]


def year_and_saying(ctx: Context, m: re.Match[str], month: int, day: int | None = None) -> tuple[int, tuple[int, int] | None]:  # noqa: E501
    """The year of a month (and day) written without one, from the tense of the clause that holds it; and, when that
    is a future clause under another ("He said in December that in January the board will meet"), the part of the
    sentence that may name the saying's time, to count from instead of the letter."""
    anchor = ctx.need_anchor()
    if since_before(ctx, m):
        return cal.month_nearest(anchor, month, day, 12), None  # the last such month (or day) up to the letter
    tense, saying = clause_tense(ctx, m)
    if tense > 0:
        return cal.month_near(anchor, month, 1), saying
    if tense < 0:
        # "In January he resigned", in a letter of October: the January before, not the coming one
        return cal.month_nearest(anchor, month, day, PAST_BIAS_PAST_TENSE), None
    return cal.month_nearest(anchor, month, day, PAST_BIAS), None


def clause_tense(ctx: Context, m: re.Match[str]) -> tuple[int, tuple[int, int] | None]:
    """+1 when the clause that holds the match speaks of what is to come ("the board will meet in January", "talks
    resume Monday"), -1 when it tells of the past ("In January he resigned"), 0 when it says neither; and, for a
    future clause under a saying, the part of the sentence that may name the saying's time (see `year_and_saying`)."""
    spans, saying = ctx.verb_clause(m)
    window = ctx.text_of(spans)
    future = bool(ctx.future_words.search(window))
    past_nearer = past_verb_nearer(ctx, m, spans)
    if (future and not past_nearer) or comes_later(ctx, m):
        return 1, (saying if future and not past_nearer else None)
    before = ctx.text[max(0, m.start() - 14) : m.start()]
    # "The bill passed in January and the Senate will ...": the nearer verb decides
    past = (not future and bool(PAST.search(window))) or (future and past_nearer)
    if past and not FORWARD_BEFORE.search(before) and not HYPOTHETICAL.search(window):
        return -1, None
    return 0, None


def date_result(year: int | None, month: int, day: int, mod: str | None = None) -> Result:
    ystr = "XXXX" if year is None else f"{year:04d}"
    value = f"{ystr}-{month:02d}-{day:02d}"
    flags = []
    if not cal.valid_day(2000 if year is None else year, month, day):  # 2000 is a leap year: 29 Feb is fine
        flags.append("invalid-date")
    return Result("DATE", value, mod=mod, flags=flags, note="this date does not exist" if flags else None)


# ---- absolute dates


@rule(RULES, rf"(?:(?P<wd>{WEEKDAY}),?\s+)?(?P<mon>{MONTH})\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(?P<year>{YEAR_AFTER})\b)?",  # noqa: E501
      flags=0, unresolved=lambda m: f"XXXX-{month_num(m['mon']):02d}-{int(m['day']):02d}")  # fmt: skip
def month_day(m: re.Match[str], ctx: Context) -> Result | None:
    month, day = month_num(m["mon"]), int(m["day"])
    if day > 31:
        return None
    if m["year"]:
        return date_result(year_number(m["year"]), month, day)
    year, saying = year_and_saying(ctx, m, month, day)
    return counted_from_saying(date_result(year, month, day), saying, month, day)


@rule(RULES, rf"(?P<mon>{MONTH})\s+(?P<day1>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:and|to|or|through|[–—-])\s+"
             rf"(?P<t>(?P<day>\d{{1,2}})(?:st|nd|rd|th)?)\b(?!\s*(?:percent|%|{MONTH}))(?:,?\s+(?P<year>{YEAR})\b)?",
      flags=0, unresolved=lambda m: f"XXXX-{month_num(m['mon']):02d}-{int(m['day']):02d}")  # fmt: skip
def second_day_of_month(m: re.Match[str], ctx: Context) -> Result | None:
    """ "April 24 and 25": the second day takes the first one's month (and year)."""
    if not int(m["day1"]) < int(m["day"]) <= 31:
        return None
    return month_day(m, ctx)


@rule(RULES, rf"\bthe\s+week\s+of\s+(?P<mon>{MONTH})\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\b"
             rf"(?:,?\s+(?P<year>{YEAR})\b)?",
      flags=0, unresolved="XXXX-WXX")  # fmt: skip
def week_of(m: re.Match[str], ctx: Context) -> Result | None:
    """ "the week of March 6": the ISO week holding that day."""
    month, day = month_num(m["mon"]), int(m["day"])
    year = int(m["year"]) if m["year"] else year_of(ctx, m, month, day)
    if not cal.valid_day(year, month, day):
        return None
    return Result("DATE", cal.week_value(dt.date(year, month, day)))


@rule(RULES, rf"\b(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<mon>{MONTH})(?:,?\s+(?P<year>{YEAR})\b)?",
      flags=0, unresolved=lambda m: f"XXXX-{month_num(m['mon']):02d}-{int(m['day']):02d}")  # fmt: skip
def day_month(m: re.Match[str], ctx: Context) -> Result | None:
    return month_day(m, ctx)


@rule(RULES, rf"\b(?:the\s+)?(?P<ord>{EN_ORDINAL})\s+of\s+(?P<mon>{MONTH})(?:,?\s+(?P<year>{YEAR_AFTER})\b)?", flags=0,
      unresolved=lambda m: f"XXXX-{month_num(m['mon']):02d}")  # fmt: skip
def ordinal_of_month(m: re.Match[str], ctx: Context) -> Result | None:
    day = en_ordinal(m["ord"])
    if day is None or day > 31:
        return None
    month = month_num(m["mon"])
    if m["year"]:
        return date_result(year_number(m["year"]), month, day)
    year, saying = year_and_saying(ctx, m, month, day)
    return counted_from_saying(date_result(year, month, day), saying, month, day)


@rule(RULES, rf"\b(?P<mon>{MONTH})\s+(?:the\s+)?(?P<ord>{EN_ORDINAL})\b(?!\s+(?:quarter|half|time|round))"
             rf"(?:,?\s+(?P<year>{YEAR_AFTER})\b)?", flags=0,
      unresolved=lambda m: f"XXXX-{month_num(m['mon']):02d}")  # fmt: skip
def month_ordinal(m: re.Match[str], ctx: Context) -> Result | None:
    """ "March eighth", "March the 8th": the day spelt as an ordinal after the month (transcribed broadcasts)."""
    return ordinal_of_month(m, ctx)


@rule(RULES, r"\b(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})\b")
def iso_date(m: re.Match[str], ctx: Context) -> Result | None:
    return date_result(int(m["y"]), int(m["m"]), int(m["d"]))


@rule(RULES, r"(?<![\d/])(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<y>\d{4}|\d{2})(?![\d/])")
def us_numeric_date(m: re.Match[str], ctx: Context) -> Result | None:
    month, day = int(m["m"]), int(m["d"])
    if month > 12:
        month, day = day, month
    if month > 12:
        return None
    year, flags = full_year(m["y"], ctx)
    r = date_result(year, month, day)
    r.flags += flags
    return r


def full_year(digits: str, ctx: Context) -> tuple[int, list[str]]:
    """A four-digit year as is; two digits → the century that puts it nearest the anchor (or before it), flagged."""
    if len(digits) == 4:
        return int(digits), []
    yy = int(digits)
    base = ctx.anchor.year if ctx.anchor else dt.date.today().year
    year = (base // 100) * 100 + yy
    if year > base + 10:
        year -= 100
    return year, ["two-digit-year"]


@rule(RULES, rf"(?P<t>(?:(?P<mod>{MODP})\s*)?(?P<mon>{MONTH}),?\s+(?:of\s+)?(?P<year>{YEAR_AFTER}))\b", flags=0)
def month_year(m: re.Match[str], ctx: Context) -> Result | None:
    return Result("DATE", cal.month_value(year_number(m["year"]), month_num(m["mon"])), mod=mod_of(m["mod"]))


@rule(RULES, r"(?:(?P<mod>\b(?:[Ee]arly|[Ll]ate|[Mm]id-?|[Tt]he (?:beginning|start|end|middle) of))\s*)?"
             r"\b(?P<mon>January|February|March|April|May|June|July|August|September|October|November|December|"
             r"Jan\.|Feb\.|Aug\.|Sept\.|Oct\.|Nov\.|Dec\.)(?![\w-])", flags=0,
      unresolved=lambda m: f"XXXX-{month_num(m['mon']):02d}")  # fmt: skip
def bare_month(m: re.Match[str], ctx: Context) -> Result | None:
    if m["mon"] in ("May", "March") and not m["mod"]:
        before = ctx.text[max(0, m.start() - 12) : m.start()].lower()
        after = ctx.text[m.end() : m.end() + 12].lower()
        if not re.search(r"\b(in|of|since|until|by|from|to|during|through|last|next|this|early|late)\s*$", before):
            return None
        if m["mon"] == "May" and re.match(r"\s+(be|have|not|also|well)\b", after):
            return None
    month = month_num(m["mon"])
    year, saying = year_and_saying(ctx, m, month)
    return counted_from_saying(Result("DATE", cal.month_value(year, month), mod=mod_of(m["mod"])), saying, month)


@rule(RULES, rf"\b(?P<mon2>{MONTH})\s+(?:of\s+)?(?P<rel>this|last|next)\s+year\b", flags=re.I,
      unresolved=lambda m: f"XXXX-{month_num(m['mon2']):02d}")  # fmt: skip
def month_of_relative_year(m: re.Match[str], ctx: Context) -> Result | None:
    if not m["mon2"][0].isupper():
        return None
    year = ctx.need_anchor().year + {"last": -1, "next": 1}.get(m["rel"].lower(), 0)
    return Result("DATE", cal.month_value(year, month_num(m["mon2"])))


def sentence_of(ctx: Context, m: re.Match[str]) -> str:
    text = ctx.text
    left = max(text.rfind(". ", 0, m.start()), text.rfind("\n", 0, m.start()), 0)
    right = [p for p in (text.find(". ", m.end()), text.find("\n", m.end())) if p >= 0]
    return text[left : min(right) if right else len(text)]


def financial_quarter_context(ctx: Context, m: re.Match[str]) -> bool:
    """A results story comparing quarters: "a year ago" there means the year-ago quarter."""
    if "quarter" in sentence_of(ctx, m).lower():
        return True
    return bool(re.search(r"\bquarter\b", ctx.text[max(0, m.start() - 400) : m.start()], re.I))


# a period longer than a quarter that a sentence may compare ("In the first nine months, net was ... in the 1988
# period")
YEAR_OR_HALF = re.compile(r"\b(?:months|half|(?:the|full|fiscal|whole|calendar)\s+year)\b", re.I)


@rule(RULES, rf"\b(?:the\s+)?(?P<year>{YEAR})\s+(?:fiscal\s+)?period\b")
def year_period(m: re.Match[str], ctx: Context) -> Result | None:
    """ "the 1988 period": in a results story about a quarter, that quarter of the year named (as "the year-ago
    period" is); beside "the nine months", "the first half" or "the year", the year."""
    sentence = sentence_of(ctx, m)
    if ctx.anchor and not YEAR_OR_HALF.search(sentence) and financial_quarter_context(ctx, m):
        named = re.search(r"\b(first|second|third|fourth)[- ](?:fiscal[- ])?quarter\b", sentence, re.I)
        q = QUARTERS[named[1].lower()] if named else int(cal.shift(ctx.anchor, "quarter", -1)[-1])
        return Result("DATE", f"{m['year']}-Q{q}")
    return Result("DATE", m["year"])


@rule(RULES, rf"\b(?P<shift>last|next|this|past|coming)\s+(?P<mon>{MONTH})(?![\w-])(?!\.?\s*\d)",
      unresolved=lambda m: f"XXXX-{month_num(m['mon']):02d}")  # fmt: skip
def shifted_month(m: re.Match[str], ctx: Context) -> Result | None:
    month = month_num(m["mon"])
    direction = {"last": -2, "past": -2, "next": 2, "coming": 2}.get(m["shift"].lower(), 0)
    return Result("DATE", cal.month_value(cal.month_near(ctx.need_anchor(), month, direction), month))


@rule(RULES, rf"{NOT_NUM_BEFORE}(?:\b(?P<pre>[Ff]iscal|[Tt]he year|[Cc]alendar|[Mm]odel year)\s+)?"
             rf"(?:(?P<mod>\b(?:[Ee]arly|[Ll]ate|[Mm]id-|[Mm]id|[Tt]he (?:beginning|start|end|middle|close) of)\s*)\s*)?"  # noqa: E501
             rf"\b(?P<year>{YEAR})\b{NOT_NUM_AFTER}(?!s\b|'s\b)", flags=0)  # fmt: skip
def year(m: re.Match[str], ctx: Context) -> Result | None:
    after = ctx.text[m.end() : m.end() + 12]
    if re.match(r"\s*(?:percent|%|yen|dollars|shares|people|troops|units|tons|barrels|miles|feet|meters)\b", after, re.I):  # noqa: E501
        return None
    before = ctx.text[max(0, m.start() - 3) : m.start()]
    if before.endswith("No ") or before.endswith("#"):
        return None
    return Result("DATE", m["year"], mod=mod_of(m["mod"]))


# "the late 1970s": TimeBank's extent keeps the article before the modifier (3 of 4 in the tune part)
@rule(RULES, r"(?P<t>(?:\bthe\s+(?=(?:early|late|mid)))?(?:(?P<mod>\b(?:early|late|mid-?))\s*)?(?:the\s+)?"
             r"(?:(?P<c>1[6-9]|20)(?P<d>\d)0|'(?P<s>\d)0)'?s)\b")  # fmt: skip
def decade(m: re.Match[str], ctx: Context) -> Result | None:
    century = m["c"] or "19"
    digit = m["d"] if m["d"] is not None else m["s"]
    return Result("DATE", f"{century}{digit}", mod=mod_of(m["mod"]))


@rule(RULES, rf"\b(?:the\s+)?(?P<ord>{EN_ORDINAL})\s+century\b")
def century(m: re.Match[str], ctx: Context) -> Result | None:
    n = en_ordinal(m["ord"])
    return Result("DATE", f"{n - 1:02d}") if n else None


SEASON_AT = r"(?:(?P<mod>early|late|mid-?)\s*)?"


@rule(RULES, rf"\b{SEASON_AT}(?:the\s+)?(?P<s>{SEASON})\s+(?:of\s+)?(?P<year>{YEAR_AFTER})\b")
def season_year(m: re.Match[str], ctx: Context) -> Result | None:
    return Result("DATE", f"{year_number(m['year']):04d}-{SEASONS[m['s'].lower()]}", mod=mod_of(m["mod"]))


@rule(RULES, rf"\b{SEASON_AT}(?:the\s+)?(?P<s>{SEASON})\s+(?:of\s+)?(?P<rel>this|last|next)\s+year\b",
      unresolved=lambda m: f"XXXX-{SEASONS[m['s'].lower()]}")  # fmt: skip
def season_of_relative_year(m: re.Match[str], ctx: Context) -> Result | None:
    """ "the spring of next year", "summer last year": the season of the year named relative to the letter."""
    year = ctx.need_anchor().year + {"last": -1, "next": 1}.get(m["rel"].lower(), 0)
    return Result("DATE", f"{year:04d}-{SEASONS[m['s'].lower()]}", mod=mod_of(m["mod"]))


def season_shift(anchor: dt.date, code: str, n: int) -> str:
    """This/last/next season: the season containing (or most recently before) the anchor, moved by n."""
    first = {"SP": 3, "SU": 6, "FA": 9, "WI": 12}[code]
    year = anchor.year
    if code == "WI" and anchor.month <= 2:
        year -= 1
    if n < 0 and not (anchor.month >= first + 3 or (code == "WI" and anchor.month in (3, 4, 5))):
        year -= 1  # the season has not ended yet this year, so "last" is last year's
    elif n > 0 and (code != "WI" and anchor.month >= first or code == "WI" and anchor.month == 12):
        year += 1
    return f"{year:04d}-{code}"


@rule(RULES, rf"\b{SEASON_AT}(?P<shift>last|this|next|past|coming)\s+(?P<s>{SEASON})\b",
      unresolved=lambda m: f"XXXX-{SEASONS[m['s'].lower()]}")  # fmt: skip
def shifted_season(m: re.Match[str], ctx: Context) -> Result | None:
    n = SHIFT_WORDS[m["shift"].lower()]
    return Result("DATE", season_shift(ctx.need_anchor(), SEASONS[m["s"].lower()], n), mod=mod_of(m["mod"]))


@rule(RULES, rf"\b{SEASON_AT}(?:the\s+)?(?P<s>spring|summer|autumn|winter)\b(?!\s+(?:of\s+)?(?:\d|olympics|games|camp|school))",  # noqa: E501
      unresolved=lambda m: f"XXXX-{SEASONS[m['s'].lower()]}")  # fmt: skip
def bare_season(m: re.Match[str], ctx: Context) -> Result | None:
    anchor = ctx.need_anchor()
    code = SEASONS[m["s"].lower()]
    n = 1 if ctx.direction(m) > 0 else -1
    this = season_shift(anchor, code, 0)
    span = cal.interval(this)
    if span and (n > 0 and span[1] < anchor or n < 0 and span[0] > anchor):
        this = season_shift(anchor, code, n)
    return Result("DATE", this, mod=mod_of(m["mod"]))


QUARTERS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "1st": 1, "2nd": 2, "3rd": 3, "4th": 4, "final": 4,
            "last": 4}  # fmt: skip


@rule(RULES, r"(?:\b(?:its|their)\s+)?(?P<t>\b(?:(?P<the>the|this year's|last year's|next year's|"
             r"(?:[Ff]iscal\s+)?(?P<y1>\d{4})['’]s)\s+)?"
             r"(?:(?P<ago>year-ago|year-earlier|(?P<y0>\d{4}))\s+)?(?:(?:fiscal|calendar)\s+)?"
             r"(?P<q>first|second|third|fourth|1st|2nd|3rd|4th)[- ](?:fiscal[- ])?quarter"
             r"(?:\s+of\s+(?:(?:fiscal\s+)?(?P<year>\d{4})|(?P<rel>this year|last year|next year)))?)\b",
      unresolved=lambda m: f"{m['year']}-Q{QUARTERS[m['q'].lower()]}" if m["year"] else "XXXX-QX")  # fmt: skip
def quarter(m: re.Match[str], ctx: Context) -> Result | None:
    q = QUARTERS[m["q"].lower()]
    if m["year"] or m["y0"] or m["y1"]:  # "the fourth quarter of 1997", "the 1997 fourth quarter", "1997's fourth …"
        return Result("DATE", f"{m['year'] or m['y0'] or m['y1']}-Q{q}")
    anchor = ctx.need_anchor()
    year = anchor.year
    owner = (m["the"] or "").lower()
    rel = (m["rel"] or "").lower()
    if m["ago"]:
        year = (year if q <= cal.quarter_of(anchor) else year - 1) - 1
    elif "last year" in owner or rel == "last year":
        year -= 1
    elif rel == "next year" or "next year" in owner:
        year += 1
    elif not rel and "this year" not in owner and q > cal.quarter_of(anchor) and ctx.direction(m) < 0:
        if not FORECAST.search(ctx.text_of(ctx.verb_clause(m)[0])):  # "expects a profit in the fourth quarter"
            year -= 1
    elif not rel and "year" not in owner and q < cal.quarter_of(anchor) and coming_period(ctx, m):
        year += 1  # "Sales will rise in the first quarter", in a letter of October: next year's first quarter
    return Result("DATE", f"{year:04d}-Q{q}")


# a forecast in the present tense looks ahead without a future form: "the company expects a profit in the fourth
# quarter", "analysts see a recovery in the second half"
FORECAST = re.compile(r"\b(?:expects?|anticipates?|forecasts?|predicts?|projects?|sees?|targets?)\b", re.I)
IN_PERIOD_BEFORE = re.compile(r"\b(?:in|during|by|until|till|before|from|throughout)\s+$", re.I)


def coming_period(ctx: Context, m: re.Match[str]) -> bool:
    """A quarter or half that its clause puts after the letter: a future clause with the period as its time ("will
    rise in the first quarter", "is to open by the second half"). A period named as an attribute ("will restate its
    first-quarter results", "will report second-half earnings") is one already past."""
    return bool(IN_PERIOD_BEFORE.search(ctx.text, max(0, m.start() - 12), m.start())) and clause_tense(ctx, m)[0] > 0


_QUARTER_RULE = RULES[-1]


@rule(RULES, r"\b(?:the\s+)?(?:(?P<which>latest|last|past|previous|current|next|coming|year-ago|year-earlier|same|this)\s+)?"  # noqa: E501
             r"(?:fiscal\s+)?(?P<unit>quarter|period)\b(?![-\w])", unresolved="XXXX-QX")  # fmt: skip
def relative_quarter(m: re.Match[str], ctx: Context) -> Result | None:
    anchor = ctx.need_anchor()
    which = (m["which"] or "").lower()
    if not which:
        if m["unit"].lower() != "quarter" or not m.group(0).lower().startswith("the"):
            return None
        which = "latest"  # "the quarter" in a results story: the last completed one
    if m["unit"].lower() == "period" and which not in ("latest", "year-ago", "year-earlier"):
        return None
    n = {"latest": -1, "last": -1, "past": -1, "previous": -1, "current": 0, "this": 0, "next": 1, "coming": 1,
         "year-ago": -5, "year-earlier": -5, "same": -5}[which]  # fmt: skip
    if n == -5:  # "the year-ago quarter": a year before the quarter its sentence names, else the last one completed
        return Result("DATE", year_before_named_quarter(ctx, m) or cal.shift(anchor, "quarter", -5))
    return Result("DATE", cal.shift(anchor, "quarter", n))


def year_before_named_quarter(ctx: Context, m: re.Match[str]) -> str | None:
    """ "Sales in the first quarter rose 5% from a year earlier": the same quarter a year before the one the
    sentence names before the match; None when the sentence names none."""
    text = ctx.text
    left = max(text.rfind(". ", 0, m.start()), text.rfind("\n", 0, m.start()), 0)
    named = None
    for q in _QUARTER_RULE.pattern.finditer(text, left, m.start()):
        if not q["ago"]:
            named = q
    result = _QUARTER_RULE.handler(named, ctx) if named else None
    if result is None or not (v := re.fullmatch(r"(\d{4})-Q([1-4])", result.value)):
        return None
    return f"{int(v[1]) - 1:04d}-Q{v[2]}"


@rule(RULES, r"\b(?:the\s+)?(?P<h>first|second|latter|last)\s+half(?:\s+of\s+(?:(?P<year>\d{4})|(?P<rel>this|last|next)\s+year|the\s+year))?\b"  # noqa: E501
             r"(?!\s+(?:an?\s+)?(?:hour|minute|mile|inning|point|dozen|century|decade|of\s+(?:the\s+)?(?:game|match|season|century|decade|\d{3}0s|'\d0s)))",  # noqa: E501
      unresolved=lambda m: f"{m['year']}-H{1 if m['h'].lower() == 'first' else 2}" if m["year"] else "XXXX-HX")  # fmt: skip  # noqa: E501
def half(m: re.Match[str], ctx: Context) -> Result | None:
    h = 1 if m["h"].lower() == "first" else 2
    if m["year"]:
        return Result("DATE", f"{m['year']}-H{h}")
    anchor = ctx.need_anchor()
    year = anchor.year + {"last": -1, "next": 1}.get((m["rel"] or "").lower(), 0)
    if not m["rel"] and "of the year" not in m.group(0).lower():
        this_half = 1 if anchor.month <= 6 else 2
        if h > this_half and clause_tense(ctx, m)[0] < 0 and not FORECAST.search(ctx.text_of(ctx.verb_clause(m)[0])):
            year -= 1  # "Sales were weak in the second half", in a letter of February: last year's second half
        elif h < this_half and coming_period(ctx, m):
            year += 1  # "Sales will recover in the first half", in a letter of September: next year's
    return Result("DATE", f"{year:04d}-H{h}")


@rule(RULES, r"(?<![\w'’])['’](?P<yy>\d{2})\b(?!['’]?s\b|%)")
def apostrophe_year(m: re.Match[str], ctx: Context) -> Result | None:
    """ "'98": a two-digit year; the century is a guess from the anchor, so it is flagged."""
    year, flags = full_year(m["yy"], ctx)
    return Result("DATE", f"{year:04d}", flags=flags, note="two-digit year: the century is a guess from the letter's date")  # noqa: E501


_TEENS = {"ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
          "seventeen": 17, "eighteen": 18, "nineteen": 19}  # fmt: skip
_DECADE_WORDS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
                 "ninety": 90}  # fmt: skip
_ONES = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9}


def year_number(text: str) -> int:
    """A year in digits ("1994") or in words ("nineteen ninety-four", "eighteen sixty-five")."""
    if text.isdigit():
        return int(text)
    words = re.split(r"[- ]+", text.lower())
    century = 1800 if words[0] == "eighteen" else 1900
    if words[1] in _TEENS:
        return century + _TEENS[words[1]]
    return century + _DECADE_WORDS[words[1]] + (_ONES[words[2]] if len(words) > 2 else 0)


@rule(RULES, r"\b(?P<c>eighteen|nineteen)[- ](?:(?P<teen>ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|"
             r"seventeen|eighteen|nineteen)|(?P<tens>twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)"
             r"(?:[- ](?P<one>one|two|three|four|five|six|seven|eight|nine))?)\b(?![- ](?:hundred|thousand|percent|dollars))"  # noqa: E501
             r"|\b(?:the\s+year\s+)(?P<k>two\s+thousand)(?:\s+and\s+(?P<k1>one|two|three|four|five|six|seven|eight|nine))?\b")  # fmt: skip  # noqa: E501
def spoken_year(m: re.Match[str], ctx: Context) -> Result | None:
    """ "nineteen ninety-six" (transcribed broadcasts), "the year two thousand"."""
    if m["k"]:
        return Result("DATE", f"{2000 + _ONES.get((m['k1'] or '').lower(), 0):04d}")
    century = 1800 if m["c"].lower() == "eighteen" else 1900
    if m["teen"]:
        return Result("DATE", f"{century + _TEENS[m['teen'].lower()]}")
    return Result("DATE", f"{century + _DECADE_WORDS[m['tens'].lower()] + _ONES.get((m['one'] or '').lower(), 0)}")


@rule(RULES, r"\b(?:(?P<mod>early|late|mid-?)\s*)?the\s+(?P<d>twenties|thirties|forties|fifties|sixties|seventies|"
             r"eighties|nineties)\b")  # fmt: skip
def decade_words(m: re.Match[str], ctx: Context) -> Result | None:
    digit = _DECADE_WORDS[m["d"].lower()[:-3] + "y"] // 10
    return Result("DATE", f"19{digit}", mod=mod_of(m["mod"]))
