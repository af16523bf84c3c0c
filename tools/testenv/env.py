"""Start and stop an environment in a state directory; context managers for tests."""

from __future__ import annotations

import contextlib
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from . import moto_env, rgw_env, sink_env, state
from .procs import StartError, stop_all

KINDS = {"moto": moto_env.start, "rgw": rgw_env.start, "sink": sink_env.start}


def stop(state_dir: str | Path) -> list[str]:
    """Stop every process started into state_dir (by recorded PID); fine if none runs."""
    state_dir = Path(state_dir)
    stopped = stop_all(state_dir) if state_dir.is_dir() else []
    state.path(state_dir).unlink(missing_ok=True)
    return stopped


# What a run creates in its state directory, besides the reusable tls/ and the state files.
RUN_DIRS = ("moto", "nginx", "ceph", "sink")


def _clear(state_dir: Path) -> None:
    """Remove data a previous run left (never anything else: the directory may be shared)."""
    for name in RUN_DIRS:
        shutil.rmtree(state_dir / name, ignore_errors=True)


def start(kind: str, state_dir: str | Path) -> dict:
    """Start `kind` ("moto" or "rgw") into state_dir; returns the state (also in testenv.json).

    A previous instance in the same directory is stopped first. On failure everything started
    so far is stopped again and StartError is raised with the failing server's log tail."""
    if kind not in KINDS:
        raise ValueError(f"unknown environment {kind!r}; choose from {sorted(KINDS)}")
    state_dir = Path(state_dir).resolve()
    state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    stop(state_dir)
    _clear(state_dir)
    try:
        st = KINDS[kind](state_dir)
    except BaseException as e:
        stop(state_dir)
        if isinstance(e, StartError | KeyboardInterrupt):
            raise
        raise StartError(f"starting {kind} in {state_dir} failed: {e!r}") from e
    st["state_dir"] = str(state_dir)
    st["started_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    state.save(state_dir, st)
    return st


@contextlib.contextmanager
def running(kind: str, state_dir: str | Path | None = None) -> Iterator[dict]:
    """`with running("moto") as st:` starts, yields the state dict, and stops at the end.

    Without state_dir a temporary directory is used and removed afterwards."""
    tmp = None
    if state_dir is None:
        tmp = state_dir = tempfile.mkdtemp(prefix=f"testenv-{kind}-")
    try:
        st = start(kind, state_dir)
        try:
            yield st
        finally:
            stop(state_dir)
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)


def moto(state_dir: str | Path | None = None):
    return running("moto", state_dir)


def rgw(state_dir: str | Path | None = None):
    return running("rgw", state_dir)
