"""Russian relative days, references, offsets ("две недели назад"), durations, weekdays, sets and clock times."""

from __future__ import annotations

import datetime as dt
import re

from . import calendar as cal
from .engine import Context, Result, Rule, rule
from .numbers import ru_number
from .ru import CODES, NUM, UNIT, UNIT_FORMS, WEEKDAY, WEEKDAY_FORMS, WEEKDAY_LEMMAS, date_result, rel_shift, two_digit

RULES: list[Rule] = []

DAYS = {"позавчера": -2, "вчера": -1, "сегодня": 0, "завтра": 1, "послезавтра": 2}
PARTS = {"утром": "MO", "днём": "AF", "днем": "AF", "вечером": "EV", "ночью": "NI"}


@rule(RULES, r"(?<![а-яё])(?P<w>позавчера|вчера|сегодня|завтра|послезавтра)(?:\s+(?P<p>утром|днём|днем|вечером|ночью))?(?![а-яё])",  # noqa: E501
      unresolved="XXXX-XX-XX")  # fmt: skip
def day_word(m: re.Match[str], ctx: Context) -> Result | None:
    d = ctx.need_anchor() + dt.timedelta(days=DAYS[m["w"].lower()])
    if m["p"]:
        return Result("TIME", d.isoformat() + "T" + PARTS[m["p"].lower()])
    return Result("DATE", d.isoformat())


@rule(RULES, r"(?<![а-яё])(?P<p>этим|сегодняшним)\s+(?P<w>утром|вечером)(?![а-яё])|(?<![а-яё])(?P<n>прошлой|этой)\s+ночью(?![а-яё])",  # noqa: E501
      unresolved="XXXX-XX-XX")  # fmt: skip
def this_part(m: re.Match[str], ctx: Context) -> Result | None:
    anchor = ctx.need_anchor()
    if m["n"]:
        d = anchor - dt.timedelta(days=1) if m["n"].lower() == "прошлой" else anchor
        return Result("TIME", d.isoformat() + "TNI")
    return Result("TIME", anchor.isoformat() + "T" + PARTS[m["w"].lower()])


REFS = {"сейчас": "PRESENT_REF", "теперь": "PRESENT_REF", "ныне": "PRESENT_REF", "нынче": "PRESENT_REF",
        "настоящее время": "PRESENT_REF", "данный момент": "PRESENT_REF", "настоящий момент": "PRESENT_REF",
        "текущий момент": "PRESENT_REF", "недавно": "PAST_REF", "прошлом": "PAST_REF", "будущем": "FUTURE_REF",
        "скоро": "FUTURE_REF", "вскоре": "FUTURE_REF", "ближайшее время": "FUTURE_REF", "в последнее время": "PAST_REF",
        "последнее время": "PAST_REF", "на днях": "PAST_REF"}  # fmt: skip


@rule(RULES, r"(?<![а-яё])(?P<t>сейчас|теперь|ныне|нынче|недавно|скоро|вскоре|настоящее\s+время|данный\s+момент|"
             r"настоящий\s+момент|текущий\s+момент|ближайшее\s+время|последнее\s+время|на\s+днях|"
             r"(?<=в\s)прошлом|(?<=в\s)будущем)(?![а-яё])")  # fmt: skip
def reference(m: re.Match[str], ctx: Context) -> Result | None:
    word = re.sub(r"\s+", " ", m["t"].lower())
    return Result("DATE", REFS[word])


def unit_of(word: str) -> str:
    return UNIT_FORMS[word.lower()]


def offset_value(anchor: dt.date, unit: str, n: int) -> str | None:
    if unit in ("hour", "minute"):
        return anchor.isoformat()
    if unit == "day":
        return (anchor + dt.timedelta(days=n)).isoformat()
    if unit == "week":
        return cal.week_value(anchor + dt.timedelta(weeks=n))
    if unit == "month":
        d = cal.add_months(anchor, n)
        return cal.month_value(d.year, d.month)
    if unit == "quarter":
        return cal.shift(anchor, "quarter", n)
    if unit == "year":
        return f"{anchor.year + n:04d}"
    if unit == "decade":
        return f"{(anchor.year + 10 * n) // 10:03d}"
    return None


HALF = r"(?P<half>полгода|полугода|полтора\s+года|полутора\s+лет|полтора\s+месяца|полутора\s+месяцев)"
HALF_VALUES = {"полгода": ("month", 6), "полугода": ("month", 6), "полтора года": ("month", 18),
               "полутора лет": ("month", 18), "полтора месяца": ("week", 6), "полутора месяцев": ("week", 6)}  # fmt: skip  # noqa: E501


def amount(m: re.Match[str]) -> tuple[str, int | None]:
    """(unit, n) of a NUM UNIT or a HALF match; n None for "несколько"."""
    if m["half"]:
        return HALF_VALUES[re.sub(r"\s+", " ", m["half"].lower())]
    unit = unit_of(m["unit"])
    if not m["n"]:
        return unit, 1
    return unit, ru_number(m["n"])


@rule(RULES, rf"(?<![а-яё])(?:(?:{NUM.replace('(?:', '(?P<n>', 1)})\s+)?(?:{UNIT}|{HALF})\s+(?:тому\s+)?назад(?![а-яё])",  # noqa: E501
      unresolved="XXXX-XX-XX")  # fmt: skip
def ago(m: re.Match[str], ctx: Context) -> Result | None:
    unit, n = amount(m)
    if n is None:
        return Result("DATE", "PAST_REF")
    return Result("DATE", offset_value(ctx.need_anchor(), unit, -n) or "PAST_REF")


@rule(RULES, rf"(?<![а-яё])через\s+(?:(?:{NUM.replace('(?:', '(?P<n>', 1)})\s+)?(?:{UNIT}|{HALF})(?![а-яё])",
      unresolved="XXXX-XX-XX")  # fmt: skip
def later(m: re.Match[str], ctx: Context) -> Result | None:
    unit, n = amount(m)
    if n is None:
        return Result("DATE", "FUTURE_REF")
    return Result("DATE", offset_value(ctx.need_anchor(), unit, n) or "FUTURE_REF")


APPROX = {"около": "APPROX", "почти": "LESS_THAN", "более": "MORE_THAN", "больше": "MORE_THAN", "свыше": "MORE_THAN",
          "менее": "LESS_THAN", "меньше": "LESS_THAN", "не менее": "EQUAL_OR_MORE", "не более": "EQUAL_OR_LESS",
          "примерно": "APPROX", "порядка": "APPROX", "до": "EQUAL_OR_LESS"}  # fmt: skip


def duration_value(unit: str, n: int | None) -> str:
    q = "X" if n is None else str(n)
    if unit == "decade":
        return "PXY" if n is None else f"P{n * 10}Y"
    if unit in ("hour", "minute"):
        return f"PT{q}{CODES[unit]}"
    return f"P{q}{CODES[unit]}"


@rule(RULES, rf"(?<![а-яё])(?:(?P<q>около|почти|более|больше|свыше|менее|меньше|не\s+менее|не\s+более|примерно|порядка)\s+)?"  # noqa: E501
             rf"(?:(?P<lead>последн\w+|ближайш\w+|первы[ейх]|следующи[ейх])\s+)?"
             rf"(?:(?:{NUM.replace('(?:', '(?P<n>', 1)})\s+{UNIT}|{HALF})(?![а-яё])")  # fmt: skip
def duration(m: re.Match[str], ctx: Context) -> Result | None:
    unit, n = amount(m)
    if not m["half"] and m["n"] and m["n"].isdigit() and unit == "year" and m["unit"].lower() in ("году", "года", "год"):  # noqa: E501
        return None  # "в 21 году" is a year, not a duration
    r = Result("DURATION", duration_value(unit, n))
    if m["q"]:
        r.mod = APPROX.get(re.sub(r"\s+", " ", m["q"].lower()))
    return r


PLURAL_UNITS = ("лет", "годы", "годов", "годах", "месяцев", "недель", "дней", "месяцы", "недели", "дни", "месяца")


@rule(RULES, rf"(?<![а-яё])(?:в\s+течение|на\s+протяжении)\s+(?P<t>(?:всего\s+|целого\s+|целой\s+)?{UNIT})")
def single_unit_duration(m: re.Match[str], ctx: Context) -> Result | None:
    word = m["unit"].lower()
    n = None if word in PLURAL_UNITS and word not in ("недели", "месяца") else 1
    return Result("DURATION", duration_value(unit_of(word), n))


@rule(RULES, rf"(?<![а-яё])за\s+(?P<t>(?:последн\w+|прошедш\w+)\s+{UNIT})")
def last_units(m: re.Match[str], ctx: Context) -> Result | None:
    word = m["unit"].lower()
    return Result("DURATION", duration_value(unit_of(word), None if word in PLURAL_UNITS else 1))


@rule(RULES, rf"(?<![а-яё])(?:(?P<rel>прошл\w+|минувш\w+|следующ\w+|эт(?:от|у|ой)|ближайш\w+|будущ\w+)\s+)?{WEEKDAY}",
      unresolved=lambda m: f"XXXX-WXX-{WEEKDAY_LEMMAS.index(WEEKDAY_FORMS[m['wd'].lower()]) + 1}")  # fmt: skip
def weekday(m: re.Match[str], ctx: Context) -> Result | None:
    wd = WEEKDAY_LEMMAS.index(WEEKDAY_FORMS[m["wd"].lower()])
    before = ctx.text[max(0, m.start() - 4) : m.start()].lower()
    if before.endswith("по ") and m["wd"].lower().endswith(("ам", "ям")):
        return None  # "по понедельникам" is a set
    anchor = ctx.need_anchor()
    n = rel_shift(m["rel"]) if m["rel"] else None
    direction = {-1: -2, 1: 2, 0: 1 if wd >= anchor.weekday() else -1}.get(n, ctx.direction(m)) if n is not None else ctx.direction(m)  # noqa: E501
    return Result("DATE", cal.weekday_near(anchor, wd, direction).isoformat())


SET_UNITS = {"день": "P1D", "неделю": "P1W", "месяц": "P1M", "год": "P1Y", "квартал": "P3M", "сутки": "P1D",
             "час": "PT1H", "утро": "XXXX-XX-XXTMO", "вечер": "XXXX-XX-XXTEV", "ночь": "XXXX-XX-XXTNI"}  # fmt: skip
SET_ADVERBS = {"ежедневно": "P1D", "еженедельно": "P1W", "ежемесячно": "P1M", "ежегодно": "P1Y",
               "ежеквартально": "P3M", "ежечасно": "PT1H", "по утрам": "XXXX-XX-XXTMO", "по вечерам": "XXXX-XX-XXTEV",
               "по ночам": "XXXX-XX-XXTNI", "по выходным": "XXXX-WXX-WE"}  # fmt: skip


@rule(RULES, r"(?<![а-яё])(?P<a>ежедневно|еженедельно|ежемесячно|ежегодно|ежеквартально|ежечасно|по\s+утрам|"
             r"по\s+вечерам|по\s+ночам|по\s+выходным)(?![а-яё])")  # fmt: skip
def set_adverb(m: re.Match[str], ctx: Context) -> Result | None:
    return Result("SET", SET_ADVERBS[re.sub(r"\s+", " ", m["a"].lower())])


@rule(RULES, rf"(?<![а-яё])(?:кажд(?:ый|ую|ое|ые|ого|ой)|раз\s+в)\s+(?:(?P<n>\d+|{NUM})\s+)?"
             rf"(?:(?P<u>день|неделю|месяц|год|квартал|сутки|час|утро|вечер|ночь|дня|недели|месяца|года|дней|недель|месяцев|лет)|{WEEKDAY})(?![а-яё])")  # fmt: skip  # noqa: E501
def set_every(m: re.Match[str], ctx: Context) -> Result | None:
    if m["wd"]:
        return Result("SET", f"XXXX-WXX-{WEEKDAY_LEMMAS.index(WEEKDAY_FORMS[m['wd'].lower()]) + 1}")
    u = m["u"].lower()
    if m["n"]:
        n = ru_number(m["n"])
        return Result("SET", duration_value(UNIT_FORMS.get(u, "day"), n))
    return Result("SET", SET_UNITS.get(u, duration_value(UNIT_FORMS.get(u, "day"), 1)))


@rule(RULES, rf"(?<![а-яё])по\s+{WEEKDAY}")
def set_weekdays(m: re.Match[str], ctx: Context) -> Result | None:
    if not m["wd"].lower().endswith(("ам", "ям")):
        return None
    return Result("SET", f"XXXX-WXX-{WEEKDAY_LEMMAS.index(WEEKDAY_FORMS[m['wd'].lower()]) + 1}")


CLOCK_PARTS = {"утра": 0, "дня": 12, "вечера": 12, "ночи": 0}


@rule(RULES, r"(?<![\d:.])(?P<h>[01]?\d|2[0-3]):(?P<mi>[0-5]\d)(?![\d:])(?:\s*(?:по\s+московскому\s+времени|мск|МСК))?"
             r"|(?<=\bв\s)(?P<h2>[01]?\d|2[0-3])\.(?P<mi2>[0-5]\d)(?![\d.])"
             r"|(?<![\d])(?P<h3>\d{1,2})\s+час(?:а|ов)?\s+(?P<p>утра|дня|вечера|ночи)(?![а-яё])"
             r"|(?<![а-яё])(?P<noon>полдень|полночь|полдня)(?![а-яё])", unresolved=lambda m: "XXXX-XX-XXT" + clock(m))  # fmt: skip  # noqa: E501
def clock_time(m: re.Match[str], ctx: Context) -> Result | None:
    if m["noon"] == "полдня":
        return None
    day = ctx.need_anchor()
    before = ctx.text[max(0, m.start() - 22) : m.start()].lower()
    if rm := re.search(r"(позавчера|вчера|сегодня|завтра|послезавтра)\s+(?:в\s+)?$", before):
        day = day + dt.timedelta(days=DAYS[rm[1]])
    return Result("TIME", day.isoformat() + "T" + clock(m))


def clock(m: re.Match[str]) -> str:
    if m["noon"]:
        return "12:00" if m["noon"].lower() == "полдень" else "24:00"
    if m["h"]:
        return f"{int(m['h']):02d}:{m['mi']}"
    if m["h2"]:
        return f"{int(m['h2']):02d}:{m['mi2']}"
    h = int(m["h3"]) % 12 + CLOCK_PARTS[m["p"].lower()]
    return f"{h:02d}:00"


@rule(RULES, r"(?<![\d.])(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4}|\d{2})(?:\s*г(?:ода|\.)?)?(?!\d|\.\d)")
def numeric_date(m: re.Match[str], ctx: Context) -> Result | None:
    day, month = int(m["d"]), int(m["m"])
    if month > 12 or month == 0 or day == 0:
        return None
    flags: list[str] = []
    if len(m["y"]) == 2:
        year, flags = two_digit(m["y"], ctx), ["two-digit-year"]
    else:
        year = int(m["y"])
    return date_result(year, month, day, flags)


@rule(RULES, r"(?<![а-яё])(?P<h>Рождеств[оауе]|Д(?:ень|ня|ню|нём|нем)\s+[Пп]обеды|Нов(?:ый|ого|ому|ом)\s+год(?:а|у|ом)?)"  # noqa: E501
             r"(?:\s+(?P<year>\d{4})(?:\s*(?:года|г\.?))?)?(?![а-яё])", flags=0, unresolved="XXXX-XX-XX")  # fmt: skip
def holiday(m: re.Match[str], ctx: Context) -> Result | None:
    h = m["h"].lower()
    year = int(m["year"]) if m["year"] else ctx.need_anchor().year
    if not m["year"] and h.startswith("нов") and ctx.need_anchor().month == 12 and ctx.direction(m) > 0:
        year += 1  # "к Новому году", written in December: the coming one
    if h.startswith("рождеств"):
        return Result("DATE", f"{year:04d}-01-07")
    if "побед" in h:
        return Result("DATE", f"{year:04d}-05-09")
    return Result("DATE", f"{year:04d}-01-01")



@rule(RULES, r"(?<![а-яё])(?P<q>около|почти|более|больше|свыше|менее|меньше|не\s+менее|не\s+более|примерно|порядка)\s+"
             r"(?P<u>года|месяца|недели|суток|дня|часа)(?![а-яё])(?!\s+(?:назад|\d))")  # fmt: skip
def about_one_unit(m: re.Match[str], ctx: Context) -> Result | None:
    """ «больше года», «почти месяца»: one unit with a quantifier."""
    unit = {"года": "year", "месяца": "month", "недели": "week", "суток": "day", "дня": "day", "часа": "hour"}[m["u"].lower()]  # noqa: E501
    return Result("DURATION", duration_value(unit, 1), mod=APPROX.get(re.sub(r"\s+", " ", m["q"].lower())))


@rule(RULES, r"(?<![\d:])(?P<h>\d{1,2})\s+(?P<p>утра|вечера|ночи)(?![а-яё])|(?<![\d:])(?P<h2>\d{1,2})\s+(?:часов\s+)?дня(?![а-яё])",  # noqa: E501
      unresolved="XXXX-XX-XXTXX:XX")  # fmt: skip
def hour_of_day(m: re.Match[str], ctx: Context) -> Result | None:
    """ «в 6 утра», «в 9 вечера», «в 3 дня»."""
    h = int(m["h"] or m["h2"])
    part = (m["p"] or "дня").lower()
    if h > 12 or h == 0:
        return None
    before = ctx.text[max(0, m.start() - 3) : m.start()].lower()
    if not before.endswith(("в ", "к ", "до ")):
        return None  # "5 дня" without a preposition is usually a count of days
    hour = h % 12 + (12 if part in ("вечера", "дня") else 0)
    if part == "ночи" and h >= 9:
        hour = h % 12 + 12
    return Result("TIME", f"{ctx.need_anchor().isoformat()}T{hour:02d}:00")
