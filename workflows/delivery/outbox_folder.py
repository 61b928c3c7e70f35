"""The local outbox folder: where "send" writes .eml files when no mail server is set up."""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterable


class OutboxFolder:
    def __init__(self, path: Path | None, existing_references: Callable[[list[str]], set[str]]):
        self.path = path
        self.existing_references = existing_references  # which submissions still exist

    def write(self, name: str, data: bytes) -> Path:
        self.path.mkdir(parents=True, exist_ok=True)
        (self.path / name).write_bytes(data)
        return self.path / name

    def remove(self, references: Iterable[str]) -> None:
        """Delete the .eml files written for these submissions (their draft is gone)."""
        if self.path is None or not self.path.is_dir():
            return
        for reference in references:
            for path in self.path.glob(f"{reference}-*.eml"):
                path.unlink(missing_ok=True)

    def sweep(self) -> int:
        """Delete every .eml file in the folder whose submission no longer exists (purged,
        deleted by the member, or left by an interrupted purge)."""
        if self.path is None or not self.path.is_dir():
            return 0
        files: dict[str, list[Path]] = {}
        for path in self.path.glob("*.eml"):
            files.setdefault(path.stem.rpartition("-")[0], []).append(path)
        live: set[str] = set()
        names = list(files)
        for start in range(0, len(names), 500):
            live |= self.existing_references(names[start:start + 500])
        removed = 0
        for reference, paths in files.items():
            if reference not in live:
                for path in paths:
                    path.unlink(missing_ok=True)
                    removed += 1
        return removed
