"""The local outbox folder: where "send" writes .eml files when no mail server is set up.

The messages are plain text with everything the member typed (bank details, diagnosis): the
folder is the service account's alone (0700) and so is every file in it (0600), whatever the
umask; a folder made looser earlier, or by hand, is tightened when the app starts and on
every write."""
from __future__ import annotations

import logging
import os
import re
import secrets
import stat
import time
from pathlib import Path
from typing import Callable, Iterable

FOLDER_MODE = 0o700
FILE_MODE = 0o600


class OutboxFolder:
    def __init__(self, path: Path | None, existing_references: Callable[[list[str]], set[str]]):
        self.path = path
        self.existing_references = existing_references  # which submissions still exist
        if path is not None and path.is_dir():
            try:
                self._make_private()
            except OSError as exc:  # not ours to change (another owner): say so, keep serving
                logging.getLogger(__name__).warning("outbox folder permissions not tightened (%s)",
                                                    type(exc).__name__)

    def write(self, name: str, data: bytes) -> str:
        """Write one message as `name` (readable by the service account only); return the
        name. Written beside and renamed into place: a reader never sees half a message, and
        a link planted under that name is replaced, never followed."""
        self.path.mkdir(mode=FOLDER_MODE, parents=True, exist_ok=True)
        self._make_private(files=False)
        partial = self.path / f".{name}.{secrets.token_hex(6)}.partial"
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, FILE_MODE)
        try:
            os.fchmod(fd, FILE_MODE)  # exactly 0600, whatever the umask
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(partial, self.path / name)
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
        return name

    def _make_private(self, files: bool = True) -> None:
        """The folder 0700, and (at start) any message file in it 0600: files written before
        this rule, or copied in by hand."""
        if stat.S_IMODE(self.path.stat().st_mode) != FOLDER_MODE:
            self.path.chmod(FOLDER_MODE)
        for path in self.path.glob("*.eml") if files else ():
            info = path.lstat()
            if stat.S_ISREG(info.st_mode) and stat.S_IMODE(info.st_mode) != FILE_MODE:
                path.chmod(FILE_MODE)

    def discard(self, name: str) -> None:
        """Delete one message written earlier (it is being sent over SMTP instead, so that
        the service's administrator does not send it a second time)."""
        if self.path is not None and name and Path(name).name == name and name.endswith(".eml"):
            (self.path / name).unlink(missing_ok=True)

    def remove(self, references: Iterable[str]) -> None:
        """Delete the .eml files written for these submissions (their draft is gone)."""
        if self.path is None or not self.path.is_dir():
            return
        for reference in references:
            for path in self.path.glob(f"{reference}-*.eml"):
                path.unlink(missing_ok=True)

    def sweep(self, expire_member_mail: dict[str, float] | None = None) -> int:
        """Delete every .eml file in the folder whose submission no longer exists (purged,
        deleted by the member, or left by an interrupted purge). Mail to members
        (`<purpose>-<hex>.eml`, Postman.send_to_member) belongs to no submission: it is kept,
        except a purpose in `expire_member_mail` (purpose -> seconds: a sign-in link, dead
        after its minutes) once its file is that old. Reminders stay until the operator has
        sent or deleted them: the reminder's row says "written", so nothing else sends it."""
        if self.path is None or not self.path.is_dir():
            return 0
        files: dict[str, list[Path]] = {}
        removed = 0
        for path in self.path.glob("*.eml"):
            if (purpose := member_mail_purpose(path.name)) is not None:
                lifetime = (expire_member_mail or {}).get(purpose)
                if lifetime is not None and time.time() - path.stat().st_mtime > lifetime:
                    path.unlink(missing_ok=True)
                    removed += 1
                continue
            files.setdefault(path.stem.rpartition("-")[0], []).append(path)
        live: set[str] = set()
        names = list(files)
        for start in range(0, len(names), 500):
            live |= self.existing_references(names[start:start + 500])
        for reference, paths in files.items():
            if reference not in live:
                for path in paths:
                    path.unlink(missing_ok=True)
                    removed += 1
        return removed


# Mail to a member: its purpose (lower-case words and hyphens), then 12 random hex digits.
# A submission's file is `<reference>-<purpose>.eml`, its purpose never 12 hex digits.
MEMBER_MAIL = re.compile(r"(?P<purpose>[a-z]+(?:-[a-z]+)*)-[0-9a-f]{12}\.eml")


def member_mail_name(purpose: str) -> str:
    """The file name of a message to a member (Postman.send_to_member)."""
    return f"{purpose}-{secrets.token_hex(6)}.eml"


def member_mail_purpose(name: str) -> str | None:
    found = MEMBER_MAIL.fullmatch(name)
    return found["purpose"] if found else None
