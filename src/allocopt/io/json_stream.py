"""JSON written as it is made: the same text as ``json.dumps(value, indent=2,
ensure_ascii=False)``, byte for byte, without holding the whole document.

A large output (the board of a 200,000-row caseload is 90 MB of JSON) would
otherwise be built as one dict, then as millions of pieces from the json module's
indenting encoder (written in Python, not C), then as one string: over half a
gigabyte on top of the data, and seconds of time. Here a list given as an iterator is written
one item at a time, so only the item being written is ever whole in memory; and
every dict or list holding no other dict or list (most of them: a rule line, a
case's columns) is written by the C encoder in one call, with the separator that
makes its indentation.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from json.encoder import encode_basestring
from types import GeneratorType
from typing import Any

INDENT = 2
_FLUSH_AT = 1 << 20
"""Characters gathered before they are handed to the writer (fewer, larger writes)."""


def write_json(write: Callable[[str], object], value: Any) -> None:
    """Write `value` as ``json.dumps(value, indent=2, ensure_ascii=False) + "\\n"`` through
    `write`, in pieces of about a megabyte.

    Lists may also be given as a ``map`` or a generator (of one dict per worker, say),
    and are then made and written one item at a time. Dict keys in dicts that hold
    other dicts or lists must be strings (json.dumps would convert numbers).
    """
    pieces: list[str] = []

    def flush() -> None:
        if pieces:
            write("".join(pieces))
            pieces.clear()

    _encode(value, 0, pieces, flush)
    pieces.append("\n")
    flush()


def json_text(value: Any) -> str:
    """:func:`write_json`'s text as one string (for small documents and for tests)."""
    parts: list[str] = []
    write_json(parts.append, value)
    return "".join(parts)


_FlatEncoder = Callable[[Any], str]
_flat_encoders: dict[int, _FlatEncoder] = {}
_c_make_encoder = getattr(json.encoder, "c_make_encoder", None)
_LAZY = (map, GeneratorType)
"""Lists given as these are made one item at a time (any other iterator is not JSON)."""
_PLAIN = frozenset({str, int, float, bool, type(None)})
"""Exactly these types (not subclasses, such as an enum) make a dict or list flat."""


def _flat(level: int) -> _FlatEncoder:
    """The C encoder writing a dict or list of plain values at `level` (as
    json.dumps without indent would, with the separator that indents it)."""
    encode = _flat_encoders.get(level)
    if encode is None:
        separator = ",\n" + " " * (INDENT * (level + 1))
        plain = json.JSONEncoder(ensure_ascii=False, check_circular=False,
                                 separators=(separator, ": "))
        if _c_make_encoder is None:  # a Python without the _json module
            encode = plain.encode
        else:
            # Made once here: JSONEncoder.encode makes a new one at every call.
            c_encode = _c_make_encoder(None, plain.default, encode_basestring, None, ": ",
                                       separator, False, False, True)

            def encode(value: Any) -> str:
                return "".join(c_encode(value, 0))

        _flat_encoders[level] = encode
    return encode


class Encoded(str):
    """A value's text already made for its place in the document (by a writer of its
    own, with :func:`flat_text` say); written as it is."""


def flat_text(value: dict[str, Any] | list[Any], level: int) -> str:
    """A dict or list of strings, numbers, booleans and nulls as :func:`write_json` writes
    it at nesting `level`, straight from the C encoder."""
    if not value:
        return "{}" if isinstance(value, dict) else "[]"
    out: list[str] = []
    _append_flat(value, level, out)
    return out[0]


def _encode(value: Any, level: int, out: list[str], flush: Callable[[], None]) -> None:
    """Append `value`'s text at nesting `level` to `out` (its first line not indented)."""
    if type(value) is Encoded:
        out.append(value)
    elif isinstance(value, dict):
        if not value:
            out.append("{}")
        elif _PLAIN.issuperset(map(type, value.values())):
            _append_flat(value, level, out)
        else:
            _encode_dict(value, level, out, flush)
    elif isinstance(value, (list, tuple)):
        if not value:
            out.append("[]")
        elif _PLAIN.issuperset(map(type, value)):
            _append_flat(value, level, out)
        else:
            _encode_list(value, level, out, flush)
    elif isinstance(value, _LAZY):
        _encode_stream(value, level, out, flush)
    elif isinstance(value, str):
        out.append(encode_basestring(value))
    else:
        out.append(_flat(0)(value))  # numbers, true, false, null (and json.dumps's errors)


def _append_flat(value: Any, level: int, out: list[str]) -> None:
    """A dict or list of plain values: '{"a": 1,\n    "b": 2}' from the C encoder, and
    the line breaks after its opening and before its closing bracket."""
    text = _flat(level)(value)
    out.append(text[0] + "\n" + " " * (INDENT * (level + 1)) + text[1:-1]
               + "\n" + " " * (INDENT * level) + text[-1])


def _encode_dict(value: dict[Any, Any], level: int, out: list[str],
                 flush: Callable[[], None]) -> None:
    inner = "\n" + " " * (INDENT * (level + 1))
    separator = "{" + inner
    for key, item in value.items():
        if not isinstance(key, str):
            raise TypeError(f"keys must be str in a nested dict, not {type(key).__name__}")
        separator += encode_basestring(key) + ": "
        if type(item) is str:  # most values: written here rather than in a call of their own
            out.append(separator + encode_basestring(item))
        else:
            out.append(separator)
            _encode(item, level + 1, out, flush)
        separator = "," + inner
    out.append("\n" + " " * (INDENT * level) + "}")


def _encode_list(value: list[Any] | tuple[Any, ...], level: int, out: list[str],
                 flush: Callable[[], None]) -> None:
    inner = "\n" + " " * (INDENT * (level + 1))
    separator = "[" + inner
    for item in value:
        out.append(separator)
        separator = "," + inner
        _encode(item, level + 1, out, flush)
    out.append("\n" + " " * (INDENT * level) + "]")


def _encode_stream(items: Iterator[Any], level: int, out: list[str],
                   flush: Callable[[], None]) -> None:
    """A list made one item at a time: each item written (and let go) before the next."""
    inner = "\n" + " " * (INDENT * (level + 1))
    separator = "[" + inner
    size = 0
    for item in items:
        out.append(separator)
        separator = "," + inner
        mark = len(out)
        _encode(item, level + 1, out, flush)
        size += sum(map(len, out[mark:]))
        if size >= _FLUSH_AT:
            flush()
            size = 0
    out.append("[]" if separator[0] == "[" else "\n" + " " * (INDENT * level) + "]")
