"""Fixtures of the translation desk: dispatches with Russian texts, a generated tiny model, sample letters."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from leakdesk.case import Case
from leakdesk.store.tables import dispatch, original, text

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


def add_dispatch(case: Case, content: str, language: str | None = "ru", subject: str = "Поставки") -> int:
    """Insert an original, a dispatch and its body text the way intake stores them."""
    raw = content.encode("utf-8")
    sha = case.originals.put_bytes(raw).sha256
    stamp = datetime.now(UTC)
    with case.transaction() as conn:
        if conn.execute(original.select().where(original.c.sha256 == sha)).first() is None:
            conn.execute(
                original.insert().values(
                    sha256=sha,
                    sha1=hashlib.sha1(raw).hexdigest(),
                    md5=hashlib.md5(raw).hexdigest(),
                    size=len(raw),
                    media_type="text/plain",
                    first_seen=stamp,
                )
            )
        dispatch_id = conn.execute(
            dispatch.insert().values(
                dedup_key=f"{sha}-{stamp.timestamp()}",
                original_sha256=sha,
                kind="file",
                channel="file",
                filename="letter.txt",
                media_type="text/plain",
                subject=subject,
                language=language,
                status="ok",
                ingested=stamp,
            )
        ).inserted_primary_key[0]
        conn.execute(
            text.insert().values(
                dispatch_id=dispatch_id,
                role="body",
                language=language,
                content=content,
                extractor="test",
                extractor_version="1",
            )
        )
    return int(dispatch_id)


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
