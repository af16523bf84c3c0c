"""Child processes of a test environment: start in the background, record by PID, wait, stop.

Every process started here is listed in STATE_DIR/pids.json as soon as it exists, together with
its kernel start time, so that `stop` finds exactly those processes again (also from another
Python process, and without killing an unrelated process that reused a stale PID).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

PIDS_FILE = "pids.json"


class StartError(RuntimeError):
    """A server did not come up; the message names it and carries its log tail."""


class NotComing(Exception):
    """Raised by a readiness check when waiting longer cannot help (e.g. a TLS failure)."""


def free_ports(n: int) -> list[int]:
    socks = []
    try:
        for _ in range(n):  # keep all bound at once so that the n ports differ
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def _start_time(pid: int) -> str | None:
    """Kernel start time (clock ticks since boot) of pid, or None if it is gone or a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = stat[stat.rindex(")") + 2:].split()  # fields after "pid (comm) "
    if fields[0] == "Z":
        return None
    return fields[19]


def write_private(path: Path, text: str) -> None:
    """Write a file readable by its owner only (it may hold secrets)."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.replace(tmp, path)


_LOG_PREFIX = re.compile(r"^\S+T\S+ [0-9a-f]+ +")  # ceph: "2026-...+0000 7f08d7bdde40  1 "
_LOG_ERROR = re.compile(r"(^|\s)-1 |\berror\b|\bfailed\b|\bfatal\b|\bemerg\b|\bcrit\b",
                        re.IGNORECASE)


def tail(path: str | Path, lines: int = 30) -> str:
    """The log's first error lines and its last lines, runs of repeated messages collapsed."""
    try:
        text = Path(path).read_text(errors="replace").splitlines()
    except FileNotFoundError:
        return f"({path} does not exist)"
    if not text:
        return f"({path} is empty)"
    errors = []
    for line in text:
        if _LOG_ERROR.search(line) and line not in errors:
            errors.append(line)
            if len(errors) == 8:
                break
    collapsed: list[list] = []  # [line, repeats]
    for line in text[-2000:]:
        if collapsed and _LOG_PREFIX.sub("", line) == _LOG_PREFIX.sub("", collapsed[-1][0]):
            collapsed[-1][1] += 1
        else:
            collapsed.append([line, 0])
    last = [line + (f"   [repeated {n} more times]" if n else "") for line, n in collapsed[-lines:]]
    head = ["first error lines:", *errors, "last lines:"] if errors else []
    return "\n".join(head + last)


def _load_pids(state_dir: Path) -> list[dict]:
    try:
        return json.loads((state_dir / PIDS_FILE).read_text())
    except (FileNotFoundError, ValueError):
        return []


def spawn(state_dir: Path, name: str, argv: list[str], log: Path,
          env: dict[str, str] | None = None) -> subprocess.Popen:
    """Start argv as a foreground server in its own session, stdout+stderr to `log`."""
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                env=env, start_new_session=True, close_fds=True)
    entries = _load_pids(state_dir)
    entries.append({"name": name, "pid": proc.pid, "start_time": _start_time(proc.pid),
                    "log": str(log)})
    write_private(state_dir / PIDS_FILE, json.dumps(entries, indent=1))
    return proc


def recorded_pids(state_dir: str | Path) -> dict[str, int]:
    return {e["name"]: e["pid"] for e in _load_pids(Path(state_dir))}


def _alive(entry: dict) -> bool:
    st = _start_time(entry["pid"])
    return st is not None and (entry.get("start_time") is None or st == entry["start_time"])


def _reap(pid: int) -> None:
    try:
        os.waitpid(pid, os.WNOHANG)  # only succeeds for our own children; avoids zombies
    except ChildProcessError:
        pass


def _wait_gone(entry: dict, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while True:
        _reap(entry["pid"])
        if not _alive(entry):
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)


def stop_all(state_dir: str | Path, timeout: float = 15.0) -> list[str]:
    """SIGTERM every recorded process (last started first), SIGKILL after `timeout`; wait."""
    state_dir = Path(state_dir)
    stopped = []
    for entry in reversed(_load_pids(state_dir)):
        pid, name = entry["pid"], entry["name"]
        if not _alive(entry):  # gone already, or the PID now belongs to another process
            _reap(pid)
            continue
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        if not _wait_gone(entry, timeout):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            if not _wait_gone(entry, 5):
                raise RuntimeError(f"{name} (pid {pid}) survived SIGKILL")
            name += " (killed)"
        stopped.append(f"{name}({pid})")
    (state_dir / PIDS_FILE).unlink(missing_ok=True)
    return stopped


def wait_until(what: str, check: Callable[[], bool], timeout: float,
               proc: subprocess.Popen | None = None, log: Path | None = None,
               interval: float = 0.1) -> None:
    """Poll check() until it is true; fail early if proc exits, and late after timeout."""
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise StartError(f"{what}: process exited with status {proc.returncode}"
                             + (f"\n--- {log} ---\n{tail(log)}" if log else ""))
        try:
            if check():
                return
        except NotComing as e:
            raise StartError(f"{what}: {e}"
                             + (f"\n--- {log} ---\n{tail(log)}" if log else "")) from None
        except Exception as e:  # noqa: BLE001 - keep polling, report the last error
            last_error = e
        time.sleep(interval)
    raise StartError(f"{what}: not ready after {timeout:.0f} s"
                     + (f" (last error: {last_error})" if last_error else "")
                     + (f"\n--- {log} ---\n{tail(log)}" if log else ""))


def run(argv: list[str], what: str, timeout: float = 60, log: Path | None = None) -> str:
    """Run a set-up command; raise StartError naming `what` (with output) if it fails."""
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise StartError(f"{what}: `{' '.join(argv)}` timed out after {timeout} s"
                         + (f"\n--- {log} ---\n{tail(log)}" if log else "")) from None
    if proc.returncode != 0:
        raise StartError(f"{what}: `{' '.join(argv)}` failed ({proc.returncode}):\n"
                         f"{(proc.stderr or proc.stdout).strip()[-1500:]}"
                         + (f"\n--- {log} ---\n{tail(log)}" if log else ""))
    return proc.stdout
