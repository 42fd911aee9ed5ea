"""Decode with GDCM in a child process, so a damaged file can never abort the application.

python-gdcm lets some C++ exceptions escape on damaged streams (for example
the assertion ``PF.GetBitsAllocated() == PF.GetBitsStored()`` on a JPEG
Lossless file whose (0028,0101) Bits Stored was altered); std::terminate then
aborts the process: the workstation would close and the radiologist's session
would be lost. Every decode that needs GDCM (with this install: JPEG Lossless
Process 14, the one family no other plugin decodes) therefore runs in one
long-lived child, core/dicom/decode_worker.py. When the child dies, the caller
gets CorruptDicomError "<file>: the <family> data is damaged and could not be
decoded", and the next request starts a fresh child.

Why a plain subprocess and not multiprocessing: the GUI trains in a daemonic
multiprocessing child (gui/workers/train.py), and a daemonic process may not
start multiprocessing children; ``subprocess`` works from any process, and
the child does not re-import the parent's ``__main__`` (the GUI's Qt).

Requests are serialised by a lock, so a child that dies was always decoding
the file of the request in flight: nobody else's file is blamed.
"""

from __future__ import annotations

import atexit
import logging
import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np

from core.dicom.decode_worker import read_message, write_message
from core.errors import CorruptDicomError, DicomError, ImageTooLargeError, UnsupportedDicomError

log = logging.getLogger(__name__)

# One frame of the largest image the pixel budget admits decodes in a few seconds;
# a child silent for this long is stuck in a damaged stream and is stopped.
DECODE_TIMEOUT_S = 120.0
# Start-up imports pydicom, numpy and gdcm: about a second, far longer on a busy machine.
START_TIMEOUT_S = 120.0

_PROJECT_ROOT = Path(__file__).resolve().parents[2]
_REFUSALS = {cls.__name__: cls for cls in (DicomError, CorruptDicomError, UnsupportedDicomError, ImageTooLargeError)}


def worker_command() -> list[str]:
    """The child's command line: this Python running the worker module, or in a packaged (PyInstaller)
    build, whose sys.executable is the application itself and runs no ``-m``, the application with the
    private first argument main.py hands to the worker."""
    if getattr(sys, "frozen", False):
        return [sys.executable, "--decode-worker"]
    return [sys.executable, "-m", "core.dicom.decode_worker"]


class _Child:
    """One running decode_worker process and its pipes."""

    def __init__(self) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(_PROJECT_ROOT), env.get("PYTHONPATH")) if p)
        env.setdefault("OMP_NUM_THREADS", "1")
        # stderr to /dev/null: GDCM prints its C++ diagnostics there, which would reach the user's
        # console next to the one sentence that explains the failure.
        self.process = subprocess.Popen(
            worker_command(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, env=env, close_fds=True,
        )
        ready = self.exchange(None, START_TIMEOUT_S)
        if not (isinstance(ready, tuple) and ready[:1] == ("ready",)):
            code = self.stop()
            raise _StartFailed(code)

    def exchange(self, request, timeout: float):
        """Send ``request`` (None: only read) and return the reply.

        Returns NOT_SENT when the request could not be written (the child was
        already gone), None when the child died or timed out on the request.
        """
        timer = threading.Timer(timeout, self.process.kill)   # a kill closes the pipe: the read below returns
        timer.daemon = True
        timer.start()
        try:
            if request is not None:
                try:
                    write_message(self.process.stdin, request)
                except (BrokenPipeError, OSError, ValueError):
                    return NOT_SENT
            return read_message(self.process.stdout)
        except (OSError, EOFError, ValueError):
            return None
        finally:
            timer.cancel()

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> int | None:
        """End the child (closing stdin ends it; kill if it does not) and return its exit status."""
        for stream in (self.process.stdin, self.process.stdout):
            try:
                stream.close()
            except OSError:
                pass
        try:
            return self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()


class DecoderFailed(Exception):
    """The child's decoder raised a Python exception (the child lived): the caller words it."""


class _StartFailed(Exception):
    def __init__(self, code: int | None):
        super().__init__(f"exit status {code}")
        self.code = code


NOT_SENT = object()
_lock = threading.Lock()
_child: _Child | None = None
restarts = 0   # requests on which the child died or hung (a new one starts next time): tests, bench


def decode_isolated(path: str, frame: int, family: str, syntax_name: str) -> np.ndarray:
    """Frame ``frame`` of ``path`` decoded by GDCM in the child process.

    Raises the project's errors only: CorruptDicomError when the child died or
    stopped answering on this file, UnsupportedDicomError when no child could
    be started, and whatever the child's own checks refused.
    """
    global _child, restarts
    path = os.path.abspath(path)
    with _lock:
        reply = NOT_SENT
        for _attempt in range(2):   # a second attempt only when the child was gone before this request
            if _child is not None and not _child.alive():
                _child.stop()
                _child = None
            if _child is None:
                _child = _start_child(path, syntax_name)
            reply = _child.exchange((path, int(frame)), DECODE_TIMEOUT_S)
            if reply is not NOT_SENT:
                break
            _child.stop()
            _child = None
        if reply is NOT_SENT:   # two fresh children gone before reading a request: not this file's doing
            raise UnsupportedDicomError(
                path, f"compressed with {syntax_name}, and its decoder could not be started on this computer")
        if reply is None:
            code = _child.stop() if _child is not None else None
            _child = None
            restarts += 1
            # No patient data: the exit status and the family only.
            log.warning("the isolated GDCM decoder ended (exit status %s) on a %s file; a new one starts "
                        "with the next request", code, family)
            raise CorruptDicomError(path, f"the {family} data is damaged and could not be decoded")
    return _reply_value(path, reply)


def _start_child(path: str, syntax_name: str) -> _Child:
    try:
        return _Child()
    except (_StartFailed, OSError) as err:
        log.warning("the isolated GDCM decoder did not start (%s)", err)
        raise UnsupportedDicomError(
            path, f"compressed with {syntax_name}, and its decoder could not be started on this computer"
        ) from None


def _reply_value(path: str, reply) -> np.ndarray:
    kind = reply[0]
    if kind == "ok":
        return reply[1]
    if kind == "refused":
        raise _REFUSALS.get(reply[1], CorruptDicomError)(path, reply[2])
    raise DecoderFailed(reply[1])


def shutdown() -> None:
    """Stop the child (it also ends by itself when this process exits: its stdin closes)."""
    global _child
    with _lock:
        if _child is not None:
            _child.stop()
            _child = None


def child_pid() -> int | None:
    """The running child's process id (tests), or None."""
    with _lock:
        return _child.process.pid if _child is not None and _child.alive() else None


atexit.register(shutdown)
