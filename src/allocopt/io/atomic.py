"""Write output files whole or not at all: write to a temporary file, then rename."""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path

from allocopt.errors import InputError


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
    try:
        yield tmp_path
        # mkstemp makes the file private (0600); give it the mode a plain write would.
        mode = stat.S_IMODE(target.stat().st_mode) if target.exists() else _default_mode()
        os.chmod(tmp_path, mode)
        os.replace(tmp_path, target)
    except OSError as e:
        # A full disk or a file locked by Excel: say so in one line, keep the old file.
        raise InputError(target, f"cannot write the file ({e.strerror})") from None
    finally:
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
