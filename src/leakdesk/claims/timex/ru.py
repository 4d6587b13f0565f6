"""Russian temporal-expression rules (written for leakdesk).

Convention of the Russian gold set and of these rules: the span leaves out a leading preposition ("в", "на", "к",
"до", "с", "по", "за", "в течение") but keeps "года", "г." and relative words ("прошлого года", "назад", "через").
Inflected forms come from pymorphy3 lexemes (see numbers.py), so every case of a month or ordinal matches.
"""

from __future__ import annotations

import datetime as dt
import re

from . import calendar as cal
from .engine import Clauses, Context, Result, Rule, counted_from_saying, rule
from .numbers import RU_CARDINAL_LEMMAS, _morph, ru_alternation, ru_forms, ru_ordinal, ru_ordinal_regex

RULES: list[Rule] = []

MONTH_LEMMAS = ("январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь", "октябрь",
                "ноябрь", "декабрь")  # fmt: skip
MONTH_FORMS = ru_forms(MONTH_LEMMAS)
MONTH = rf"(?P<mon>{ru_alternation(MONTH_LEMMAS)}|(?:янв|фев|февр|мар|апр|июн|июл|авг|сен|сент|окт|ноя|нояб|дек)\.)(?![а-яё])"  # noqa: E501
ABBREV = {"янв": 1, "фев": 2, "февр": 2, "мар": 3, "апр": 4, "июн": 6, "июл": 7, "авг": 8, "сен": 9, "сент": 9,
          "окт": 10, "ноя": 11, "нояб": 11, "дек": 12}  # fmt: skip
WEEKDAY_LEMMAS = ("понедельник", "вторник", "среда", "четверг", "пятница", "суббота", "воскресенье")
WEEKDAY_FORMS = ru_forms(WEEKDAY_LEMMAS)
WEEKDAY = rf"(?P<wd>{ru_alternation(WEEKDAY_LEMMAS)})(?![а-яё])"
ORD = rf"(?:(?:двадцать|тридцать)\s+)?(?:{ru_ordinal_regex()})"
CARD = ru_alternation(tuple(RU_CARDINAL_LEMMAS))
NUM = rf"(?:\d+|(?:(?:двадцать|тридцать|сорок|пятьдесят)\s+)?(?:{CARD})|несколько|нескольких|пару|пары|пара)"
YEAR_WORD = r"(?:\s*(?:года|году|год|годом|гг?\.|г(?![а-яё])\.?))"
YEAR = rf"(?P<year>(?:1[6-9]|20)\d\d)(?:-(?:м|й|го|ом|ый)(?![а-яё]))?{YEAR_WORD}?"
MOD = r"(?P<mod>начал[оаеу]|кон(?:ец|ц[аеу])|середин[аеуы]|исход[еу])"
MODS = {"начал": "START", "кон": "END", "серед": "MID", "исход": "END"}
REL_YEAR = (r"(?P<rel>прошлого|позапрошлого|минувшего|этого|текущего|нынешнего|следующего|будущего|предыдущего|"
            r"того\s+же)\s+года")
REL = {"прошл": -1, "позапрошл": -2, "минувш": -1, "предыдущ": -1, "эт": 0, "текущ": 0, "нынешн": 0, "следующ": 1, "будущ": 1,  # noqa: E501
       "ближайш": 1, "того": 0}  # fmt: skip
FUTURE_WORDS = re.compile(
    r"(?<![а-яё])(будет|будут|буду|будем|планиру\w*|собира\w*|намечен\w*|запланирова\w*|предстоит|следующ\w*|"
    r"ожида\w*|жд[её]м|жду|ждут|прид[её]т|приедет|состоится|пройд[её]т|начн[её]тся|начнут|намерен\w*|готовит\w*)(?![а-яё])",
    re.IGNORECASE,
)  # fmt: skip
_WORD = re.compile(r"[а-яё]+", re.IGNORECASE)


class _Future:
    """A future cue: one of the words above, or a verb pymorphy3 reads as future tense («пройдут», «начнутся»,
    «перебросят» — perfective verbs have no future auxiliary, so a word list cannot cover them) when no verb of the
    clause is in the past, or a perfective infinitive after a present modal («совет должен собраться», «может
    собраться», «обещает собраться», «нужно сдать»: what is to be done is still to come)."""

    def search(self, window: str) -> bool:
        if FUTURE_WORDS.search(window):
            return True
        morph = _morph()
        tenses = set()
        perfective_infinitive = modal = False
        for word in _WORD.findall(window):
            tag = morph.parse(word)[0].tag
            if tag.POS == "VERB" and tag.tense:
                tenses.add(tag.tense)
            perfective_infinitive = perfective_infinitive or (tag.POS == "INFN" and tag.aspect == "perf")
        if perfective_infinitive and not tenses:
            modal = bool(_MODAL.search(window) or re.search(r"(?<![а-яё])можно(?![а-яё])", window, re.IGNORECASE))
        # "нас предупреждали, что с 24 февраля всё изменится": a future inside past reported speech is in the past
        return tenses == {"futr"} or tenses == {"futr", "pres"} or (perfective_infinitive and (tenses == {"pres"} or modal))  # noqa: E501


FUTURE = _Future()


def has_verb(window: str) -> bool:
    """Whether a clause has a verb of its own with a tense (a finite verb, a gerund, or a participle: «избранный в
    июне» is a past one, though pymorphy3 reads it first as an adjective) or a future cue word."""
    if FUTURE_WORDS.search(window):
        return True
    morph = _morph()
    for word in _WORD.findall(window):
        parses = morph.parse(word)
        if parses[0].tag.POS in ("VERB", "PRTF", "PRTS", "GRND") and parses[0].tag.tense:
            return True
        if any(p.tag.POS in ("PRTF", "PRTS") and p.tag.tense == "past" for p in parses):
            return True
    return False


# Russian writes a comma before every subordinate clause, so commas, colons, dashes and brackets cut the clauses; a
# subordinate one opens with a conjunction or a relative word («что», «который», «как нам сообщили»)
CLAUSES = Clauses(
    cuts=re.compile(r"[,:;()]|\s[-–—]\s"),
    opener=re.compile(r"[\s,:;()–—-]*(?:что|чтобы|котор\w+|когда|если|хотя|пока|где|куда|откуда|как|поскольку|"
                      r"потому|так\s+как|ибо|будто|словно|ли)(?![а-яё])", re.IGNORECASE),
    reported=re.compile(r"[\s,:–—-]*(?:что|будто)(?![а-яё])", re.IGNORECASE),
    has_verb=has_verb,
    has_past=lambda window: any((tag := _morph().parse(w)[0].tag).POS == "VERB" and tag.tense == "past"
                                for w in _WORD.findall(window)),
)
UNIT_FORMS = {**{f: "year" for f in ru_forms(("год",))}, "лет": "year", **{f: "month" for f in ru_forms(("месяц",))},
              **{f: "week" for f in ru_forms(("неделя",))}, **{f: "day" for f in ru_forms(("день",))},
              **{f: "day" for f in ru_forms(("сутки",))}, **{f: "hour" for f in ru_forms(("час",))},
              **{f: "minute" for f in ru_forms(("минута",))}, **{f: "quarter" for f in ru_forms(("квартал",))},
              **{f: "decade" for f in ru_forms(("десятилетие",))}}  # fmt: skip
UNIT_FORMS.pop("гг", None)
UNIT = rf"(?P<unit>{'|'.join(sorted(UNIT_FORMS, key=len, reverse=True))})(?![а-яё])"
CODES = {"year": "Y", "month": "M", "week": "W", "day": "D", "hour": "H", "minute": "M", "quarter": "Q",
         "decade": "DE"}  # fmt: skip


def rel_shift(word: str | None) -> int:
    w = (word or "").lower()
    for stem, n in REL.items():
        if w.startswith(stem):
            return n
    return 0


def month_of(word: str) -> int:
    w = word.lower().rstrip(".")
    if w in ABBREV:
        return ABBREV[w]
    return MONTH_LEMMAS.index(MONTH_FORMS.get(w) or MONTH_FORMS[w.replace("ё", "е")]) + 1


def mod_of(word: str | None) -> str | None:
    if not word:
        return None
    w = word.lower()
    return next((v for k, v in MODS.items() if w.startswith(k)), None)


def ru_year_of(ctx: Context, m: re.Match[str], month: int, day: int | None = None) -> int:
    return ru_year_and_saying(ctx, m, month, day)[0]


def ru_year_and_saying(ctx: Context, m: re.Match[str], month: int, day: int | None = None) -> tuple[int, tuple[int, int] | None]:  # noqa: E501
    """A month (and day) without a year: the coming one when the clause that holds it has a future cue («будет»,
    «планируется», «соберётся»), else the most recent one (letters mostly report what happened; nearest-occurrence
    did worse on the dev set). For a future clause under a saying («нас предупреждали, что с 24 февраля всё
    изменится»), also the part of the sentence that may name the saying's time, to count from instead of the letter."""
    anchor = ctx.need_anchor()
    if day is not None and month == anchor.month:
        return anchor.year, None
    spans, saying = ctx.verb_clause(m)
    if ctx.future_words.search(ctx.text_of(spans)):
        return cal.month_near(anchor, month, 1), saying
    if _near_deadline(ctx, m, anchor, month):
        return cal.month_near(anchor, month, 1), None
    return cal.month_near(anchor, month, -1), None


_DEADLINE = re.compile(r"(?<![а-яё])(?:до|к|ко)\s+$", re.IGNORECASE)
_MODAL = re.compile(r"(?<![а-яё])(?:должен|должн\w*|нужно|надо|необходимо|обязан\w*)(?![а-яё])", re.IGNORECASE)
_PAST = re.compile(r"(?<![а-яё])(?:был|была|было|были)(?![а-яё])", re.IGNORECASE)


def _near_deadline(ctx: Context, m: re.Match[str], anchor: dt.date, month: int) -> bool:
    """A month at most two months ahead read as the coming one when the clause sets a deadline («до 10 января»,
    «к 15 ноября») or an obligation («списки нужно сдать», «группа должна быть готова») and says nothing in the past."""
    ahead = (month - anchor.month) % 12
    if not 1 <= ahead <= 2:
        return False
    text = ctx.text
    left = max(max(text.rfind(c, 0, m.start()) for c in ".;!?\n") + 1, m.start() - 100, 0)
    stops = [p for p in (text.find(c, m.end()) for c in ".;!?\n") if p >= 0]
    clause = text[left : min([*stops, m.end() + 50, len(text)])]
    if _PAST.search(clause):
        return False
    return bool(_DEADLINE.search(text[max(0, m.start() - 4) : m.start()]) or _MODAL.search(clause))


def two_digit(yy: str, ctx: Context) -> int:
    base = ctx.anchor.year if ctx.anchor else dt.date.today().year
    year = (base // 100) * 100 + int(yy)
    return year - 100 if year > base + 10 else year


def date_result(year: int | None, month: int, day: int, flags: list[str] | None = None) -> Result:
    flags = list(flags or [])
    value = f"{'XXXX' if year is None else f'{year:04d}'}-{month:02d}-{day:02d}"
    if not cal.valid_day(2000 if year is None else year, month, day):
        flags.append("invalid-date")
        return Result("DATE", value, flags=flags, note=f"the date {day} {MONTH_LEMMAS[month - 1]} does not exist")
    return Result("DATE", value, flags=flags)


DAY = rf"(?P<day>(?<![\d.,])\d{{1,2}}(?:-?(?:го|е|ое|ого))?|{ORD})"


@rule(RULES, rf"(?<![а-яё]){DAY}\s+{MONTH}(?:\s+(?:{YEAR}|(?P<yy>\d{{2}})(?:-?(?:го|й))?\s+г(?:ода|\.)|{REL_YEAR}))?",
      unresolved=lambda m: f"XXXX-{month_of(m['mon']):02d}-{ru_ordinal(m['day']) or 0:02d}")  # fmt: skip
def day_month(m: re.Match[str], ctx: Context) -> Result | None:
    day = ru_ordinal(m["day"])
    if day is None or day > 31 or day == 0:
        return None
    month = month_of(m["mon"])
    flags: list[str] = []
    if m["year"]:
        year = int(m["year"])
    elif m["yy"]:
        year, flags = two_digit(m["yy"], ctx), ["two-digit-year"]
    elif m["rel"]:
        year = ctx.need_anchor().year + rel_shift(m["rel"])
    else:
        year, saying = ru_year_and_saying(ctx, m, month, day)
        return counted_from_saying(date_result(year, month, day, flags), saying, month, day)
    return date_result(year, month, day, flags)


@rule(RULES, rf"(?<![а-яё])(?:{MOD}\s+)?{MONTH}\s+(?:{YEAR}|{REL_YEAR}|(?P<yy>\d{{2}})(?:-?(?:го|й))?\s+г(?:ода|\.))",
      unresolved=lambda m: f"XXXX-{month_of(m['mon']):02d}")  # fmt: skip
def month_year(m: re.Match[str], ctx: Context) -> Result | None:
    month = month_of(m["mon"])
    flags: list[str] = []
    if m["year"]:
        year = int(m["year"])
    elif m["yy"]:
        year, flags = two_digit(m["yy"], ctx), ["two-digit-year"]
    else:
        year = ctx.need_anchor().year + rel_shift(m["rel"])
    return Result("DATE", cal.month_value(year, month), mod=mod_of(m["mod"]), flags=flags)


@rule(RULES, rf"(?<![а-яё])(?:{MOD}\s+)?(?P<rel>прошл\w+|позапрошл\w+|минувш\w+|следующ\w+|будущ\w+|эт(?:от|ом|ого))\s+{MONTH}",  # noqa: E501
      unresolved=lambda m: f"XXXX-{month_of(m['mon']):02d}")  # fmt: skip
def rel_month(m: re.Match[str], ctx: Context) -> Result | None:
    month = month_of(m["mon"])
    n = rel_shift(m["rel"])
    year = cal.month_near(ctx.need_anchor(), month, {-1: -2, -2: -2, 1: 2}.get(n, 0))
    if n == -2:
        year -= 1
    return Result("DATE", cal.month_value(year, month), mod=mod_of(m["mod"]))


@rule(RULES, rf"(?<![а-яё])(?:{MOD}\s+)?{MONTH}", unresolved=lambda m: f"XXXX-{month_of(m['mon']):02d}")
def bare_month(m: re.Match[str], ctx: Context) -> Result | None:
    if m["mon"].lower() in ("май", "мая") and re.match(r"\s+(?:ли|бы)\b", ctx.text[m.end() :]):
        return None
    month = month_of(m["mon"])
    year, saying = ru_year_and_saying(ctx, m, month)
    return counted_from_saying(Result("DATE", cal.month_value(year, month), mod=mod_of(m["mod"])), saying, month)


@rule(RULES, rf"(?<![\d.,№#$€£/-])(?<![а-яё])(?:{MOD}\s+)?{YEAR}(?![\d%])(?!\s*(?:руб|долл|евро|человек|тонн|км|шт|%))")
def year(m: re.Match[str], ctx: Context) -> Result | None:
    return Result("DATE", m["year"], mod=mod_of(m["mod"]))


@rule(RULES, rf"(?<![\d.,])(?<![а-яё])(?:{MOD}\s+)?(?P<yy>\d{{2}})(?:-?(?:м|й|го|ом|ый))?\s+(?:году|года|год)(?![а-яё])"
             r"|(?<![\w])['’](?P<yy2>\d{2})(?![\d%])")  # fmt: skip
def short_year(m: re.Match[str], ctx: Context) -> Result | None:
    yy = m["yy"] or m["yy2"]
    return Result("DATE", f"{two_digit(yy, ctx):04d}", mod=mod_of(m["mod"]) if m["yy"] else None,
                  flags=["two-digit-year"], note="two-digit year: the century is a guess from the letter's date")


DECADE_WORDS = {"двадцат": 2, "тридцат": 3, "сороков": 4, "пятидесят": 5, "шестидесят": 6, "семидесят": 7,
                "восьмидесят": 8, "девяност": 9, "двухтысячн": 0}  # fmt: skip


@rule(RULES, rf"(?<![а-яё])(?:{MOD}\s+)?(?:(?P<c>1[6-9]|20)?(?P<d>\d)0-?(?:х|е|ых|ые)"
             rf"|(?P<w>двадцат|тридцат|сороков|пятидесят|шестидесят|семидесят|восьмидесят|девяност|двухтысячн)(?:ые|ых|ыми))"
             r"(?:\s+(?:годы|годов|годах|годам|гг\.))?(?![а-яё])")  # fmt: skip
def decade(m: re.Match[str], ctx: Context) -> Result | None:
    if m["w"]:
        d = DECADE_WORDS[m["w"].lower()]
        return Result("DATE", f"20{d}" if d == 0 else f"19{d}", mod=mod_of(m["mod"]))
    century = m["c"] or ("20" if m["d"] in "01" else "19")
    return Result("DATE", f"{century}{m['d']}", mod=mod_of(m["mod"]))


UNIT_REL = r"(?P<u>недел[яиеюь]\w*|месяц\w*|год\w*|квартал\w*|десятилети\w+|век[аеу]?|выходн\w+|полугоди\w+)"


@rule(RULES, rf"(?<![а-яё])(?:{MOD}\s+)?(?P<rel>прошл\w*|позапрошл\w*|минувш\w*|следующ\w*|будущ\w*|эт(?:от|ом|ой|у|ого|и|их)|текущ\w*|"  # noqa: E501
             rf"нынешн\w*|предыдущ\w*|ближайш\w*)\s+{UNIT_REL}(?![а-яё])", unresolved="XXXX-XX")  # fmt: skip
def shifted_unit(m: re.Match[str], ctx: Context) -> Result | None:
    u = m["u"].lower()
    n = rel_shift(m["rel"])
    unit = ("week" if u.startswith("недел") else "month" if u.startswith("месяц") else "quarter" if u.startswith("квартал")  # noqa: E501
            else "decade" if u.startswith("десят") else "century" if u.startswith("век") else "weekend" if u.startswith("выход")  # noqa: E501
            else "half" if u.startswith("полугод") else "year")  # fmt: skip
    if m["rel"].lower().startswith("ближайш") and unit != "weekend":
        return Result("DATE", "FUTURE_REF")
    return Result("DATE", cal.shift(ctx.need_anchor(), unit, n), mod=mod_of(m["mod"]))


@rule(RULES, rf"(?<![а-яё]){MOD}\s+(?P<u>года|месяца|недели|квартала)(?![а-яё])(?!\s+(?:\d|прошл|эт|следующ|текущ|будущ))",  # noqa: E501
      unresolved="XXXX-XX")  # fmt: skip
def mod_current_unit(m: re.Match[str], ctx: Context) -> Result | None:
    unit = {"года": "year", "месяца": "month", "недели": "week", "квартала": "quarter"}[m["u"].lower()]
    return Result("DATE", cal.shift(ctx.need_anchor(), unit, 0), mod=mod_of(m["mod"]))


SEASON_FORMS = {"лето": "SU", "лета": "SU", "лету": "SU", "летом": "SU", "лете": "SU", "зима": "WI", "зимы": "WI",
                "зиме": "WI", "зиму": "WI", "зимой": "WI", "зимою": "WI", "весна": "SP", "весны": "SP", "весне": "SP",
                "весну": "SP", "весной": "SP", "весною": "SP", "осень": "FA", "осени": "FA", "осенью": "FA"}  # fmt: skip  # noqa: E501
SEASON = rf"(?P<s>{'|'.join(sorted(SEASON_FORMS, key=len, reverse=True))})(?![а-яё])"


def winter_year(value_year: int, code: str) -> int:
    """TIMEX3 "2021-WI" is the winter starting in December 2021; Russian "зимой 2021 года" means Jan–Feb 2021,
    i.e. the winter that started in December 2020."""
    return value_year - 1 if code == "WI" else value_year


@rule(RULES, rf"(?<![а-яё])(?:{MOD}\s+)?{SEASON}\s+(?:{YEAR}|{REL_YEAR})", unresolved=lambda m: f"XXXX-{SEASON_FORMS[m['s'].lower()]}")  # noqa: E501
def season_year(m: re.Match[str], ctx: Context) -> Result | None:
    code = SEASON_FORMS[m["s"].lower()]
    year = int(m["year"]) if m["year"] else ctx.need_anchor().year + rel_shift(m["rel"])
    return Result("DATE", f"{winter_year(year, code):04d}-{code}", mod=mod_of(m["mod"]))


@rule(RULES, rf"(?<![а-яё])(?:{MOD}\s+)?(?P<rel>прошл\w+|позапрошл\w+|минувш\w+|следующ\w+|будущ\w+|эт(?:ой|им|у|а|о)|нынешн\w+)\s+{SEASON}",  # noqa: E501
      unresolved=lambda m: f"XXXX-{SEASON_FORMS[m['s'].lower()]}")  # fmt: skip
def rel_season(m: re.Match[str], ctx: Context) -> Result | None:
    from .en import season_shift

    code = SEASON_FORMS[m["s"].lower()]
    anchor = ctx.need_anchor()
    n = rel_shift(m["rel"])
    value = season_shift(anchor, code, n)
    span = cal.interval(value)
    if n == 0 and span and not span[0] <= anchor <= span[1]:  # "этой зимой" said in July: the tense decides
        d = ctx.direction(m)
        if d > 0 and span[1] < anchor or d < 0 and span[0] > anchor:
            value = season_shift(anchor, code, d)
    return Result("DATE", value, mod=mod_of(m["mod"]))


@rule(RULES, rf"(?<![а-яё])(?:{MOD}\s+)?(?P<s>летом|зимой|весной|осенью|лета|зимы|весны|осени)(?![а-яё])(?!\s+\d)",
      unresolved=lambda m: f"XXXX-{SEASON_FORMS[m['s'].lower()]}")  # fmt: skip
def bare_season(m: re.Match[str], ctx: Context) -> Result | None:
    from .en import season_shift

    if m["s"].lower() in ("лета", "зимы", "весны", "осени") and not m["mod"]:
        return None
    anchor = ctx.need_anchor()
    code = SEASON_FORMS[m["s"].lower()]
    value = season_shift(anchor, code, 0)
    span = cal.interval(value)
    n = ctx.direction(m)
    if span and (n > 0 and span[1] < anchor or n < 0 and span[0] > anchor):
        value = season_shift(anchor, code, n)
    return Result("DATE", value, mod=mod_of(m["mod"]))


QUARTER_ORD = {"перв": 1, "втор": 2, "трет": 3, "четв": 4, "i": 1, "ii": 2, "iii": 3, "iv": 4}


def quarter_number(word: str) -> int | None:
    w = word.lower()
    if w[0].isdigit():
        return int(w[0]) if w[0] in "1234" else None
    if w in QUARTER_ORD:
        return QUARTER_ORD[w]
    return next((v for k, v in QUARTER_ORD.items() if k[0] != "i" and w.startswith(k)), None)


@rule(RULES, rf"(?<![а-яё\w])(?:{MOD}\s+)?(?P<q>перв\w+|втор\w+|трет\w+|четв[её]рт\w+|[1-4]-?(?:м|й|го|ом)?|IV|I{{1,3}})\s+"  # noqa: E501
             rf"(?P<unit>квартал\w*|полугоди\w+|половин\w+)(?:\s+(?:{YEAR}|{REL_YEAR}|(?P<that>года)))?(?![а-яё])",
      unresolved="XXXX-QX")  # fmt: skip
def quarter(m: re.Match[str], ctx: Context) -> Result | None:
    q = quarter_number(m["q"])
    if q is None:
        return None
    unit = m["unit"].lower()
    letter = "Q" if unit.startswith("квартал") else "H"
    if letter == "H" and q > 2:
        return None
    if unit.startswith("половин") and not (m["year"] or m["rel"] or m["that"]):
        return None  # "вторая половина дня" and the like are not halves of a year
    if m["year"]:
        year = int(m["year"])
    else:
        year = ctx.need_anchor().year + rel_shift(m["rel"])
    return Result("DATE", f"{year:04d}-{letter}{q}", mod=mod_of(m["mod"]))


@rule(RULES, rf"(?<![а-яё]){DAY}\s+числа(?![а-яё])", unresolved="XXXX-XX-XX")
def day_of_month(m: re.Match[str], ctx: Context) -> Result | None:
    """ "десятого числа": that day of the letter's month (or the next / previous month, by tense)."""
    day = ru_ordinal(m["day"])
    if not day or day > 31:
        return None
    anchor = ctx.need_anchor()
    d = ctx.direction(m)
    month_start = anchor.replace(day=1)
    if d > 0 and day < anchor.day:
        month_start = cal.add_months(month_start, 1)
    elif d < 0 and day > anchor.day:
        month_start = cal.add_months(month_start, -1)
    return date_result(month_start.year, month_start.month, day)
