"""The real engine path with a generated tiny model, model installation, and a real LibreTranslate HTTP server."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import sqlalchemy as sa

from leakdesk.case import Case
from leakdesk.language.translate.models import list_models, models_home, read_package
from leakdesk.store.tables import audit, segment, translation
from tests.conftest import invoke
from tests.language.conftest import add_dispatch


def test_models_add_argosmodel_and_list_json(runner, tiny_argosmodel: Path) -> None:  # type: ignore[no-untyped-def]
    result = invoke(runner, "models", "add", tiny_argosmodel)
    assert result.exit_code == 0, result.output
    assert "Installed argos-ru-en-0.1 (ru → en)" in result.output
    listed = invoke(runner, "models", "list", "--json")
    models = json.loads(listed.stdout)["models"]
    assert [(m["name"], m["from"], m["to"], m["format"]) for m in models] == [("argos-ru-en-0.1", "ru", "en", "argos")]
    assert Path(models[0]["path"]).parent == models_home()
    again = invoke(runner, "models", "add", tiny_argosmodel)
    assert again.exit_code == 1
    assert "A model named argos-ru-en-0.1 is already installed" in again.output


def test_models_add_opus_mt_folder(runner, tiny_model_dir: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from leakdesk.language.translate.testmodel import build_opus_folder

    folder = build_opus_folder(tiny_model_dir, tmp_path / "opus-mt-ru-en")
    result = invoke(runner, "models", "add", folder)
    assert result.exit_code == 0, result.output
    assert [(p.name, p.format) for p in list_models()] == [("opus-mt-ru-en", "opus-mt")]


def test_corrupt_model_is_refused_and_nothing_installed(runner, tiny_model_dir: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    broken = tmp_path / "broken"
    shutil.copytree(tiny_model_dir, broken)
    data = (broken / "model" / "model.bin").read_bytes()
    (broken / "model" / "model.bin").write_bytes(data[: len(data) // 3])
    result = invoke(runner, "models", "add", broken)
    assert result.exit_code == 1
    assert "cannot be loaded: its CTranslate2 files" in result.output
    assert "Traceback" not in result.output
    assert list_models() == []
    not_zip = tmp_path / "x.argosmodel"
    not_zip.write_bytes(b"this is not a zip")
    result = invoke(runner, "models", "add", not_zip)
    assert "x.argosmodel is not a valid .argosmodel package (not a zip archive)." in result.output


def test_translate_without_model_says_how_to_add_one(runner, case: Case, letter: int) -> None:  # type: ignore[no-untyped-def]
    result = invoke(runner, "translate", case.root, letter)
    assert result.exit_code == 1
    assert "No translation model for Russian → English is installed. Add one with `leakdesk model add PATH`" in (
        " ".join(result.output.split())
    )
    with case.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(translation)).scalar() == 0


def test_draft_through_the_real_engine_path(runner, case: Case, tiny_argosmodel: Path) -> None:  # type: ignore[no-untyped-def]
    invoke(runner, "models", "add", tiny_argosmodel)
    dispatch_id = add_dispatch(case, "Груз прибыл в порт. Генерал недоволен.\n\nПишу Вам по поводу поставок.")
    result = invoke(runner, "translate", case.root, dispatch_id, "--engine", "local", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [s["source"] for s in data["segments"]] == [
        "Груз прибыл в порт.",
        "Генерал недоволен.",
        "Пишу Вам по поводу поставок.",
    ]
    assert all(s["target"] and s["confidence"] is None for s in data["segments"])
    first, second, third = (s["target"] for s in data["segments"])
    assert data["text"] == f"{first} {second}\n\n{third}"  # reassembled with the original's paragraphs
    assert (data["status"], data["engine"], data["model"], data["kind"]) == (
        "draft",
        "local",
        "argos-ru-en-0.1",
        "machine",
    )
    with case.connect() as conn:
        rows = conn.execute(sa.select(segment.c.paragraph, segment.c.origin).order_by(segment.c.position)).all()
        assert [tuple(r) for r in rows] == [(0, "engine"), (0, "engine"), (1, "engine")]
        assert conn.execute(sa.select(audit.c.action).order_by(audit.c.seq.desc())).first().action == (
            "translation.draft"
        )


def test_model_for_another_pair_is_refused(runner, case: Case, tiny_model_dir: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from leakdesk.language.drafts import draft_translation
    from leakdesk.language.translate.local import LocalEngine

    dispatch_id = add_dispatch(case, "Груз прибыл в порт.")
    en_ru = read_package(tiny_model_dir, "en", "ru")
    engine = LocalEngine(en_ru)
    with pytest.raises(Exception) as err:
        draft_translation(case, dispatch_id, lambda s, t: engine)
    assert "translates English → Russian, but dispatch" in str(err.value)
    assert "needs Russian → English; nothing was stored." in str(err.value)


class _LibreHandler(BaseHTTPRequestHandler):
    """The /translate endpoint of LibreTranslate, translating by a fixed word list."""

    words = {"груз": "cargo", "прибыл": "arrived", "генерал": "general", "недоволен": "unhappy"}
    seen: list[dict] = []

    def do_POST(self) -> None:  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).seen.append(body)
        if body.get("api_key") == "broken":
            self._send(200, {"translatedText": ["only one"] * (len(body["q"]) + 1)})
            return
        if body.get("api_key") != "s3cret":
            self._send(403, {"error": "Invalid API key"})
            return
        texts = body["q"] if isinstance(body["q"], list) else [body["q"]]
        out = [" ".join(self.words.get(w.strip(".").lower(), w) for w in t.split()) for t in texts]
        self._send(200, {"translatedText": out if isinstance(body["q"], list) else out[0]})

    def _send(self, status: int, data: dict) -> None:
        raw = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def libretranslate() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _LibreHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_libretranslate_engine_against_a_real_server(runner, case: Case, libretranslate: str) -> None:  # type: ignore[no-untyped-def]
    dispatch_id = add_dispatch(case, "Груз прибыл. Генерал недоволен.")
    result = invoke(
        runner,
        "translate",
        case.root,
        dispatch_id,
        "--engine",
        "libretranslate",
        "--url",
        libretranslate,
        "--api-key",
        "s3cret",
        "--json",
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [s["target"] for s in data["segments"]] == ["cargo arrived", "general unhappy"]
    assert data["model"] == f"libretranslate@{libretranslate.removeprefix('http://')}"
    assert _LibreHandler.seen[-1]["source"] == "ru" and _LibreHandler.seen[-1]["target"] == "en"
    with case.connect() as conn:
        details = " ".join(r.details for r in conn.execute(sa.select(audit.c.details)).all())
    assert "s3cret" not in details


def test_libretranslate_errors_are_sentences(runner, case: Case, libretranslate: str) -> None:  # type: ignore[no-untyped-def]
    dispatch_id = add_dispatch(case, "Груз прибыл.")
    wrong_key = invoke(
        runner,
        "translate",
        case.root,
        dispatch_id,
        "--engine",
        "libretranslate",
        "--url",
        libretranslate,
        "--api-key",
        "nope",
    )
    assert wrong_key.exit_code == 1
    assert "refused the request (HTTP 403: Invalid API key)" in wrong_key.output
    assert "nope" not in wrong_key.output
    down = invoke(
        runner, "translate", case.root, dispatch_id, "--engine", "libretranslate", "--url", "http://127.0.0.1:9"
    )
    assert "Could not reach the LibreTranslate server at http://127.0.0.1:9" in down.output
    with case.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(translation)).scalar() == 0


def test_installed_model_damaged_later_fails_clearly(runner, case: Case, tiny_argosmodel: Path) -> None:  # type: ignore[no-untyped-def]
    invoke(runner, "models", "add", tiny_argosmodel)
    dispatch_id = add_dispatch(case, "Груз прибыл в порт.")
    model_bin = models_home() / "argos-ru-en-0.1" / "model" / "model.bin"
    model_bin.write_bytes(model_bin.read_bytes()[:100])
    result = invoke(runner, "translate", case.root, dispatch_id)
    assert result.exit_code == 1
    assert "The model argos-ru-en-0.1 cannot be loaded: its CTranslate2 files" in " ".join(result.output.split())
    with case.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(translation)).scalar() == 0


def test_named_model_for_another_pair_via_cli(runner, case: Case, tiny_model_dir: Path) -> None:  # type: ignore[no-untyped-def]
    assert invoke(runner, "models", "add", tiny_model_dir, "--from", "en", "--to", "ru").exit_code == 0
    dispatch_id = add_dispatch(case, "Груз прибыл в порт.")
    plain = invoke(runner, "translate", case.root, dispatch_id)
    assert "No translation model for Russian → English is installed." in " ".join(plain.output.split())
    named = invoke(runner, "translate", case.root, dispatch_id, "--model", "argos-en-ru-0.1")
    assert "The model argos-en-ru-0.1 translates English → Russian, but this text needs Russian → English." in (
        " ".join(named.output.split())
    )
    english = add_dispatch(case, "The cargo arrived at the port. The general is unhappy.", subject="Cargo")
    result = invoke(runner, "translate", case.root, english, "--to", "en")
    assert f"Dispatch {english} (“Cargo”) is already in English." in result.output


def test_batches_keep_sentence_order(tiny_model_dir: Path) -> None:
    from leakdesk.language.translate.local import LocalEngine

    package = read_package(tiny_model_dir)
    sentences = [
        "Груз прибыл в порт.",
        "Генерал недоволен и требует отчёт до пятницы.",
        "Пишу Вам.",
        "Уважаемый коллега, пишу Вам по поводу поставок.",
        "Да.",
    ]
    # One thread: with several, CTranslate2 may split the work differently under load, and the tiny random model
    # has near-ties that such float differences can flip. Order, not arithmetic, is what this test is about.
    in_pairs = LocalEngine(package, batch_size=2, threads=1).translate(sentences)
    at_once = LocalEngine(package, batch_size=64, threads=1).translate(sentences)
    backwards = LocalEngine(package, batch_size=2, threads=1).translate(sentences[::-1])
    assert in_pairs == at_once == backwards[::-1]
    assert len(set(in_pairs)) == len(sentences)
