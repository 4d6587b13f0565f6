"""Translation models on the desk's machine: read, check and install Argos Translate packages and OPUS-MT folders.

Models live in `$LEAKDESK_HOME/models/<name>/` (default `~/.local/share/leakdesk/models`), each with a
`leakdesk-model.json` saying its language pair and format. Nothing is ever downloaded.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import zipfile
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from leakdesk.errors import NoModelError, TranslationError
from leakdesk.language.langid import language_name

MANIFEST = "leakdesk-model.json"
HOME_ENV = "LEAKDESK_HOME"
OPUS_NAME = re.compile(r"opus-mt-([a-z]{2,3})-([a-z]{2,3})", re.IGNORECASE)


@dataclass(frozen=True)
class ModelPackage:
    """A model folder leakdesk can load."""

    name: str
    from_code: str
    to_code: str
    format: str  # argos | opus-mt
    root: Path  # the folder holding the files below
    model_dir: Path  # CTranslate2 model (model.bin)
    source_spm: Path
    target_spm: Path

    def as_dict(self) -> dict[str, str]:
        return {
            "name": self.name,
            "from": self.from_code,
            "to": self.to_code,
            "format": self.format,
            "path": str(self.root),
        }


def leakdesk_home() -> Path:
    if os.environ.get(HOME_ENV):
        return Path(os.environ[HOME_ENV])
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data) / "leakdesk"


def models_home() -> Path:
    return leakdesk_home() / "models"


# The Argos Translate packages a desk is most likely to need, as listed in the Argos package index
# (https://github.com/argosopentech/argospm-index, index.json). Offline machines get them as copied files.
ARGOS_PACKAGES = {
    ("ru", "en"): ("translate-ru_en-1_9.argosmodel", "1.9", "https://argos-net.com/v1/translate-ru_en-1_9.argosmodel"),
    ("en", "ru"): ("translate-en_ru-1_9.argosmodel", "1.9", "https://argos-net.com/v1/translate-en_ru-1_9.argosmodel"),
}
ARGOS_INDEX = "https://github.com/argosopentech/argospm-index"


def argos_advice(from_code: str, to_code: str) -> str:
    """Where the Argos package for a pair is published and how to bring it to an offline machine."""
    known = ARGOS_PACKAGES.get((from_code, to_code))
    if known is None:
        return f"Argos Translate packages are listed in its package index ({ARGOS_INDEX}, index.json)."
    filename, version, url = known
    return (
        f"The Argos Translate package for this pair is {filename} (package version {version}), listed in the Argos "
        f"package index ({ARGOS_INDEX}, index.json, which also gives its size and checksum) and published at {url}. "
        "On an offline machine: download it on a connected one, check it against the index, copy the file over, "
        f"then run `leakdesk model add {filename}`."
    )


def no_model_message(from_code: str, to_code: str) -> str:
    return (
        f"No translation model for {language_name(from_code)} → {language_name(to_code)} is installed. "
        "Add one with `leakdesk model add PATH` (an Argos Translate .argosmodel package or a converted OPUS-MT "
        "folder), use `--engine libretranslate` with your desk's server, or import a human translation with "
        f"`leakdesk translation import CASE DISPATCH FILE`. {argos_advice(from_code, to_code)}"
    )


def read_package(path: Path, from_code: str | None = None, to_code: str | None = None) -> ModelPackage:
    """Recognise an unpacked model folder (Argos or OPUS-MT layout); the pair comes from its metadata or name."""
    path = Path(path)
    manifest = path / MANIFEST
    if manifest.exists():
        data = json.loads(manifest.read_text("utf-8"))
        return _package(path, data["name"], data["from"], data["to"], data["format"])
    if (path / "metadata.json").exists() and (path / "model").is_dir():
        try:
            meta = json.loads((path / "metadata.json").read_text("utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise TranslationError(f"{path}: metadata.json is not valid JSON ({exc}).") from exc
        src, tgt = from_code or meta.get("from_code"), to_code or meta.get("to_code")
        if not src or not tgt:
            raise TranslationError(f"{path}: metadata.json does not say the language pair (from_code, to_code).")
        name = f"argos-{src}-{tgt}-{meta.get('package_version', '1')}"
        return _package(path, name, src, tgt, "argos")
    if (path / "model.bin").exists() and (path / "source.spm").exists() and (path / "target.spm").exists():
        found = OPUS_NAME.search(path.name)
        src = from_code or (found.group(1).lower() if found else None)
        tgt = to_code or (found.group(2).lower() if found else None)
        if not src or not tgt:
            raise TranslationError(
                f"{path}: cannot tell the language pair of this OPUS-MT folder from its name; "
                "give it with --from and --to."
            )
        return _package(path, f"opus-mt-{src}-{tgt}", src, tgt, "opus-mt")
    raise TranslationError(
        f"{path} is not a translation model leakdesk can read: expected an Argos Translate package (.argosmodel, "
        "or a folder with model/, sentencepiece.model and metadata.json) or a converted OPUS-MT folder "
        "(model.bin, source.spm, target.spm)."
    )


def _package(root: Path, name: str, src: str, tgt: str, fmt: str) -> ModelPackage:
    if fmt == "argos":
        spm = root / "sentencepiece.model"
        return ModelPackage(name, src, tgt, fmt, root, root / "model", spm, spm)
    return ModelPackage(name, src, tgt, fmt, root, root, root / "source.spm", root / "target.spm")


def check_package(package: ModelPackage) -> None:
    """Load the model and its SentencePiece files once; a damaged model fails here, not mid-translation."""
    import ctranslate2
    import sentencepiece

    for spm in {package.source_spm, package.target_spm}:
        if not spm.exists():
            raise TranslationError(f"The model {package.name} has no {spm.name}; the package is incomplete.")
        try:
            sentencepiece.SentencePieceProcessor(model_file=str(spm))
        except (RuntimeError, OSError) as exc:
            raise TranslationError(
                f"The model {package.name}: {spm.name} is damaged and cannot be loaded ({_short(exc)})."
            ) from exc
    try:
        ctranslate2.Translator(str(package.model_dir), device="cpu")
    except (RuntimeError, ValueError, OSError) as exc:
        raise TranslationError(
            f"The model {package.name} cannot be loaded: its CTranslate2 files in {package.model_dir} are damaged "
            f"or incomplete ({_short(exc)})."
        ) from exc


def _short(exc: Exception) -> str:
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__


def _unpack(archive: Path, into: Path) -> Path:
    try:
        with zipfile.ZipFile(archive) as zf:
            for member in zf.namelist():
                target = (into / member).resolve()
                if not str(target).startswith(str(into.resolve())):
                    raise TranslationError(f"{archive.name} holds a file outside its folder ({member}); refused.")
            zf.extractall(into)
    except zipfile.BadZipFile as exc:
        raise TranslationError(f"{archive.name} is not a valid .argosmodel package (not a zip archive).") from exc
    candidates = [p.parent for p in into.rglob("metadata.json")]
    if not candidates:
        raise TranslationError(f"{archive.name} has no metadata.json; it is not an Argos Translate package.")
    return candidates[0]


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    for f in files:
        with f.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()


def add_model(path: Path, from_code: str | None = None, to_code: str | None = None) -> ModelPackage:
    """Check a model and copy it into the models folder; nothing is installed if it does not load."""
    path = Path(path).expanduser()
    if not path.exists():
        raise TranslationError(f"{path} does not exist.")
    home = models_home()
    home.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=home, prefix=".adding-") as tmp:
        source = _unpack(path, Path(tmp) / "unpacked") if path.is_file() else path
        package = read_package(source, from_code, to_code)
        check_package(package)
        dest = home / package.name
        if dest.exists():
            raise TranslationError(
                f"A model named {package.name} is already installed in {home}; remove that folder first to replace it."
            )
        staging = Path(tmp) / "staging"
        shutil.copytree(package.root, staging)
        installed = _package(dest, package.name, package.from_code, package.to_code, package.format)
        record = asdict(installed) | {
            "from": package.from_code,
            "to": package.to_code,
            "source": str(path),
            "sha256": _digest(path),
            "installed": datetime.now(UTC).isoformat(),
        }
        for key in ("root", "model_dir", "source_spm", "target_spm", "from_code", "to_code"):
            record.pop(key)
        (staging / MANIFEST).write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", "utf-8")
        staging.rename(dest)
    return installed


def list_models() -> list[ModelPackage]:
    home = models_home()
    if not home.is_dir():
        return []
    found = []
    for folder in sorted(home.iterdir()):
        if (folder / MANIFEST).exists():
            found.append(read_package(folder))
    return found


def find_model(from_code: str, to_code: str, name: str | None = None) -> ModelPackage:
    """The installed model for a pair (or the one named); a clear error when there is none."""
    models = list_models()
    if name:
        for package in models:
            if package.name == name:
                if (package.from_code, package.to_code) != (from_code, to_code):
                    raise TranslationError(
                        f"The model {name} translates {language_name(package.from_code)} → "
                        f"{language_name(package.to_code)}, but this text needs {language_name(from_code)} → "
                        f"{language_name(to_code)}."
                    )
                return package
        raise TranslationError(f"No installed model is named {name}; see `leakdesk model list`.")
    for package in models:
        if (package.from_code, package.to_code) == (from_code, to_code):
            return package
    raise NoModelError(no_model_message(from_code, to_code))
