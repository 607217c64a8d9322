"""The one wrapper around every command: output, interruption and exit status.

A command writes into buffers; :func:`guarded` then writes them out, so every failure of the
output is met in one place and ends in one line on standard error and a status, never a
traceback:

=======  ================================================================================
status   meaning
=======  ================================================================================
0        success
1        invalid input, or the output cannot be written (a full disk, a closed standard
         output: ``report >&-`` does not exit 0 having written nothing)
2        usage error (argparse)
130      interrupted (Ctrl-C, SIGINT): ``error: interrupted``
141      the reader of standard output went away (``| head``): quietly, as a program killed
         by SIGPIPE; whatever was meant for standard error is still written
=======  ================================================================================
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from typing import TextIO

__all__ = [
    "EXIT_BROKEN_PIPE",
    "EXIT_INTERRUPTED",
    "EXIT_INVALID",
    "EXIT_OK",
    "EXIT_USAGE",
    "guarded",
]

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
"""128 + SIGINT, what shells report for a program stopped by Ctrl-C."""
EXIT_BROKEN_PIPE = 141
"""128 + SIGPIPE, what shells report for ``yes | head``: the reader left, nothing is wrong."""


def guarded(
    command: Callable[[TextIO, TextIO], int], *, out: TextIO | None, err: TextIO | None
) -> int:
    r"""Run ``command(out_buffer, err_buffer)``, then write the buffers to ``out`` and ``err``.

    ``out`` or ``err`` is ``None`` when that stream is closed (Python sets ``sys.stdout`` to
    ``None`` for a program started with ``>&-``).

    Examples
    --------
    >>> import io
    >>> def hello(out, err):
    ...     print("hello", file=out)
    ...     return 0
    >>> buf = io.StringIO()
    >>> guarded(hello, out=buf, err=buf), buf.getvalue()
    (0, 'hello\n')
    >>> guarded(hello, out=None, err=buf), buf.getvalue().splitlines()[-1]
    (1, 'error: cannot write the output: standard output is closed')
    """
    buf_out, buf_err = io.StringIO(), io.StringIO()
    try:
        try:
            status = command(buf_out, buf_err)
        except MemoryError:  # a file too large to hold, when no reading limit stopped it
            buf_out = io.StringIO()
            print("error: out of memory (is the input too large?)", file=buf_err)
            status = EXIT_INVALID
        except OSError as exc:  # the readers report bad files; this is the environment
            print(f"error: {_os_message(exc)}", file=buf_err)
            status = EXIT_INVALID
        return _emit(buf_out.getvalue(), buf_err.getvalue(), status, out=out, err=err)
    except KeyboardInterrupt:
        _say("error: interrupted\n", err)
        return EXIT_INTERRUPTED


def _emit(text: str, err_text: str, status: int, *, out: TextIO | None, err: TextIO | None) -> int:
    """Write ``text`` to ``out`` and ``err_text`` to ``err``; the status the writing leaves."""
    if text:
        if out is None:
            _say(err_text + "error: cannot write the output: standard output is closed\n", err)
            return EXIT_INVALID
        try:
            out.write(text)
            out.flush()
        except BrokenPipeError:
            _silence(out)
            _say(err_text, err)
            return EXIT_BROKEN_PIPE
        except OSError as exc:
            _silence(out)
            _say(err_text + f"error: cannot write the output: {_os_message(exc)}\n", err)
            return EXIT_INVALID
    _say(err_text, err)
    return status


def _say(text: str, err: TextIO | None) -> None:
    """Write ``text`` to standard error when it can be written (there is no other place)."""
    if not text or err is None:
        return
    try:
        err.write(text)
        err.flush()
    except OSError:
        _silence(err)


def _silence(stream: TextIO) -> None:
    """Point a real stream's descriptor at the null device.

    Python flushes ``sys.stdout`` once more at exit; what a failed write left in its buffer
    would then fail again with "Exception ignored" and status 120.
    """
    try:
        fd = stream.fileno()
    except (OSError, ValueError, AttributeError):  # an in-memory stream: nothing to flush
        return
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, fd)
        os.close(null)
    except OSError:  # pragma: no cover - no null device
        return


def _os_message(exc: OSError) -> str:
    """``No space left on device`` (and the file, when there is one)."""
    text = exc.strerror or str(exc)
    return f"{text}: {exc.filename}" if exc.filename else text
