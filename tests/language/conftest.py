"""Fixtures of the translation desk: dispatches with Russian texts, a generated tiny model, sample letters."""

from __future__ import annotations

import itertools
from email.message import EmailMessage
from pathlib import Path

import pytest

from leakdesk.case import Case

_counter = itertools.count(1)

LETTER_RU = "\n\n".join(
    [
        (
            "Уважаемый Иван Петрович! "
            "Пишу Вам по поводу поставок от 12 марта 2021 года. "
            "Груз прибыл в Новороссийск с опозданием на три дня."
        ),
        (
            "Генерал Сидоров недоволен. "
            "Он требует отчёт до пятницы. "
            "Кроме того, нужны копии всех накладных от смежников. "
            "Сумма составила 4,5 млн рублей."
        ),
        ("Смежники опять ничего не сообщили. С уважением, Ваш друг."),
    ]
)

LETTER_EN = "\n\n".join(
    [
        (
            "Dear Ivan Petrovich! "
            "I am writing to you about the deliveries of 12 March 2021. "
            "The cargo arrived in Novorossiysk three days late."
        ),
        (
            "General Sidorov is unhappy and demands a report by Friday. "
            "In addition, copies of all the waybills from the allied services are needed. "
            "The sum was 4.5 million roubles."
        ),
        ("The allied services again reported nothing. Yours, your friend."),
    ]
)

OTHER_RU = "\n\n".join(
    [
        ("Вчера на совещании в Казани обсуждали бюджет на 2022 год.Было много споров, и решение отложили до 5 апреля."),
        (
            "Министр Орлов уехал раньше всех. "
            "Встреча с губернатором прошла плохо, никто ничего не подписал. "
            "Денег на ремонт нет."
        ),
        ("Жду ответа до понедельника."),
    ]
)


def add_dispatch(case: Case, content: str, subject: str = "Поставки") -> int:
    """Ingest a small .eml carrying `content` through the real intake path; returns the dispatch id."""
    from leakdesk.intake.ingest import ingest_paths

    number = next(_counter)
    message = EmailMessage()
    message["From"] = "veter@mail.example"
    message["To"] = "desk@news.example"
    message["Subject"] = subject
    message["Message-ID"] = f"<{number}.test@mail.example>"
    message["Date"] = f"Thu, {number % 28 + 1:02d} Mar 2022 23:12:00 +0300"
    message.set_content(content)
    path = case.root.parent / f"incoming-{number}.eml"
    path.write_bytes(bytes(message))
    result = ingest_paths(case, [path], progress=False)
    assert result.ok and len(result.created) == 1, result.as_dict()
    return int(result.created[0])


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An unpacked Argos-style ru→en package with random weights (generated, never committed)."""
    from leakdesk.language.translate.testmodel import build_argos_folder

    return build_argos_folder(tmp_path_factory.mktemp("models") / "translate-ru_en-0_1")


@pytest.fixture(scope="session")
def tiny_argosmodel(tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from leakdesk.language.translate.testmodel import build_argos_package

    return build_argos_package(tiny_model_dir, tmp_path_factory.mktemp("pkg") / "translate-ru_en-0_1.argosmodel")


@pytest.fixture
def letter(case: Case) -> int:
    return add_dispatch(case, LETTER_RU)


@pytest.fixture
def letter_en_file(tmp_path: Path) -> Path:
    path = tmp_path / "letter-en.txt"
    path.write_text(LETTER_EN, "utf-8")
    return path
