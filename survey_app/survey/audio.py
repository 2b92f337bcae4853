"""Recorded read-aloud: audio files a förbund installs per question and language, played on the
question page with the browser's own <audio controls> (no JavaScript needed).

A förbund installs a folder with `flask audio install DIR --forbund NAME`. DIR holds a folder per
questionnaire, named by its id, with a file per question and language:

    DIR/eq5d-3l/MO.ar.mp3        the EQ-5D-3L question MO read in Arabic
    DIR/sjalvskattning/general_health.sv-x-lattlast.ogg

Only files whose questionnaire, question and language exist are installed, and only MP3, Ogg and
MP4 audio (checked by their first bytes, not only their names) of at most MAX_BYTES. The stored
name is made from those checked ids, never from the path given, so nothing can be written
outside the förbund's folder: AUDIO_DIR/<förbund id>/<questionnaire id>/<item id>.<language>.<ext>.

The pages link to the files as /svar/ljud/<questionnaire id>/<item id>.<language>.<ext>: the
address names a question, not the participant, and only a browser answering a bundle that asks
that questionnaire gets the file (see survey/routes.py: `recording`).
"""

from __future__ import annotations

import os
import re
import stat
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from survey_app.i18n import LANGUAGES
from survey_app.questionnaires import Registry

MAX_BYTES = 5 * 1024 * 1024
MIME_TYPES = {".mp3": "audio/mpeg", ".ogg": "audio/ogg", ".m4a": "audio/mp4"}
_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")


def _looks_like(suffix: str, head: bytes) -> bool:
    """Whether the file's first bytes are those of its kind of audio."""
    if suffix == ".mp3":  # an ID3 tag, or an MPEG audio frame's sync bits
        return head.startswith(b"ID3") or (
            len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0
        )
    if suffix == ".ogg":
        return head.startswith(b"OggS")
    if suffix == ".m4a":
        return head[4:8] == b"ftyp"
    return False


@dataclass(frozen=True)
class Outcome:
    installed: list[str]
    refused: list[str]  # "<path>: <why>", in Swedish


def stored_name(item_id: str, language: str, suffix: str) -> str:
    return f"{item_id}.{language}{suffix}"


def _parse(name: str) -> tuple[str, str, str] | None:
    """(item id, language, suffix) of a file name such as "MO.ar.mp3"; None if it is not one."""
    stem, suffix = os.path.splitext(name)
    item_id, _, language = stem.partition(".")
    if suffix.lower() not in MIME_TYPES or not _ID.match(item_id) or language not in LANGUAGES:
        return None
    return item_id, language, suffix.lower()


def forbund_dir(audio_dir: Path, forbund_id: int) -> Path:
    return audio_dir / str(int(forbund_id))


def install(source: Path, audio_dir: Path, forbund_id: int, registry: Registry) -> Outcome:
    """Copy the recordings in `source` (see the module's text) into the förbund's folder. A
    recording replaces the one installed before for the same question and language."""
    installed: list[str] = []
    refused: list[str] = []
    target_root = forbund_dir(audio_dir, forbund_id)
    for folder in sorted(source.iterdir()):
        if folder.is_symlink() or not folder.is_dir():
            refused.append(f"{folder.name}: inte en mapp per formulär")
            continue
        questionnaire = registry.get(folder.name) if _ID.match(folder.name) else None
        if questionnaire is None:
            refused.append(f"{folder.name}: inget formulär har det id:t")
            continue
        for path in sorted(folder.iterdir()):
            shown = f"{folder.name}/{path.name}"
            parsed = _parse(path.name)
            content, why = _read(path, parsed, questionnaire.item)
            if why or parsed is None or content is None:
                refused.append(f"{shown}: {why}")
                continue
            item_id, language, suffix = parsed
            target = target_root / questionnaire.id
            target.mkdir(parents=True, exist_ok=True)
            _write(content, target, stored_name(item_id, language, suffix))
            for other in MIME_TYPES:  # one recording per question and language
                if other != suffix:
                    (target / stored_name(item_id, language, other)).unlink(missing_ok=True)
            installed.append(shown)
    return Outcome(installed, refused)


def _read(
    path: Path, parsed: tuple[str, str, str] | None, item: Callable[[str], object]
) -> tuple[bytes | None, str | None]:
    """The file's content, read once (what is checked is what is stored), or why it is refused."""
    if parsed is None:
        return None, "namnet ska vara <fråga>.<språk>.mp3 (eller .ogg, .m4a), t.ex. MO.ar.mp3"
    if item(parsed[0]) is None:
        return None, "formuläret har ingen fråga med det id:t"
    try:
        # O_NOFOLLOW: a symbolic link is refused, even one put in place after the listing.
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None, "inte en vanlig fil"
    with os.fdopen(handle, "rb") as file:
        if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):
            return None, "inte en vanlig fil"
        content = file.read(MAX_BYTES + 1)
    if not content or len(content) > MAX_BYTES:
        return None, f"filen ska vara större än 0 och högst {MAX_BYTES // (1024 * 1024)} MB"
    if not _looks_like(parsed[2], content[:12]):
        return None, "filen är inte ljud av det slag namnet säger"
    return content, None


def _write(content: bytes, target: Path, name: str) -> None:
    """Write the file whole or not at all (a temporary file renamed into place)."""
    handle, temporary = tempfile.mkstemp(dir=target, prefix=".install-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target / name)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def recordings(audio_dir: str | Path, forbund_id: int, questionnaire_id: str) -> dict[str, str]:
    """The förbund's recordings of a questionnaire: {"<item id>.<language>": file name}. One
    directory listing; nothing is read from the database."""
    if not _ID.match(questionnaire_id):
        return {}
    # Every question page asks: a string path and one scandir (pathlib's parsing and a stat
    # before it were most of the time where the folder does not exist).
    folder = os.path.join(audio_dir, str(int(forbund_id)), questionnaire_id)
    try:
        entries = os.scandir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return {}
    found: dict[str, str] = {}
    with entries:
        for entry in entries:
            parsed = _parse(entry.name)
            if parsed is not None and entry.is_file(follow_symlinks=False):
                found[f"{parsed[0]}.{parsed[1]}"] = entry.name
    return found


def recording_path(
    audio_dir: Path, forbund_id: int, questionnaire_id: str, name: str, asked: Iterable[str]
) -> Path | None:
    """The file behind /svar/ljud/<questionnaire id>/<name>, when the questionnaire is one of
    those `asked` and the förbund has installed that recording."""
    if questionnaire_id not in set(asked) or _parse(name) is None:
        return None
    if recordings(audio_dir, forbund_id, questionnaire_id).get(name.rsplit(".", 1)[0]) != name:
        return None
    return forbund_dir(audio_dir, forbund_id) / questionnaire_id / name
