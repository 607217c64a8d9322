"""Bytes to text, and hints about text a Chinese input method got wrong (internal)."""

from __future__ import annotations

import codecs
import re

from medalliance.errors import MedAllianceError, Problem, SchemaError

__all__ = ["decode_text", "fullwidth_hints", "line_column", "with_fullwidth_hints"]

_BOMS = (  # UTF-32 first: its little-endian mark starts with UTF-16's
    (codecs.BOM_UTF32_LE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16", "UTF-16"),
)


def line_column(text: str, pos: int) -> tuple[int, int]:
    r"""Line and column (both from 1) of character ``pos`` of ``text``.

    Examples
    --------
    >>> line_column("ab\ncd", 4)
    (2, 2)
    """
    line = text.count("\n", 0, pos) + 1
    return line, pos - (text.rfind("\n", 0, pos) + 1) + 1


def decode_text(raw: bytes, *, source: str | None = None) -> str:
    """Decode the bytes of a text file.

    UTF-8 (a leading BOM is allowed) is read, and UTF-16 or UTF-32 with a byte-order mark
    (as Windows Notepad and Excel save "Unicode" text); the text is the same whichever of
    them the file uses, and writers always write UTF-8. Anything else is reported
    precisely: the first bad byte, its line, and a likely encoding (GBK, Big5, UTF-16
    without a mark) when one fits.

    Raises
    ------
    MedAllianceError
        For bytes that are none of these.

    Examples
    --------
    >>> decode_text("title: 某县医共体".encode("utf-16"))
    'title: 某县医共体'
    >>> decode_text("三级甲等医院".encode("gbk"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    medalliance.errors.SchemaError: not UTF-8: byte 0xc8 at offset 0 (line 1) ... as GB18030/GBK ...
    """
    for bom, codec, name in _BOMS:
        if raw.startswith(bom):
            try:
                return raw.decode(codec)
            except UnicodeDecodeError as exc:
                msg = (
                    f"the file starts with a {name} byte-order mark but bytes at offset "
                    f"{exc.start} are not {name}: save it as UTF-8"
                )
                raise SchemaError([Problem((), msg)], source=source) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SchemaError([Problem((), _not_utf8(raw, exc))], source=source) from None
    if _looks_utf16(raw):
        msg = (
            "the file looks like UTF-16 without a byte-order mark (every other byte is 0): "
            "save it as UTF-8"
        )
        raise SchemaError([Problem((), msg)], source=source)
    return text


def _looks_utf16(raw: bytes) -> bool:
    head = raw[:64]
    return (
        len(head) >= 4 and max(head[0::2].count(0), head[1::2].count(0)) * 4 >= len(head) * 3 // 2
    )


def _not_utf8(raw: bytes, exc: UnicodeDecodeError) -> str:
    line = raw.count(b"\n", 0, exc.start) + 1
    if _looks_utf16(raw):
        hint = "; it looks like UTF-16 without a byte-order mark - re-save the file as UTF-8"
    else:
        hint = ""
        for enc, name in (("gb18030", "GB18030/GBK"), ("big5", "Big5")):
            try:
                raw.decode(enc)
            except UnicodeDecodeError:
                continue
            hint = f"; the bytes decode as {name} - re-save the file as UTF-8"
            break
    return (
        f"not UTF-8: byte 0x{raw[exc.start]:02x} at offset {exc.start} (line {line}) "
        f"cannot be decoded{hint}"
    )


FULLWIDTH = {"：": ("colon", ":"), "，": ("comma", ","), "；": ("semicolon", ";")}
"""Full-width punctuation a Chinese input method types where YAML and JSON expect ASCII."""
_KEY_COLON = re.compile(r"^[ \t]*(?:-[ \t]+)*[^\s#'\"\[\]{},:：][^:：#\n]*?[ \t]*(：)", re.M)
_FLOW = re.compile(r"[\[{][^\[\]{}\n]*[\]}]?")
_HINTS_SHOWN = 10


def _unquoted_fullwidth(segment: str) -> list[int]:
    """Positions of full-width punctuation in ``segment`` outside '...' and "..." quotes."""
    out, quote_char = [], ""
    for i, ch in enumerate(segment):
        if quote_char:
            quote_char = "" if ch == quote_char else quote_char
        elif ch in "'\"":
            quote_char = ch
        elif ch in FULLWIDTH:
            out.append(i)
    return out


def fullwidth_hint(char: str, line: int, column: int) -> str:
    """The message for full-width punctuation at a place.

    Examples
    --------
    >>> fullwidth_hint("：", 3, 9)
    "full-width colon '：' at line 3, column 9: use ':'"
    """
    name, ascii_char = FULLWIDTH[char]
    return f"full-width {name} {char!r} at line {line}, column {column}: use {ascii_char!r}"


def fullwidth_hints(text: str) -> list[Problem]:
    r"""Full-width ``：`` after a key and ``，`` ``；`` ``：`` inside ``[...]`` or ``{...}``.

    Meant for the error path only (a file that failed to parse or validate): text inside a
    value may hold full-width punctuation legitimately, so these are hints, not errors.

    Examples
    --------
    >>> [p.message for p in fullwidth_hints("title: x\nname：某县人民医院\n")]
    ["full-width colon '：' at line 2, column 5: use ':'"]
    >>> [p.message for p in fullwidth_hints("items: [双向转诊，检查检验结果互认]")]
    ["full-width comma '，' at line 1, column 13: use ','"]
    >>> fullwidth_hints("description: 说明：见附件，共三页")
    []
    >>> fullwidth_hints('{"name": "某院，分院", "id": "a"}')
    []
    """
    if not any(ch in text for ch in FULLWIDTH):
        return []
    found: set[int] = {m.start(1) for m in _KEY_COLON.finditer(text)}
    for m in _FLOW.finditer(text):
        found.update(m.start() + i for i in _unquoted_fullwidth(m.group()))
    hints = []
    for pos in sorted(found)[:_HINTS_SHOWN]:
        hints.append(Problem((), fullwidth_hint(text[pos], *line_column(text, pos))))
    return hints


def with_fullwidth_hints(exc: MedAllianceError, text: str) -> MedAllianceError:
    """``exc`` with hints about full-width punctuation in ``text`` put first.

    Only when a problem quotes full-width ``：`` ``，`` or ``；`` (a key and value read as one
    text, a list read as one item) and the text has some where YAML expects ASCII; else
    ``exc`` itself.

    Examples
    --------
    >>> from medalliance.errors import MedAllianceError
    >>> err = MedAllianceError([Problem(("items", 0), "unknown item '转诊，会诊'")])
    >>> print(with_fullwidth_hints(err, "items: [转诊，会诊]"))
    2 problems:
      - <root>: full-width comma '，' at line 1, column 11: use ','
      - items[0]: unknown item '转诊，会诊'
    """
    if not any(ch in p.message for p in exc.problems[:1000] for ch in FULLWIDTH):
        return exc
    hints = fullwidth_hints(text)
    if not hints:
        return exc
    return SchemaError([*hints, *exc.problems], source=exc.source)
