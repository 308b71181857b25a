"""One run of a user's program: started in its own process group, read line by line, ended.

The program's standard output is read line by line (rung's report lines are on it);
both its output streams are copied to a log file as they come, and the end of its
standard error is kept for the error message of a failed job. A carriage return ends a
line as a newline does (a progress bar redrawn in place, then a report line, is read as
the terminal shows it), and only the first :data:`LINE_CAP` bytes of a longer line are
kept in memory (the log has all of it), so no output makes reading it slow or large.
:meth:`Program.end` ends the whole process group: SIGTERM first, then SIGKILL after a
grace period, so that a program (and anything it started) never outlives its job. On
Linux the program is also killed if the process that started it dies
(``PR_SET_PDEATHSIG``), so a killed driver or worker leaves no program running behind it.
"""

from __future__ import annotations

import collections
import contextlib
import multiprocessing
import os
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import BinaryIO

__all__ = ["LINE_CAP", "Program", "ProgramGone", "split_lines"]

_TAIL_LINES = 20
#: Bytes of one line kept to read; a longer line (no report line is) is cut, and marked.
LINE_CAP = 64 * 1024
_POLL_S = 0.5  # how often a silent program's deadline and the parent are checked
_DRAIN_S = 1.0  # output still read after the program exited (its children may hold pipes)


def split_lines(data: bytes) -> list[bytes]:
    """``data`` split at each newline or carriage return (the last item: the unended rest)."""
    return data.replace(b"\r", b"\n").split(b"\n")


class ProgramGone(Exception):
    """The program could not be started, or the process running it lost its parent."""


def _die_with_parent() -> Callable[[], None] | None:
    """A ``preexec_fn`` that has the kernel kill the child when its parent dies (Linux)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    parent = os.getpid()

    def preexec() -> None:
        prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG
        if os.getppid() != parent:  # the parent died before the call above
            os._exit(1)

    return preexec


class Program:
    """A started program.

    Args:
        arguments: The program and its arguments.
        env: Its whole environment.
        cwd: Its working directory (None: this process's).
        log: A binary file both output streams are copied to.

    Raises:
        ProgramGone: the program cannot be started (not found, not executable); the
            message names it.
    """

    def __init__(
        self,
        arguments: Sequence[str],
        env: Mapping[str, str],
        cwd: str | None,
        log: BinaryIO,
    ) -> None:
        self.arguments = list(arguments)
        self.log = log
        self.stderr_tail: collections.deque[str] = collections.deque(maxlen=_TAIL_LINES)
        try:
            self.process = subprocess.Popen(
                self.arguments,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=dict(env),
                cwd=cwd,
                start_new_session=True,  # its own process group, away from the terminal's Ctrl-C
                preexec_fn=_die_with_parent(),  # noqa: PLW1509 - one libc call, no Python state
                bufsize=0,
            )
        except (FileNotFoundError, PermissionError, NotADirectoryError) as err:
            if cwd is not None and not os.path.isdir(cwd):  # not the program's fault
                raise ProgramGone(f"its working directory {cwd} does not exist") from None
            raise ProgramGone(
                f"cannot start {self.arguments[0]!r}: {err.strerror or err}"
                + (f" (in {cwd})" if cwd else "")
            ) from None
        self._selector = selectors.DefaultSelector()
        self._selector.register(self.process.stdout, selectors.EVENT_READ, "out")
        self._selector.register(self.process.stderr, selectors.EVENT_READ, "err")
        self._partial = {"out": b"", "err": b""}
        self._ended = False
        self._parent = multiprocessing.parent_process()  # a worker process: its driver

    @property
    def pid(self) -> int:
        return self.process.pid

    def lines(self, seconds_left: Callable[[], float | None]) -> Iterator[str]:
        """The program's standard output, line by line, until both streams close.

        Args:
            seconds_left: Seconds before the job's timeout, or None without one.

        Raises:
            TimeoutError: ``seconds_left()`` reached 0 with the program still running.
            ProgramGone: this process is a worker whose driver died.
        """
        exited_at: float | None = None
        while self._selector.get_map():
            if exited_at is None and self.process.poll() is not None:
                exited_at = time.monotonic()
            if exited_at is not None and time.monotonic() - exited_at > _DRAIN_S:
                break  # a child it left running holds its output open
            left = seconds_left() if exited_at is None else None
            if left is not None and left <= 0:
                raise TimeoutError
            if self._parent is not None and not self._parent.is_alive():
                raise ProgramGone("the driver of this worker died")
            wait = _POLL_S if left is None else min(_POLL_S, left)
            if exited_at is not None:
                wait = min(wait, _DRAIN_S)
            for key, _ in self._selector.select(wait):
                yield from self._read(key.fileobj, key.data)
        for name in ("out", "err"):  # a last line without its newline
            rest, self._partial[name] = self._partial[name], b""
            if rest:
                yield from self._lines(name, [rest])

    def _read(self, stream: object, name: str) -> Iterator[str]:
        chunk = os.read(stream.fileno(), 65536)  # type: ignore[attr-defined]
        if not chunk:
            self._selector.unregister(stream)
            return
        self.log.write(chunk)
        self.log.flush()
        *complete, rest = split_lines(self._partial[name] + chunk)
        # One byte past the cap tells a cut line; the rest of it is not kept (each read
        # then copies at most the cap and a chunk, however long the line grows).
        self._partial[name] = rest[: LINE_CAP + 1]
        yield from self._lines(name, complete)

    def _lines(self, name: str, raw: list[bytes]) -> Iterator[str]:
        for line in raw:
            if len(line) > LINE_CAP:
                line = line[:LINE_CAP] + b" [rung: line cut, longer than %d bytes]" % LINE_CAP
            text = line.decode("utf-8", errors="replace")
            if name == "err":
                if text.strip():
                    self.stderr_tail.append(text)
            else:
                yield text

    def wait(self, seconds_left: Callable[[], float | None]) -> int:
        """Waits for the program to exit, once its output is read; returns its status.

        A program may close its output and go on (``exec >file``, a daemon): the job's
        timeout and the driver still end the wait, as they end :meth:`lines`.

        Args:
            seconds_left: Seconds before the job's timeout, or None without one.

        Raises:
            TimeoutError: ``seconds_left()`` reached 0 with the program still running.
            ProgramGone: this process is a worker whose driver died.
        """
        while True:
            left = seconds_left()
            wait = _POLL_S if left is None else max(0.0, min(_POLL_S, left))
            try:
                return self.process.wait(wait)
            except subprocess.TimeoutExpired:
                pass
            if left is not None and left <= wait:
                raise TimeoutError
            if self._parent is not None and not self._parent.is_alive():
                raise ProgramGone("the driver of this worker died")

    def drain(self, seconds: float) -> None:
        """Copies output to the log until the program exits or ``seconds`` pass."""
        deadline = time.monotonic() + seconds
        while self.process.poll() is None and time.monotonic() < deadline:
            events = self._selector.select(min(0.1, max(0.0, deadline - time.monotonic())))
            for key, _ in events:
                for _line in self._read(key.fileobj, key.data):
                    pass
            if not self._selector.get_map():
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self.process.wait(max(0.0, deadline - time.monotonic()))

    def end(self, grace_s: float, wait_first: bool = False) -> None:
        """Ends the program's process group and closes its pipes.

        Args:
            grace_s: Seconds between SIGTERM and SIGKILL (and, with ``wait_first``, the
                time the program gets to exit by itself before SIGTERM).
            wait_first: Let it exit on its own first (it reached its target and may be
                saving a checkpoint). Its job has ended well whatever it does then; the
                log says if it failed, or did not exit in time (its checkpoint may be
                older than its last report).
        """
        if self._ended:
            return
        self._ended = True
        try:
            if self.process.poll() is None and wait_first:
                self.drain(grace_s)
            if wait_first:
                self._log_late_end(grace_s)
            if self.process.poll() is None:
                self._signal(signal.SIGTERM)
                self.drain(grace_s)
            # Whatever is left of the group (the program's own children) goes now.
            self._signal(signal.SIGKILL)
            self.process.wait()
        finally:
            self._selector.close()
            for stream in (self.process.stdout, self.process.stderr):
                if stream is not None:
                    stream.close()

    def _log_late_end(self, grace_s: float) -> None:
        code = self.process.poll()
        if code is None:
            note = f"had not exited {grace_s:g} s after its last report: it is ended"
        elif code != 0:
            note = f"exited with status {code} after its last report"
        else:
            return
        self.log.write(f"=== rung: the program {note}\n".encode())
        self.log.flush()

    def _signal(self, sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, sig)
