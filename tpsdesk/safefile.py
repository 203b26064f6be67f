"""Export files written whole or not at all, private to their owner (X2).

An export holds customer data. It is written to a temporary file in the target's own
folder (created with O_EXCL, mode 0600), flushed, fsync-ed and renamed over the target,
and then the folder is fsync-ed: a reader, a crash or a SIGKILL finds the old file or the
new one, never a part of either. A replaced file is a new 0600 file, whatever the old
one's mode was.

Only three kinds of target are written: a name that does not exist yet, an empty regular
file of the person's own (it holds nothing to lose: ``touch`` or ``mktemp`` made it), and a
file that ``is_export`` recognises as one tpsdesk wrote before (an export begins with its
format's signature, ``tpsdesk.export.is_export``; a zip, such as an xlsx workbook, is handed
over whole, up to ``ZIP_MAX`` bytes, since what marks it as tpsdesk's lies inside the archive). Everything else is refused before a byte
is written: the database in use, its WAL, shared-memory and journal files (by path, by the
path of a symbolic link's target and by device and inode, so a hard link is caught too), a
folder, a device or pipe, another user's file and any other file.

The temporary file is named ``.<name>.tpsdesk-export-<pid>-<random>.tmp``. A killed writer
leaves it behind; the next export to the same name removes it once its writer is gone (the
writer's process has ended and nobody holds its lock).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import secrets
import stat
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from tpsdesk.errors import EnvironmentFault, ValidationError

TEMP_MARK = ".tpsdesk-export-"
TEMP_SUFFIX = ".tmp"
HEAD_BYTES = 4096  # enough of an old file to recognise an export's signature
ZIP_HEADER = b"PK\x03\x04"
ZIP_MAX = 64 << 20  # a zip larger than this is not read, so not recognised (never replaced)
CHUNK = 1 << 16
SQLITE_HEADER = b"SQLite format 3\x00"
_NAME_KEEP = 100  # the target's name in a temporary name is cut so the name stays under NAME_MAX

Recogniser = Callable[[bytes], bool]


@dataclass(frozen=True)
class Protected:
    """A file no export may replace, and what it is (shown in the refusal)."""

    path: Path
    what: str


@dataclass(frozen=True)
class Target:
    """A checked export target: ``shown`` as the person gave it, ``real`` where it is written."""

    shown: str
    real: Path


def check_target(
    path: str | os.PathLike[str], *, is_export: Recogniser, protect: Sequence[Protected] = (), field: str = "--out"
) -> Target:
    """Refuse (``ValidationError`` on ``field``, exit 2) a target an export must not replace."""
    shown = os.fspath(path)
    if not shown.strip():
        raise ValidationError(field, "give a file name to write the export to")
    given = Path(os.path.abspath(os.path.expanduser(shown)))
    real = Path(os.path.realpath(given))  # a symbolic link is followed: the file it names is checked and written
    via = f" (a link to {real})" if real != given else ""

    def refuse(why: str) -> ValidationError:
        return ValidationError(field, f"{shown}{via} {why}")

    for item in protect:
        if real == Path(os.path.realpath(item.path)) or _same_file(real, item.path):
            raise refuse(f"is {item.what}: tpsdesk never writes an export over it; choose another file name")
    folder = real.parent
    try:
        folder_info = os.stat(folder)
    except FileNotFoundError:
        raise refuse(f"cannot be written: the folder {folder} does not exist; create it or choose another") from None
    except OSError as exc:
        raise _fault(shown, exc) from exc
    if not stat.S_ISDIR(folder_info.st_mode):
        raise refuse(f"cannot be written: {folder} is not a folder")
    try:
        info = os.lstat(real)
    except FileNotFoundError:
        return Target(shown, real)
    except OSError as exc:
        raise _fault(shown, exc) from exc
    if stat.S_ISDIR(info.st_mode):
        raise refuse("is a folder: give a file name inside it")
    if not stat.S_ISREG(info.st_mode):
        raise refuse("is not a regular file (a device, pipe or socket): give a file name, or print to the terminal")
    if info.st_uid != os.geteuid():
        raise refuse("belongs to another user: tpsdesk replaces only your own exports; choose another file name")
    if info.st_size == 0:
        return Target(shown, real)  # an empty file holds nothing to lose
    head = _head(real)
    if head is not None and head.startswith(SQLITE_HEADER):
        raise refuse("is a database: tpsdesk never writes an export over it; choose another file name")
    if head is None or not is_export(head):
        raise refuse(
            "is not an export tpsdesk wrote (tpsdesk replaces only its own exports): "
            "choose a new file name, or move that file away first"
        )
    return Target(shown, real)


def write_export(
    target: Target, data: bytes, *, is_export: Recogniser, protect: Sequence[Protected] = (), field: str = "--out"
) -> Path:
    """Write ``data`` to the checked ``target`` whole or not at all; returns where it was written.

    The target is checked again just before writing (it may have changed since it was first
    checked). An operating-system failure (a full disk, a read-only or locked folder) is one
    ``EnvironmentFault`` naming the file; the old file is left as it was and the temporary
    file is removed.
    """
    target = check_target(target.shown, is_export=is_export, protect=protect, field=field)
    real, folder = target.real, target.real.parent
    clean_stale_temps(real)
    tmp = folder / f".{real.name[:_NAME_KEEP]}{TEMP_MARK}{os.getpid()}-{secrets.token_hex(4)}{TEMP_SUFFIX}"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        raise _fault(target.shown, exc) from exc
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # held while writing: the cleaner leaves a live writer alone
        os.fchmod(fd, 0o600)
        view = memoryview(data)
        while view:
            written = os.write(fd, view[:CHUNK])
            view = view[written:]
        os.fsync(fd)
        os.replace(tmp, real)
    except OSError as exc:
        _remove(tmp)
        raise _fault(target.shown, exc) from exc
    except BaseException:
        _remove(tmp)
        raise
    finally:
        os.close(fd)
    _fsync_folder(folder, target.shown)
    return real


def write_text(
    path: str | os.PathLike[str],
    text: str,
    *,
    is_export: Recogniser,
    protect: Sequence[Protected] = (),
    field: str = "--out",
) -> Path:
    """Check ``path`` and write ``text`` (UTF-8) to it whole or not at all."""
    target = check_target(path, is_export=is_export, protect=protect, field=field)
    return write_export(target, text.encode("utf-8"), is_export=is_export, protect=protect, field=field)


def clean_stale_temps(real: Path) -> list[Path]:
    """Remove the temporary files a killed export to ``real`` left behind; returns them.

    A temporary file is stale when its writer's process is gone and nobody holds its lock.
    """
    prefix = f".{real.name[:_NAME_KEEP]}{TEMP_MARK}"
    removed: list[Path] = []
    try:
        entries = list(os.scandir(real.parent))
    except OSError:
        return removed
    for entry in entries:
        name = entry.name
        if not (name.startswith(prefix) and name.endswith(TEMP_SUFFIX)):
            continue
        pid_text = name[len(prefix) :].split("-", 1)[0]
        if not pid_text.isdigit() or _alive(int(pid_text)):
            continue
        path = Path(entry.path)
        try:
            info = os.lstat(path)
            if not stat.S_ISREG(info.st_mode) or info.st_uid != os.geteuid():
                continue
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            continue  # someone is writing it
        try:
            os.unlink(path)
            removed.append(path)
        except OSError:
            pass
        finally:
            os.close(fd)
    return removed


# ---------------------------------------------------------------- helpers
def _same_file(a: Path, b: Path) -> bool:
    """The same inode: a hard link (or a bind mount) of a protected file."""
    try:
        sa, sb = os.stat(a), os.stat(b)
    except OSError:
        return False
    return (sa.st_dev, sa.st_ino) == (sb.st_dev, sb.st_ino)


def _head(path: Path) -> bytes | None:
    """The first ``HEAD_BYTES`` of the file; all of it (up to ``ZIP_MAX``) when it is a zip."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None  # unreadable: it cannot be recognised as an export
    try:
        head = os.read(fd, HEAD_BYTES)
        if not head.startswith(ZIP_HEADER):
            return head
        chunks = [head]
        size = len(head)
        while size <= ZIP_MAX:
            chunk = os.read(fd, CHUNK)
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
            size += len(chunk)
        return None  # too large to be one of ours
    except OSError:
        return None
    finally:
        os.close(fd)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists (another user's process)
    return True


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


def _fsync_folder(folder: Path, shown: str) -> None:
    """Make the rename durable; a file system that cannot sync a folder is not an error."""
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EBADF):
            raise _fault(shown, exc, written=True) from exc
    finally:
        os.close(fd)


def _fault(shown: str, exc: OSError, *, written: bool = False) -> EnvironmentFault:
    """One line naming the file and what to do (exit 1); unless ``written``, the old file is untouched."""
    code = exc.errno
    if code in (errno.ENOSPC, errno.EDQUOT):
        why = "the disk is full (or over quota); free some space or write to another folder"
    elif code == errno.EROFS:
        why = "the file system is read-only; write to another folder"
    elif code in (errno.EACCES, errno.EPERM):
        why = "permission denied in its folder; write to a folder you may write to"
    elif code == errno.ENAMETOOLONG:
        why = "the file name is too long; choose a shorter one"
    else:
        why = f"{exc.strerror or exc}; check the folder and try again"
    if written:
        return EnvironmentFault(f"{shown} was written but its folder could not be synced to disk: {why}")
    return EnvironmentFault(f"cannot write {shown}: {why} (the old file, if any, is unchanged)")
