# ruff: noqa: E501
"""Two invented Russian writing hands (and one English), written for these tests; letters are built from each
hand's own sentences with a fixed seed. Hand A: «» quotes, long dashes, ё, polite capital «Вы», long sentences,
the ellipsis character. Hand B: straight quotes, hyphens as dashes, no ё, three dots, a space before punctuation,
short sentences.
"""

from __future__ import annotations

import random

HAND_A = [
    "Уважаемые коллеги, как я уже писал Вам ранее, ситуация в нашем управлении за последние недели ещё более осложнилась — и, признаюсь, я не вижу, чтобы кто-то наверху это осознавал.",
    "Вчера начальник отдела снова собрал нас в своём кабинете и, не объясняя причин, потребовал подготовить «справку по итогам квартала» к утру понедельника.",
    "Я прошу Вас отнестись к этому сообщению со всей серьёзностью: то, что происходит сейчас, — не случайность, а продуманная линия, которую проводят уже несколько месяцев.",
    "Должен заметить, что в кулуарах об этом говорят всё чаще, хотя вслух никто не решается произнести ни слова…",
    "Сводки, которые уходят в «центр», по-прежнему составляются так, будто на местах всё идёт по плану, — хотя каждый из нас знает, что это далеко не так.",
    "Позволю себе привести лишь один пример, который, как мне кажется, объясняет больше, чем любые общие рассуждения.",
    "Когда я осторожно спросил своего непосредственного руководителя, кто именно распорядился изменить цифры, он лишь пожал плечами и сказал, что «так решили наверху».",
    "Впрочем, я не склонен драматизировать: многие из нас ещё надеются, что здравый смысл в конце концов возьмёт верх.",
    "Ещё раз благодарю Вас за внимание к моим письмам и за то, что Вы сочли возможным их опубликовать.",
    "Мне известно, что в соседнем департаменте уже начали искать тех, кто мог передать сведения наружу, — и это, разумеется, не добавляет спокойствия.",
    "Тем не менее я считаю своим долгом рассказать о том, что вижу, пока у меня ещё есть такая возможность.",
    "Подробности о совещании, на котором обсуждалась «оптимизация штата», я изложу в следующем письме, как только смогу уточнить некоторые детали.",
    "Люди устали, и это чувствуется во всём: в тоне служебных записок, в коротких разговорах в коридорах, в том, как быстро пустеют кабинеты по вечерам…",
    "Надеюсь, Вы понимаете, почему я не могу называть имена — по крайней мере, сейчас.",
    "Отдельно хочу обратить Ваше внимание на то, что сроки, объявленные в официальных заявлениях, заведомо нереальны, и об этом прекрасно знают те, кто их объявляет.",
    "Всё это, повторю, я пишу не из желания кому-то навредить, а потому, что молчать дальше считаю невозможным.",
    "В пятницу нам зачитали новый приказ — коротко, без обсуждения, — и велели расписаться в том, что мы с ним ознакомлены.",
    "Как и прежде, я буду писать Вам по мере возможности; прошу не искать меня и не пытаться выяснить, откуда приходят эти письма.",
]

HAND_B = [
    "Привет . Пишу коротко , времени мало.",
    "Тут опять все на ушах - проверка приехала , никто ничего не знает...",
    "Начальство говорит что все нормально. Но это вранье.",
    "Вы же сами видите что происходит. Или не видите ?",
    "Бумаги жгут с утра до вечера. Серьезно.",
    "Мне сказали молчать , а я не буду.",
    "Короче, \"план\" провален. Совсем.",
    "Еще напишу потом . Если получится...",
    "Деньги ушли непонятно куда - все знают , все молчат.",
    "Завтра будет собрание. Там наверное всех и уволят.",
    "Я не герой . Просто надоело.",
    "Они думают что никто не узнает. Ошибаются...",
    "Кто слил - ищут . Пусть ищут.",
    "Сегодня привезли новые сейфы - зачем непонятно.",
    "Говорят будет \"реорганизация\". Смешно.",
    "Все , пока . Берегите себя.",
]

ENGLISH = [
    "Dear colleagues, I am writing again because the situation in our department has not improved at all.",
    "The reports that go upstairs still say that everything is on schedule, which is simply not true.",
    "I would ask you to treat this message with the seriousness it deserves.",
    "Yesterday the head of the unit called us in and demanded a new summary by Monday morning.",
    "Nobody explained why the figures had to be changed, and nobody dared to ask twice.",
    "I cannot give names for now, and I hope you understand why.",
    "People are tired, and you can feel it in every memo and every short talk in the corridor.",
    "I will write again as soon as I can confirm some of the details.",
]


def letters(hand: list[str], n: int, seed: int, sentences: int = 9) -> list[str]:
    """n letters of one hand; each has 2-3 paragraphs of that hand's sentences."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        chosen = rng.sample(hand, min(sentences, len(hand)))
        cut = len(chosen) // 2
        out.append(" ".join(chosen[:cut]) + "\n\n" + " ".join(chosen[cut:]))
    return out


def problems(n: int = 24, seed: int = 0):  # type: ignore[no-untyped-def]
    """Balanced verification problems between the two hands: (problems, labels)."""
    from leakdesk.authorship.problem import Problem

    rng = random.Random(seed)
    out, labels = [], []
    for i in range(n):
        hand = HAND_A if i % 4 < 2 else HAND_B
        other = HAND_B if hand is HAND_A else HAND_A
        known = letters(hand, 2, rng.randint(0, 10**6), 8 if hand is HAND_A else 12)
        same = i % 2 == 0
        src = hand if same else other
        unknown = letters(src, 1, rng.randint(0, 10**6), 8 if src is HAND_A else 12)[0]
        out.append(Problem(known=known, unknown=unknown, language="ru", id=f"T{i:02d}"))
        labels.append(int(same))
    return out, labels
