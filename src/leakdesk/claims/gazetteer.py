"""A small built-in gazetteer for the places and bodies of the sample case (Kurils, Sakhalin, Japan, ...).

Each entry lists its names in Russian, English and Japanese (kanji and romaji), plus a pattern for Russian case
forms ("на Итурупе", "Курильских островов"). Written by hand for leakdesk; extend it with `leakdesk alias add`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from leakdesk.claims.aliases import name_key

_N = r"(?:а|я|у|ю|е|ом|ем|ой|ей|ы|и)?"  # noun endings of the singular (and the plural -ы/-и)


@dataclass(frozen=True)
class Place:
    id: str
    type: str  # LOC | ORG
    name: str  # display name (English)
    names: tuple[str, ...]  # every other name, any language
    ru_forms: str = ""  # regex for Russian case forms


GAZETTEER: tuple[Place, ...] = (
    Place("iturup", "LOC", "Iturup", ("Итуруп", "Etorofu", "Etorofu-tō", "Etorofu Island", "Iturup Island",
                                      "остров Итуруп", "択捉島", "択捉"), r"Итуруп" + _N),
    Place("kunashir", "LOC", "Kunashir", ("Кунашир", "Kunashiri", "Kunashir Island", "国後島", "国後"),
          r"Кунашир" + _N),
    Place("shikotan", "LOC", "Shikotan", ("Шикотан", "Shikotan Island", "色丹島", "色丹"), r"Шикотан" + _N),
    Place("habomai", "LOC", "Habomai Islands", ("Хабомаи", "Habomai", "歯舞群島", "歯舞"), r""),
    Place("kuril-islands", "LOC", "Kuril Islands",
          ("Курильские острова", "Курилы", "Kurils", "Kuriles", "Kurile Islands", "Kuril Islands", "Chishima",
           "千島列島", "Курильская гряда"),
          r"Курильск(?:ие|их|им|ими)\s+остров(?:а|ов|ам|ах|ами)|Курил(?:ы|ах|ам|ами)\b|Курильск(?:ая|ой|ую)\s+гряд[аыеу]"),
    Place("yuzhno-kurilsk", "LOC", "Yuzhno-Kurilsk", ("Южно-Курильск", "Yuzhno-Kurilsk", "Yuzhno-Kurilsk town"),
          r"Южно-Курильск" + _N + r"\b"),
    Place("kurilsk", "LOC", "Kurilsk", ("Курильск", "Kurilsk", "Shana", "紗那"), r"(?<![-\w])Курильск(?:а|у|е|ом)?\b"),
    Place("sakhalin", "LOC", "Sakhalin", ("Сахалин", "Sakhalin", "Karafuto", "樺太", "サハリン"), r"Сахалин" + _N),
    Place("yuzhno-sakhalinsk", "LOC", "Yuzhno-Sakhalinsk", ("Южно-Сахалинск", "Yuzhno-Sakhalinsk", "豊原"),
          r"Южно-Сахалинск" + _N + r"\b"),
    Place("hokkaido", "LOC", "Hokkaido", ("Хоккайдо", "Hokkaido", "北海道"), r""),
    Place("nemuro", "LOC", "Nemuro", ("Немуро", "Nemuro", "根室"), r""),
    Place("japan", "LOC", "Japan", ("Япония", "Japan", "日本", "Nippon", "Nihon"), r"Япони(?:я|и|ю|ей)"),
    Place("tokyo", "LOC", "Tokyo", ("Токио", "Tokyo", "東京"), r""),
    Place("russia", "LOC", "Russia", ("Россия", "Russia", "Russian Federation", "Российская Федерация", "РФ",
                                      "ロシア"), r"Росси(?:я|и|ю|ей)|Российск(?:ая|ой|ую)\s+Федераци(?:я|и|ю|ей)"),
    Place("moscow", "LOC", "Moscow", ("Москва", "Moscow", "モスクワ"), r"Москв(?:а|ы|е|у|ой)"),
    Place("vladivostok", "LOC", "Vladivostok", ("Владивосток", "Vladivostok"), r"Владивосток" + _N + r"\b"),
    Place("khabarovsk", "LOC", "Khabarovsk", ("Хабаровск", "Khabarovsk"), r"Хабаровск" + _N + r"\b"),
    Place("kamchatka", "LOC", "Kamchatka", ("Камчатка", "Kamchatka"), r"Камчатк(?:а|и|е|у|ой)"),
    Place("sea-of-okhotsk", "LOC", "Sea of Okhotsk", ("Охотское море", "Sea of Okhotsk", "Okhotsk Sea", "オホーツク海"),
          r"Охотск(?:ое|ого|ом|ому)\s+мор(?:е|я|ю|ем)"),
    Place("northern-territories", "LOC", "Northern Territories", ("Северные территории", "Northern Territories",
                                                                  "北方領土", "Hoppō Ryōdo"),
          r"Северн(?:ые|ых|ым)\s+территори(?:и|й|ям|ях)"),
    Place("ukraine", "LOC", "Ukraine", ("Украина", "Ukraine"), r"Украин(?:а|ы|е|у|ой)"),
    Place("fsb", "ORG", "FSB", ("ФСБ", "FSB", "Federal Security Service", "Федеральная служба безопасности"),
          r"Федеральн(?:ая|ой|ую)\s+служб(?:а|ы|е|у|ой)\s+безопасности"),
    Place("mod-russia", "ORG", "Ministry of Defence of Russia",
          ("Минобороны", "Министерство обороны", "Ministry of Defence", "Ministry of Defense", "Russian MoD"),
          r"Министерств(?:о|а|у|ом|е)\s+обороны"),
    Place("eastern-military-district", "ORG", "Eastern Military District",
          ("Восточный военный округ", "ВВО", "Eastern Military District"),
          r"Восточн(?:ый|ого|ому|ом)\s+военн(?:ый|ого|ому|ом)\s+округ" + _N),
    Place("sdf-japan", "ORG", "Japan Self-Defense Forces",
          ("Силы самообороны Японии", "Self-Defense Forces", "Self-Defence Forces", "JSDF", "自衛隊"),
          r"[Сс]ил(?:ы|ам|ами|ах)\s+самообороны(?:\s+Японии)?"),
)

_BY_ID = {p.id: p for p in GAZETTEER}


@dataclass(frozen=True)
class GazetteerHit:
    place: Place
    start: int
    end: int
    surface: str


@lru_cache(maxsize=1)
def _key_index() -> dict[str, Place]:
    index: dict[str, Place] = {}
    for place in GAZETTEER:
        for n in (place.name, *place.names):
            key = name_key(n)
            if key:
                index.setdefault(key, place)
    return index


def lookup(name: str) -> Place | None:
    """The gazetteer entry a name (in any script, any Russian case form) stands for, or None."""
    place = _key_index().get(name_key(name))
    if place is None:
        hits = find_places(name.strip())
        if len(hits) == 1 and hits[0].end - hits[0].start == len(name.strip()):
            place = hits[0].place
    return place


def by_id(place_id: str) -> Place | None:
    return _BY_ID.get(place_id)


def _is_cjk(name: str) -> bool:
    return any("\u3040" <= ch <= "\u9fff" for ch in name)


@lru_cache(maxsize=1)
def _pattern() -> tuple[re.Pattern[str], list[Place]]:
    parts: list[str] = []
    owners: list[Place] = []
    for place in GAZETTEER:
        alts = []
        if place.ru_forms:
            alts.append(rf"(?<!\w)(?:{place.ru_forms})(?!\w)")
        for n in sorted((place.name, *place.names), key=len, reverse=True):
            esc = re.escape(n).replace(r"\ ", r"\s+")
            alts.append(esc if _is_cjk(n) else rf"(?<!\w){esc}(?!\w)")
        parts.append("(" + "|".join(alts) + ")")
        owners.append(place)
    return re.compile("|".join(parts)), owners


def find_places(text: str) -> list[GazetteerHit]:
    """Every gazetteer name in `text` (longest entry wins where names overlap, e.g. Kuril Islands vs Kurilsk)."""
    pattern, owners = _pattern()
    hits = []
    for m in pattern.finditer(text):
        group = next(i for i, g in enumerate(m.groups()) if g is not None)
        hits.append(GazetteerHit(owners[group], m.start(), m.end(), m.group(0)))
    return hits
