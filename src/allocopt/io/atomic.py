"""Write output files whole or not at all.

A single file is written to a temporary file beside it and renamed over it. A
folder of outputs (simulate, compare, sweep, plan-intake, import) is built in a
temporary folder beside the target and swapped in as a whole (an atomic exchange
where the system offers one), so a run killed while writing leaves the previous
folder as it was, never a mix of two runs.

Every temporary file and folder is registered until it is committed: when a
command is interrupted, :func:`abandon_pending` removes them all and stops any
later commit, so Ctrl-C leaves nothing half-written. A folder is only replaced
when it holds nothing but what allocopt wrote there before (listed in its
``.allocopt-output`` file), so a folder of the user's own files is never
swept away.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import re
import shutil
import stat
import tempfile
import threading
from collections.abc import Collection, Iterator
from pathlib import Path

from allocopt.errors import Described, InputError

MARKER = ".allocopt-output"
"""The file in an output folder listing what allocopt wrote there (and which command)."""

_COMMIT = threading.Lock()
_PENDING: set[Path] = set()
_PARTIAL = re.compile(r"^\.(?P<name>.+)\.partial-(?P<pid>\d+)-[a-z0-9_]+$")


def abandon_pending(timeout: float = 5.0) -> list[Path]:
    """Remove every temporary output not yet committed; no commit happens afterwards.

    For an interrupted command: the lock is taken and kept, so a commit under way
    finishes first and none starts later. Returns what was removed.
    """
    _COMMIT.acquire(timeout=timeout)
    removed = []
    for path in list(_PENDING):
        with contextlib.suppress(OSError):
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()
            removed.append(path)
    _PENDING.clear()
    return removed


@contextlib.contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside `target`; on success rename it over `target`.

    On any error the temporary file is removed and `target` is left untouched, so a
    crash never leaves a half-written report.
    """
    target = Path(target)
    if target.is_dir():
        raise InputError(target, "is a folder, not a file", expected="a file name to write to")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as e:
        raise InputError(target, f"cannot write the file ({e.strerror})") from None
    os.close(fd)
    tmp_path = Path(tmp)
    _PENDING.add(tmp_path)
    try:
        yield tmp_path
        # mkstemp makes the file private (0600); give it the mode a plain write would.
        mode = stat.S_IMODE(target.stat().st_mode) if target.exists() else _default_mode()
        os.chmod(tmp_path, mode)
        with _COMMIT:
            os.replace(tmp_path, target)
    except OSError as e:
        # A full disk or a file locked by Excel: say so in one line, keep the old file.
        raise InputError(target, f"cannot write the file ({e.strerror})") from None
    finally:
        _PENDING.discard(tmp_path)
        if tmp_path.exists():
            tmp_path.unlink()


def _default_mode() -> int:
    """Read-write for everyone the umask allows, as open() would create the file."""
    mask = os.umask(0o022)
    os.umask(mask)
    return 0o666 & ~mask


def write_text(target: str | Path, text: str) -> None:
    """Write `text` (UTF-8, newline '\\n') atomically."""
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="\n")


def write_bytes(target: str | Path, data: bytes) -> None:
    """Write `data` atomically."""
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)


# --- folders ---------------------------------------------------------------------------------


def folder_contents(folder: Path) -> list[str]:
    """What a folder holds, by name (the marker left out), sorted."""
    return sorted(p.name for p in folder.iterdir() if p.name != MARKER)


def replaceable(folder: Path) -> bool:
    """True if `folder` may be replaced without asking: absent, empty, or holding only
    files allocopt listed in its marker when it wrote them."""
    if not folder.exists():
        return True
    try:
        listed = set((folder / MARKER).read_text(encoding="utf-8").splitlines()[1:])
    except (OSError, UnicodeDecodeError):
        listed = set()
    return all(name in listed and (folder / name).is_file() for name in folder_contents(folder))


def check_output_folder(target: Path, command: str, force: bool = False,
                        inputs: Collection[Path] = (), ask: bool = False) -> None:
    """Raise unless the command may write its outputs as the folder `target`.

    A file is refused, and so is a folder holding one of the command's `inputs`
    (even with `force`). Any other folder holding something allocopt did not write
    there (or anything at all, with `ask`: files people edit, such as an imported
    team.yaml) is refused unless `force`, naming what would be replaced.
    """
    if target.exists() and not target.is_dir():
        raise InputError(target, "is a file, not a folder", expected="a folder for the output")
    if not target.exists():
        return
    here = target.resolve()
    for path in inputs:
        inside = path.resolve()
        if inside == here or here in inside.parents:
            raise InputError(target, f"the output folder holds {command}'s own input "
                             f"{path.name}", expected="a new or empty folder for the output")
    if not folder_contents(target) or (replaceable(target) and not ask):
        return
    if any((target / name).is_dir() for name in folder_contents(target)):
        raise InputError(target, "the folder holds other folders, which the output would "
                         "replace", expected="a new or empty folder for the output")
    if not force:
        names = folder_contents(target)
        shown = ", ".join(names[:8]) + (f" and {len(names) - 8} more" if len(names) > 8 else "")
        raise InputError(target, f"the folder already holds files that {command} would "
                         "replace", found=Described(shown),
                         expected="a new folder, or --force to replace them")


@contextlib.contextmanager
def output_folder(target: str | Path, command: str, force: bool = False,
                  inputs: Collection[Path] = (), ask: bool = False) -> Iterator[Path]:
    """Yield a temporary folder beside `target` to write the outputs into; when the
    block ends without an error it becomes `target`, whole.

    An error (or an interrupt) leaves `target` as it was and removes the temporary
    folder. See :func:`check_output_folder` for what may be replaced; with `ask` no
    marker is left (the folder is replaced only when asked, every time).
    """
    target = Path(target)
    check_output_folder(target, command, force, inputs, ask)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        _remove_stale(target)
        stage = Path(tempfile.mkdtemp(prefix=f".{target.name}.partial-{os.getpid()}-",
                                      dir=target.parent))
    except OSError as e:
        raise InputError(target, f"cannot write the folder ({e.strerror})") from None
    _PENDING.add(stage)
    try:
        yield stage
        if not ask:
            names = folder_contents(stage)
            (stage / MARKER).write_text(
                "\n".join([f"written by allocopt {command}", *names]) + "\n", encoding="utf-8")
        os.chmod(stage, 0o777 & ~_umask())
        with _COMMIT:
            _swap_in(stage, target)
    except OSError as e:
        raise InputError(target, f"cannot write the folder ({e.strerror})") from None
    finally:
        _PENDING.discard(stage)
        if stage.exists():
            shutil.rmtree(stage, ignore_errors=True)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _swap_in(stage: Path, target: Path) -> None:
    """Make `stage` the folder `target`; afterwards `stage` holds the old one (or nothing)."""
    if not target.exists():
        os.rename(stage, target)
        return
    if _exchange(stage, target):
        return
    # No atomic exchange on this system: two renames, the old folder kept until the end.
    old = stage.with_name(stage.name + "-old")
    os.rename(target, old)
    os.rename(stage, target)
    os.rename(old, stage)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux renameat2 RENAME_EXCHANGE); False if unavailable."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    done = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    return bool(done == 0)


def _remove_stale(target: Path) -> None:
    """Temporary folders left by runs of this output that were killed (their process is gone)."""
    if not target.parent.exists():
        return
    for entry in target.parent.iterdir():
        m = _PARTIAL.match(entry.name)
        if m is None or m["name"] != target.name or not entry.is_dir():
            continue
        if not _alive(int(m["pid"])):
            shutil.rmtree(entry, ignore_errors=True)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
