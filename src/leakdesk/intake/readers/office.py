"""Legacy Office files (.doc, .xls, .ppt: OLE2 compound files) through Debian's converters — antiword (catdoc as a
fallback) for Word, xls2csv for Excel, catppt for PowerPoint — chosen by the streams inside the file (olefile), so
they never reach the Outlook .msg reader. A password-protected Office file (an encrypted .docx/.xlsx is also an OLE2
file) is recognised and said so in one line.

catppt reads only the text PowerPoint keeps in its slide list; presentations written by LibreOffice (and text boxes
in general) keep theirs in the slides' drawings, where catppt finds nothing. So a presentation's text records
([MS-PPT] TextCharsAtom / TextBytesAtom, outside the masters) are also read with olefile, and the reading that
found more text is kept, with the converter named. A file with no text at all is a warning, never a silent "ok".
"""

from __future__ import annotations

import functools
import shutil
import subprocess
from importlib.metadata import version
from pathlib import Path

import olefile

from leakdesk.errors import IntakeError
from leakdesk.intake.readers.text import text_role
from leakdesk.intake.reading import Extracted, ReadContext, Reader, Source, TextPart

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
TIMEOUT = 120
KINDS = {  # kind: (media type, converter commands in order of preference, what a person calls it)
    "word": ("application/msword", (["antiword", "-m", "UTF-8.txt", "-w", "0"], ["catdoc", "-d", "utf-8", "-w"]),
             "Word document"),
    "excel": ("application/vnd.ms-excel", (["xls2csv", "-d", "utf-8", "-q", "0"],), "Excel workbook"),
    "powerpoint": ("application/vnd.ms-powerpoint", (["catppt", "-d", "utf-8"],), "PowerPoint presentation"),
}


def ole_kind(source: Source) -> str | None:
    """word, excel, powerpoint, encrypted, msg (an Outlook message), other — or None when not an OLE2 file."""
    if not source.head(8).startswith(OLE):
        return None
    try:
        with source.open() as fh, olefile.OleFileIO(fh) as ole:
            streams = {"/".join(entry) for entry in ole.listdir(streams=True, storages=True)}
    except Exception:  # olefile raises several kinds on damaged files
        return "other"
    tops = {s.split("/")[0] for s in streams}
    if "EncryptedPackage" in tops or "EncryptionInfo" in tops:
        return "encrypted"
    if any(s.startswith("__substg1.0_") or s == "__properties_version1.0" for s in tops):
        return "msg"
    if "WordDocument" in tops:
        return "word"
    if "Workbook" in tops or "Book" in tops:
        return "excel"
    if "PowerPoint Document" in tops:
        return "powerpoint"
    return "other"


class LegacyOfficeReader(Reader):
    name = "legacy-office"
    version = f"olefile {version('olefile')}"
    isolated = True  # parsed in the budgeted worker (intake/budget.py)
    media_types = ("application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint")
    extensions = ("doc", "dot", "xls", "xlt", "ppt", "pps", "pot")
    magic = (OLE,)

    def sniff(self, source: Source, head: bytes) -> int:
        if not head.startswith(OLE):
            return 0
        kind = ole_kind(source)
        if kind == "msg":
            return -100  # an Outlook message, whatever its name: the .msg reader's
        return 20 if kind in ("word", "excel", "powerpoint", "encrypted") else 0

    def read(self, source: Source, ctx: ReadContext) -> Extracted:
        kind = ole_kind(source)
        if kind is None:
            raise IntakeError("not an Office 97–2003 file although it is named or labelled as one "
                              "(it is not an OLE2 compound file)")
        if kind == "encrypted":
            raise IntakeError("the Office document is password-protected (encrypted); its text cannot be read")
        if kind not in KINDS:
            raise IntakeError("an OLE2 compound file that is not a Word, Excel or PowerPoint file; "
                              "its content was not read")
        media, commands, label = KINDS[kind]
        path = source.path or ctx.originals_path(ctx.store_bytes(source.read_bytes()).sha256)
        ex = Extracted(kind="file", media_type=media)
        text, tool, failure = _convert(path, commands)
        if kind == "powerpoint":
            records = powerpoint_text(path)
            if records and _letters(records) > _letters(text or ""):
                if text is not None:
                    ex.details["converter_note"] = f"{tool} found less text than the presentation's text records"
                text, tool = records, "olefile"
        if text is None:
            raise IntakeError(f"the {label} could not be read ({failure})")
        ex.details["converter"] = tool
        text = text.strip()
        if len(text) > ctx.limits.max_text_chars:
            text = text[: ctx.limits.max_text_chars]
            ex.details["truncated"] = f"only the first {ctx.limits.max_text_chars:,} characters were kept"
        if text:
            ex.texts.append(TextPart(text_role(ctx), text, tool.split()[0], _tool_version(tool.split()[0])))
        else:
            ex.warnings.append(f"the {label} holds no text that could be read")
        return ex


# [MS-PPT] record types: containers to leave out (masters, notes, handouts) and the two text atoms.
_SKIPPED_CONTAINERS = {0x03F8, 0x03F0, 0x0FC9}  # MainMaster, Notes, Handout
_TEXT_CHARS, _TEXT_BYTES = 0x0FA0, 0x0FA8
_MAX_DEPTH = 32


def powerpoint_text(path: Path, max_chars: int = 5_000_000) -> str:
    """The slides' text of a PowerPoint 97–2003 file from its text records, in file order, repeats left out; ""
    when there is none or the stream cannot be read. Paragraph marks (\\r) and line breaks (\\v) become new lines."""
    try:
        with olefile.OleFileIO(str(path)) as ole:
            data = ole.openstream("PowerPoint Document").read()
    except Exception:  # olefile raises several kinds on damaged files
        return ""
    seen: set[str] = set()
    out: list[str] = []
    total = 0
    stack = [(0, len(data), 0)]
    while stack:
        at, end, depth = stack.pop()
        while at + 8 <= end:
            ver_instance, rec_type, length = int.from_bytes(data[at:at + 2], "little"), \
                int.from_bytes(data[at + 2:at + 4], "little"), int.from_bytes(data[at + 4:at + 8], "little")
            body, after = at + 8, min(at + 8 + length, end)
            if ver_instance & 0x000F == 0x000F:  # a container: read its children first, then go on after it
                if rec_type not in _SKIPPED_CONTAINERS and depth < _MAX_DEPTH:
                    stack.append((after, end, depth))
                    stack.append((body, after, depth + 1))
                    break
            elif rec_type in (_TEXT_CHARS, _TEXT_BYTES):
                raw = data[body:after]
                text = raw.decode("utf-16-le", "replace") if rec_type == _TEXT_CHARS else raw.decode("latin-1")
                text = text.replace("\r", "\n").replace("\v", "\n").strip()
                if text and text not in seen:
                    seen.add(text)
                    out.append(text)
                    total += len(text)
                    if total > max_chars:
                        return "\n\n".join(out)
            at = after
    return "\n\n".join(out)


def _letters(text: str) -> int:
    return sum(ch.isalnum() for ch in text)


def _convert(path: Path, commands: tuple[list[str], ...]) -> tuple[str | None, str, str]:
    failure = "no converter installed"
    for command in commands:
        exe = shutil.which(command[0])
        if exe is None:
            package = "antiword" if command[0] == "antiword" else "catdoc"
            failure = f"{command[0]} is not installed (Debian package {package})"
            continue
        try:
            done = subprocess.run([exe, *command[1:], str(path)], capture_output=True, timeout=TIMEOUT, check=False)
        except subprocess.TimeoutExpired:
            failure = f"{command[0]} took longer than {TIMEOUT} seconds"
            continue
        said = done.stderr.decode("utf-8", "replace").strip().splitlines()
        if done.returncode == 0 and done.stdout.strip():
            return done.stdout.decode("utf-8", "replace"), command[0], ""
        if done.returncode == 0:
            return "", command[0], ""
        failure = f"{command[0]}: {said[-1][:200] if said else f'exit status {done.returncode}'}"
    return None, "", failure


@functools.cache
def _tool_version(tool: str) -> str:
    """The Debian package version of a converter (xls2csv and catppt come with catdoc)."""
    package = "antiword" if tool == "antiword" else "catdoc"
    try:
        done = subprocess.run(["dpkg-query", "-W", "-f=${Version}", package], capture_output=True, timeout=10,
                              check=False)
    except (OSError, subprocess.TimeoutExpired):
        return "unknown"
    return done.stdout.decode("ascii", "replace").strip()[:40] or "unknown"
