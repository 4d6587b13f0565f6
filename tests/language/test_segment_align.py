"""Segmentation keeps paragraphs; the aligner finds 1-1, 2-1, 1-2, 1-0 and 0-1 beads and notices another letter."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from leakdesk.language.align import align
from leakdesk.language.anchors import anchors
from leakdesk.language.segment import Sentence, join_paragraphs, segment
from tests.language.conftest import LETTER_EN, LETTER_RU, OTHER_RU


def test_russian_sentences_keep_their_paragraphs() -> None:
    sentences = segment("Пишу Вам 12.03.2021 г. по поводу поставок. Груз прибыл.\n\nВторой абзац.", "ru")
    assert [(s.text, s.paragraph) for s in sentences] == [
        ("Пишу Вам 12.03.2021 г. по поводу поставок.", 0),
        ("Груз прибыл.", 0),
        ("Второй абзац.", 1),
    ]


def test_english_abbreviations_do_not_end_a_sentence() -> None:
    sentences = segment("Dear Mr. Ivanov, see the note, i.e. the list. It arrived.\nLate.\n\nNext.", "en")
    texts = [s.text for s in sentences]
    assert texts == ["Dear Mr. Ivanov, see the note, i.e. the list.", "It arrived.", "Late.", "Next."]
    assert [s.paragraph for s in sentences] == [0, 0, 0, 1]


def test_reassembly_restores_paragraph_breaks() -> None:
    assert join_paragraphs([(0, "A."), (0, "B."), (1, "C.")]) == "A. B.\n\nC."


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("абвгд ef.!?\n12")), max_size=200))
def test_segmentation_never_loses_text(text: str) -> None:
    joined = "".join(s.text for s in segment(text, "ru"))
    assert joined.replace(" ", "") == "".join(text.split())


def _s(texts: list[str]) -> list[Sentence]:
    return [Sentence(t, 0) for t in texts]


def test_anchors_match_across_languages() -> None:
    ru = anchors("Вчера, 12 марта 2021 г., генерал Петров встретился с Шойгу в Москве?")
    en = anchors("Yesterday, on 12 March 2021, General Petrov met Shoigu in Moscow?")
    assert ru == en
    assert anchors("Из семи человек двое уехали 5 мая.") == anchors("Of the seven people, two left on 5 May.")


def test_clean_letter_aligns_with_merged_sentences_as_one_bead() -> None:
    source, target = segment(LETTER_RU, "ru"), segment(LETTER_EN, "en")
    alignment = align(source, target)
    kinds = [b.kind for b in alignment.beads]
    assert kinds == ["1-1", "1-1", "1-1", "2-1", "1-1", "1-1", "1-1", "1-1"]
    merged = alignment.beads[3]
    assert [source[i].text for i in merged.source] == ["Генерал Сидоров недоволен.", "Он требует отчёт до пятницы."]
    assert alignment.confidence > 0.6


def test_split_omitted_and_added_sentences() -> None:
    source = _s(
        [
            "Встреча прошла 5 мая в Казани.",
            "Министр Орлов опоздал на сорок минут и ушёл раньше всех, ничего не объяснив и не подписав протокол.",
            "Это уже третий раз за год.",
            "Прошу не пересылать это письмо никому, даже коллегам из соседнего отдела, которым я доверяю.",
            "Сумма контракта — 17 млн рублей.",
        ]
    )
    target = _s(
        [
            "The meeting took place on 5 May in Kazan.",
            "Minister Orlov was forty minutes late.",
            "He left before everyone else without explaining anything or signing the minutes.",
            "This is already the third time this year.",
            "The contract was worth 17 million roubles.",
            "(Translator's note: the amount is given in the original as written.)",
        ]
    )
    beads = [(b.source, b.target) for b in align(source, target).beads]
    assert beads == [((0,), (0,)), ((1,), (1, 2)), ((2,), (3,)), ((3,), ()), ((4,), (4,)), ((), (5,))]


def test_short_sentence_omitted_after_a_long_one_is_not_taken_for_a_merge() -> None:
    source = _s(
        [
            "Добрый день.",
            "Вчера вечером в порт Холмска пришёл сухогруз «Анна», и его сразу поставили к дальнему причалу, "
            "куда журналистов не пускают.",
            "Я удивился.",
            "Разгружали его всю ночь.",
            "Ветер.",
        ]
    )
    target = _s(
        [
            "Good afternoon.",
            "Yesterday evening the freighter Anna came into the port of Kholmsk and was put straight at the far "
            "berth, where journalists are not allowed.",
            "It was unloaded all night.",
            "Veter.",
        ]
    )
    beads = [(b.source, b.target) for b in align(source, target).beads]
    assert beads == [((0,), (0,)), ((1,), (1,)), ((2,), ()), ((3,), (2,)), ((4,), (3,))]


def test_clauses_of_a_sentence() -> None:
    from leakdesk.language.align import _clauses

    assert _clauses("Сухогруз пришёл вечером, без лоцмана.") == [
        "Сухогруз пришёл вечером, без лоцмана.",
        "Сухогруз пришёл вечером",
        "без лоцмана.",
        "Сухогруз пришёл вечером без лоцмана.",
    ]
    assert _clauses("It was unloaded all night.") == ["It was unloaded all night."]


def test_translation_of_another_letter_has_low_confidence() -> None:
    good = align(segment(LETTER_RU, "ru"), segment(LETTER_EN, "en"))
    bad = align(segment(OTHER_RU, "ru"), segment(LETTER_EN, "en"))
    assert good.confidence >= 0.5 > bad.confidence


SENTENCES = st.lists(
    st.text(alphabet=st.sampled_from(list("абвгдежзик 0123456789?!")), min_size=1, max_size=60), max_size=12
)


@settings(max_examples=80, deadline=None)
@given(SENTENCES, SENTENCES)
def test_beads_cover_every_sentence_once_in_order(source: list[str], target: list[str]) -> None:
    beads = align(_s(source), _s(target)).beads
    assert [i for b in beads for i in b.source] == list(range(len(source)))
    assert [j for b in beads for j in b.target] == list(range(len(target)))
    assert all(b.kind in {"1-1", "1-2", "2-1", "1-0", "0-1"} for b in beads)
    assert all(0.0 <= b.confidence <= 1.0 for b in beads)
