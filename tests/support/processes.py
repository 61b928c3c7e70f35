"""Processes an app process leaves behind: its PDF renderer, with the renderer's fork server
and resource tracker (see STACK-NOTES), read from /proc so that a test can end them."""
from __future__ import annotations

import contextlib
import os
import signal


def _process_table() -> dict[int, tuple[int, str]]:
    """pid: (parent pid, start time) of every process, from /proc."""
    table = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue  # gone meanwhile
            table[int(entry)] = (int(fields[1]), fields[19])
    return table


def descendants(pid: int) -> list[tuple[int, str]]:
    """The processes below `pid`, as (pid, start time)."""
    table = _process_table()
    found, parents = [], [pid]
    while parents:
        parent = parents.pop()
        for child, (ppid, started) in table.items():
            if ppid == parent:
                found.append((child, started))
                parents.append(child)
    return found


def end_leftovers(processes: list[tuple[int, str]]) -> None:
    """An app process ended by a signal leaves its PDF renderer running: kill those it had,
    so no test leaves processes behind. The start time tells a leftover from a new process
    given its pid."""
    table = _process_table()
    for pid, started in processes:
        if pid in table and table[pid][1] == started:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
