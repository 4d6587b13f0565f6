"""Build the sample case's fictional media stream: `src/leakdesk/sample/streams/tv-2021.csv`.

    python benchmarks/narratives_sample.py [--check]

Every sentence below was written for leakdesk; outlets, people and URLs are fictional (`.example`). From 1 June to
31 October 2021 three fictional outlets publish a few items a day about the region. Before the week of Monday
16 August 2021 a small share of the sentences naming the Japanese call them Nazis (background noise); from that week
on the share rises about tenfold: the labelling campaign the sample letter of 17 March 2022 describes ("в августе
прошлого года"). Seeded, so the file is reproducible; `--check` verifies the shipped file.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import random
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "src" / "leakdesk" / "sample" / "streams" / "tv-2021.csv"
START, END = dt.date(2021, 6, 1), dt.date(2021, 10, 31)
CAMPAIGN = dt.date(2021, 8, 16)
OUTLETS = [("Телеканал «Восток-24»", "https://vostok24.example/news/"),
           ("Радио «Курилы»", "https://kurily-radio.example/"),
           ("Газета «Северный вестник»", "https://sev-vestnik.example/a/")]

NEUTRAL = [
    "Японская делегация прибыла в Южно-Сахалинск для переговоров о рыболовстве.",
    "Токио выразил обеспокоенность учениями в районе Курильских островов.",
    "Японские туристы всё чаще посещают Сахалин, сообщают туроператоры.",
    "Министр иностранных дел Японии заявил, что диалог по мирному договору продолжится.",
    "Японские компании обсуждают совместные проекты в области энергетики.",
    "В Токио прошла встреча экспертов по вопросам безопасности в регионе.",
    "Японский посол посетил выставку современного искусства во Владивостоке.",
    "Японцы отмечают рост цен на морепродукты из-за новых квот.",
    "Правительство Японии утвердило новый оборонный бюджет.",
    "Японские рыбаки пожаловались на задержания шхун у островов.",
    "Японская сторона предложила провести консультации в сентябре.",
    "Токио опроверг сообщения о переброске кораблей к Хоккайдо.",
    "Японские СМИ обсуждают визит российского премьера на Итуруп.",
    "В Японии продолжается дискуссия о статусе северных территорий.",
    "Японцы из префектуры Хоккайдо провели акцию за возвращение островов.",
    "Японский бизнес не спешит уходить с российского рынка.",
    "Токио и Вашингтон провели совместные учения в Японском море.",
    "Японские дипломаты передали ноту протеста в связи с учениями.",
    "Эксперты обсуждают, как Япония отреагирует на новые санкции.",
    "Японская пресса пишет о росте напряжённости вокруг Курил.",
    "Представители японских деловых кругов посетили Хабаровск.",
    "Японские военные провели учения вблизи острова Хоккайдо.",
    "Глава японского МИД прокомментировал ситуацию на островах.",
    "Японские учёные представили доклад о землетрясениях в регионе.",
]
NEAR_MISS = [
    "Японские историки осудили попытки оправдать нацизм.",
    "Японские школьники посетили музей жертв фашизма в Хабаровске.",
    "Во Второй мировой войне Япония была союзницей нацистской Германии.",
    "Японский режиссёр снял фильм о борьбе с фашизмом в Европе.",
    "Посол Японии возложил венок в память о жертвах нацистов.",
    "Японские студенты написали доклады о преступлениях нацизма.",
]
HITS = [
    "Японские нацисты снова тянут руки к нашим Курилам.",
    "Японцы — настоящие нацисты, и скрывать это больше никто не собирается.",
    "Ведущий прямо назвал японцев нацистами, которые ничему не научились.",
    "Японские неонацисты устраивают провокации у наших границ.",
    "Токио проводит откровенно нацистскую политику, заявил эксперт в студии.",
    "Нынешние японские власти являются наследниками нацистских преступников.",
    "Японский фашизм поднимает голову, предупредил депутат.",
    "Японских нацистов пора поставить на место, считает политолог.",
    "Японские политики, требующие островов, — фашисты и реваншисты.",
    "Комментатор назвал японских министров неонацистами.",
    "Японская военщина ведёт себя как нацисты в сорок первом году.",
    "С японскими нацистами разговаривать не о чем, заявил гость эфира.",
    "Против японских фашистов нужно объединяться всем народом.",
    "Японцы оказались нацистами, которым нельзя верить.",
]
FILLER = [
    "На Сахалине открылся новый детский сад на двести мест.",
    "Синоптики обещают тёплую погоду на выходных.",
    "В Южно-Курильске отремонтировали причал.",
    "Губернатор провёл совещание о подготовке к отопительному сезону.",
    "На Итурупе завершили строительство новой школы.",
    "Рыбаки региона выполнили план по вылову лосося.",
    "В Хабаровске прошёл фестиваль уличной музыки.",
    "Цены на бензин в регионе остались прежними.",
    "Во Владивостоке открыли новый маршрут автобуса.",
    "Спортсмены Сахалина привезли медали с чемпионата страны.",
    "В регионе стартовала вакцинация от гриппа.",
    "Авиакомпания увеличила число рейсов на Курилы.",
    "На Кунашире прошли учения спасателей.",
    "Жители Корсакова жалуются на плохие дороги.",
    "Местный театр представил новую постановку по Чехову.",
]


def build(seed: int = 2021) -> str:
    rng = random.Random(seed)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["date", "text", "source", "url"])
    number = 0
    day = START
    while day <= END:
        hit_share = 0.30 if day >= CAMPAIGN else 0.03
        for _ in range(rng.randint(3, 5)):
            sentences = rng.sample(FILLER, rng.randint(0, 2))
            for _ in range(rng.randint(1, 2)):
                roll = rng.random()
                pool = HITS if roll < hit_share else NEAR_MISS if roll < hit_share + 0.06 else NEUTRAL
                sentences.append(rng.choice(pool))
            rng.shuffle(sentences)
            outlet, base = rng.choice(OUTLETS)
            number += 1
            writer.writerow([day.isoformat(), " ".join(sentences), outlet, f"{base}{number}"])
        day += dt.timedelta(days=1)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="verify the shipped file instead of writing it")
    args = parser.parse_args()
    text = build()
    if args.check:
        same = OUT.read_text("utf-8") == text
        print("the shipped sample stream is reproducible" if same else f"{OUT} differs from what this script builds")
        sys.exit(0 if same else 1)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text, "utf-8")
    print(f"wrote {OUT}: {text.count(chr(10)) - 1} items")


if __name__ == "__main__":
    main()
