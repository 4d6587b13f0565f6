"""Test servers never outlive the test run, even a run killed with SIGKILL.

Every server temp folder of a session starts with that session's marker (`/tmp/ld-s<pid>-`), and a session also
marks its pytest base temp folder (where the cases' own GnuPG homes live). A process belongs to a session when its
command line names a marked path or its working folder lies in one (PostgreSQL's backends run inside their data
folder; Dovecot's and gpg-agent's command lines name their config or home). Processes are never picked by name.

Two guards use that:
- a watchdog, started by the session in a session of its own (a killed process group does not take it along),
  waits for its pytest process to end however it ends, then stops what is left under the markers;
- at the start of every session, sessions whose lock file is no longer held (their pytest died, and their
  watchdog with it) have their leftovers stopped the same way.

Run as a script, this module is the watchdog: `python reaper.py MARKERS_JSON`.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import IO

TEMP = Path("/tmp")  # the servers' folders are here: unix socket paths must stay short
LOCK_PREFIX = "ld-session-"
GRACE = 5.0  # seconds a stopped server gets to exit after SIGTERM before SIGKILL


def session_marker(pid: int | None = None) -> str:
    """The prefix of every server temp folder of the session run by `pid` (default: this process)."""
    return str(TEMP / f"ld-s{os.getpid() if pid is None else pid}-")


def _ancestors() -> set[int]:
    """This process and its parents: never stopped, whatever their command line says."""
    found, pid = {os.getpid()}, os.getpid()
    while pid > 1:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            break
        pid = int(stat.rsplit(")", 1)[1].split()[1])
        found.add(pid)
    return found


def _belongs(pid: str, markers: Iterable[str]) -> bool:
    try:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
        cwd = os.readlink(f"/proc/{pid}/cwd") + "/"
    except OSError:  # gone, or a kernel thread
        return False
    return any(m in args or cwd.startswith(m) for m in markers)


def processes_under(markers: list[str]) -> list[int]:
    """The processes whose command line names a marked path or whose working folder lies in one."""
    spared = _ancestors()
    return [int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) not in spared and _belongs(p, markers)]


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def stop(pids: list[int], grace: float = GRACE) -> None:
    """SIGTERM, then SIGKILL for whatever has not exited after `grace` seconds."""
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def reap(markers: list[str]) -> list[int]:
    """Stop every process under the markers (twice: a dying server may have just forked) and remove the
    marked server folders. Returns the processes stopped."""
    stopped: list[int] = []
    for _ in range(2):
        found = processes_under(markers)
        stop(found)
        stopped += found
    for marker in markers:
        if Path(marker).name.startswith("ld-s"):  # the servers' folders; pytest keeps its own base temp
            for folder in TEMP.glob(Path(marker).name + "*"):
                shutil.rmtree(folder, ignore_errors=True)
    return stopped


def reap_stale_sessions() -> list[int]:
    """Stop what earlier sessions left behind when they died with their watchdog (their lock is free)."""
    stopped: list[int] = []
    for lock in TEMP.glob(LOCK_PREFIX + "*.lock"):
        try:
            fh = open(lock, "r+")  # noqa: SIM115 - held across the reap, closed below
        except OSError:
            continue
        with fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:  # its pytest is running
                continue
            with contextlib.suppress(ValueError):
                stopped += reap(list(json.loads(fh.read() or "[]")))
            lock.unlink(missing_ok=True)
    return stopped


class SessionGuard:
    """Held by a pytest session: its lock file (naming its markers) and its watchdog."""

    def __init__(self, markers: list[str]) -> None:
        self.markers = markers
        self.lock_path = TEMP / f"{LOCK_PREFIX}{os.getpid()}.lock"
        making = self.lock_path.with_suffix(".making")  # locked and written before any reaper can see it
        self._lock: IO[str] = open(making, "w")  # noqa: SIM115 - held for the whole session
        fcntl.flock(self._lock, fcntl.LOCK_EX)
        self._lock.write(json.dumps(markers))
        self._lock.flush()
        os.replace(making, self.lock_path)
        self.watchdog = subprocess.Popen(
            [sys.executable, __file__, json.dumps(markers)], stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip

    def close(self) -> None:
        """A normal end: the watchdog stops what teardown left, then the lock goes."""
        assert self.watchdog.stdin is not None
        self.watchdog.stdin.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.watchdog.wait(timeout=60)
        self.lock_path.unlink(missing_ok=True)
        self._lock.close()


def _watch(markers: list[str]) -> None:
    """Wait until the pytest process that started us ends (stdin closed, or we were handed to another parent)."""
    parent = os.getppid()
    while os.getppid() == parent:
        ready, _, _ = select.select([sys.stdin], [], [], 0.5)
        if ready and not os.read(sys.stdin.fileno(), 4096):
            break
    reap(markers)


if __name__ == "__main__":
    _watch(json.loads(sys.argv[1]))
