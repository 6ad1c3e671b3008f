"""Where `--output` writes: a regular file, replaced atomically, or the terminal's own stream, written
through. Anything else (a directory, a FIFO, a device, a symlink leading out of the working directory
or to something not a regular file) is refused before the run starts: refcheck replaces no file it
was not asked to write."""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from refcheck.errors import UsageError
from refcheck.sources import non_regular_file


@dataclass(frozen=True, slots=True)
class Target:
    """A checked `--output`: a file to replace (`path`), or a stream to write through (`stream`)."""

    shown: str  # as given, for messages
    path: Path | None = None
    stream: TextIO | None = None


def output_target(given: str) -> Target:
    """Check `--output` before any work: UsageError (exit 2) naming the path and the reason."""
    if not given:
        raise UsageError("--output: an empty path")
    if "\x00" in given:
        raise UsageError(f"--output: a path cannot contain a NUL byte, got {given!r}")
    stream = _terminal_stream(given)
    if stream is not None:
        return Target(given, stream=stream)
    path = Path(given)
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        if not path.parent.is_dir():
            raise UsageError(f"cannot write {given}: No such file or directory") from None
        return Target(given, path=path)
    except OSError as exc:
        raise UsageError(f"cannot write {given}: {exc.strerror or exc}") from None
    why = non_regular_file(path)
    if why:
        raise UsageError(f"--output: {given} {why}; refcheck writes only regular files")
    if stat.S_ISLNK(info.st_mode):
        real = path.resolve()
        if not real.is_relative_to(Path.cwd().resolve()):
            raise UsageError(f"--output: {given} is a symbolic link to {real}, outside the working directory")
        return Target(given, path=real)  # the file the link names is replaced; the link stays
    return Target(given, path=path)


def _terminal_stream(given: str) -> TextIO | None:
    """Standard output or error when `given` is `-` or names the very file they are open on
    (`/dev/stdout`, `/dev/fd/2`, the tty): those are written through, never replaced."""
    if given == "-":
        return sys.stdout
    try:
        info = os.stat(given)
    except (OSError, ValueError):
        return None
    for fd, stream in ((1, sys.stdout), (2, sys.stderr)):
        try:
            open_on = os.fstat(fd)
        except OSError:
            continue
        if (open_on.st_dev, open_on.st_ino) == (info.st_dev, info.st_ino):
            return stream
    return None


def write_report(target: Target, chunks: Iterable[str]) -> None:
    """Write the report: through the stream, or to a temporary file beside the target then renamed
    over it, so an interrupted run leaves no half-written report. OSError is the caller's."""
    if target.stream is not None:
        target.stream.writelines(chunks)
        target.stream.flush()
        return
    assert target.path is not None
    path = target.path
    mode = _mode_for(path)
    import tempfile  # only for --output to a file

    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with open(fd, "w", encoding="utf-8") as handle:
            handle.writelines(chunks)
            handle.flush()
            os.fchmod(handle.fileno(), mode)
            os.fsync(handle.fileno())
        why = non_regular_file(path)  # replaced by something else while the run went on
        if why:
            raise UsageError(f"--output: {target.shown} {why}; refcheck writes only regular files")
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def _mode_for(path: Path) -> int:
    """The existing file's permissions, else those a new file gets (0o666 less the umask)."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
