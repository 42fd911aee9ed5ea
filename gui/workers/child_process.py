"""A worker's own process: start it, relay its messages, end it. Shared by training and triage.

A child runs Qt-free code (gui.workers.train_process, gui.workers.triage_process)
at a lower priority and puts tuples on a queue, the last one ``("end", ...)``;
the QThread that started it turns the others into signals. Qt-free.
"""

from __future__ import annotations

import queue as queue_module
from collections.abc import Callable, Iterator


class ChildEnded(Exception):
    """The child process ended without saying "end" (killed, or crashed in native code)."""

    def __init__(self, exitcode):
        super().__init__(f"exit code {exitcode}")
        self.exitcode = exitcode


def lower_priority(niceness: int) -> None:
    """In the child: give the reader's process the processor first (where the system allows it)."""
    import os

    if hasattr(os, "nice"):
        try:
            os.nice(niceness)
        except OSError:
            pass                     # not allowed here: run at normal priority


def start_child(target, args: tuple, name: str):
    """(process, messages queue, stop event) of a started child running ``target(*args, messages, stop)``.

    spawn, not fork: forking a process that runs Qt threads can copy a held lock into the child.
    Raises OSError or RuntimeError when no process can be made.
    """
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    messages, stop = ctx.Queue(), ctx.Event()
    child = ctx.Process(target=target, name=name, daemon=True, args=(*args, messages, stop))
    child.start()
    return child, messages, stop


def relay(child, messages, stop, interrupted: Callable[[], bool], poll_s: float = 0.1) -> Iterator[tuple]:
    """The child's messages until its ``("end", ...)``; sets ``stop`` once ``interrupted()`` is true.

    Raises ChildEnded when the child exits without "end" (what it sent just before is still yielded).
    The child is joined (terminated if it will not end) and the queue closed however this ends.
    """
    try:
        while True:
            if interrupted():
                stop.set()           # the child ends at its next check and says "end"
            try:
                message = messages.get(timeout=poll_s)
            except queue_module.Empty:
                if child.is_alive():
                    continue
                try:                 # drain what it sent just before exiting
                    message = messages.get(timeout=0.5)
                except queue_module.Empty:
                    raise ChildEnded(child.exitcode) from None
            if message[0] == "end":
                return
            yield message
    finally:
        child.join(timeout=10)
        if child.is_alive():
            child.terminate()
            child.join(timeout=5)
        messages.close()
