"""Child processes of the local stack: they die with it, stop in order, and their output is labelled."""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

PR_SET_PDEATHSIG = 1
# Loaded before any fork: the child only calls a function pointer between fork and exec.
_LIBC = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None
_OUTPUT_LOCK = threading.Lock()


def _die_with_parent() -> Callable[[], None] | None:
    """preexec_fn asking Linux to SIGTERM the child when its parent dies, even by SIGKILL.

    The signal follows the *thread* that forked, so children must be spawned from the main thread.
    """
    if _LIBC is None:
        return None
    prctl = _LIBC.prctl
    parent = os.getpid()

    def preexec() -> None:
        prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before prctl took effect
            os.kill(os.getpid(), signal.SIGTERM)

    return preexec


@dataclass
class Child:
    """A started child: its process, the last lines it wrote, and whether it said it is ready."""

    label: str
    process: subprocess.Popen[str]
    ready_marker: str | None = None
    tail: deque[str] = field(default_factory=lambda: deque(maxlen=30))
    ready: threading.Event = field(default_factory=threading.Event)
    relay: threading.Thread | None = None

    @property
    def exited(self) -> bool:
        return self.process.poll() is not None

    def last_output(self, lines: int = 15) -> str:
        if self.relay is not None and self.exited:
            self.relay.join(timeout=1.0)  # let the relay read what the child wrote before it exited
        return "\n".join(f"    {line}" for line in list(self.tail)[-lines:]) or "    (no output)"


def _relay(child: Child, stream: IO[str], echo: bool) -> None:
    for raw in stream:
        line = raw.rstrip("\n")
        child.tail.append(line)
        if child.ready_marker and child.ready_marker in line:
            child.ready.set()
        if echo:
            with _OUTPUT_LOCK:
                sys.stderr.write(f"[{child.label}] {line}\n")
                sys.stderr.flush()
    stream.close()


def spawn(
    label: str,
    args: Sequence[str],
    *,
    env: Mapping[str, str],
    cwd: Path,
    ready_marker: str | None = None,
    echo: bool = True,
) -> Child:
    """Start `args` in its own session (a Ctrl-C at the terminal reaches only the orchestrator,
    which then stops children in order), tied to this process's life, output relayed to stderr."""
    process = subprocess.Popen(
        list(args),
        cwd=cwd,
        env={**env, "PYTHONUNBUFFERED": "1"},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
        errors="replace",
        start_new_session=True,
        preexec_fn=_die_with_parent(),  # only prctl and getppid run between fork and exec
    )
    child = Child(label, process, ready_marker)
    assert process.stdout is not None
    child.relay = threading.Thread(
        target=_relay, args=(child, process.stdout, echo), name=f"relay-{label}", daemon=True
    )
    child.relay.start()
    return child


def _signal_group(child: Child, signum: int) -> None:
    # poll() first: an exited child not yet reaped keeps its pid, so the group id cannot be reused.
    if child.process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.process.pid, signum)


def stop_all(children: Iterable[Child], timeout: float = 5.0) -> list[str]:
    """SIGTERM every child's process group, wait up to `timeout`, then SIGKILL what is left.

    Returns the labels of children that had to be killed.
    """
    running = [c for c in children if not c.exited]
    for child in running:
        _signal_group(child, signal.SIGTERM)
    killed: list[str] = []
    deadline = time.monotonic() + timeout
    for child in running:
        try:
            child.process.wait(max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            killed.append(child.label)
            _signal_group(child, signal.SIGKILL)
            child.process.wait()
    return killed


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    """Whether binding `port` fails, with the SO_REUSEADDR the servers use (TIME_WAIT is no obstacle)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as err:
            if err.errno in (errno.EADDRINUSE, errno.EACCES):
                return True
            raise
    return False


def free_port(host: str = "127.0.0.1") -> int:
    """A port free right now (for tests)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port
