"""Hypothesis strategies: raw bytes, and valid files mutated the ways hostile files differ.

Mutations: byte flips, truncation, splicing two seeds, a duplicated line (duplicated keys
and columns), inserted tokens (YAML tags and aliases, huge numbers, NaN, deep nesting, NUL,
U+0085, lone surrogates, XML entities, a BOM, stray line endings) and re-encoding (GBK, Big5,
UTF-16, UTF-8 with a BOM). One to three mutations are stacked per input.
"""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import strategies as st

from fuzz.corpus import Seed

TOKENS: tuple[bytes, ...] = (
    b"!!int x",
    b"!!int ''",
    b"!!float x",
    b"!!timestamp x",
    b"!!binary aGk=",
    b"!!python/object/apply:os.system ['true']",
    b"!!set {a}",
    b"? [a]\n: 1\n",
    b"{[a]: 1}",
    b"&a [x, x, x]",
    b"*a",
    b"<<: {a: 1}",
    b"9" * 5000,
    b"-" + b"9" * 400,
    b"1e999",
    b"-0",
    b"NaN",
    b"Infinity",
    b".nan",
    b"-.inf",
    b"[" * 2000,
    b'{"a":' * 500,
    b"- " * 500,
    b"\x00",
    b"\xc2\x85",
    b"\\ud800",
    b"\xed\xa0\x80",
    b"\xef\xbb\xbf",
    b"\r",
    b"\r\n",
    b'<!DOCTYPE g [<!ENTITY e SYSTEM "file:///etc/passwd">]>',
    b"&e;",
    b'<!ENTITY a "aaaaaaaaaa">',
    b"\t",
    b'"',
    b",",
    b"x" * 140_000,
    b"\xe2\x80\xae",
    b"\xef\xbc\x91\xef\xbc\x92",
    b"1_000",
)
"""Fragments the red team found or that commonly break readers."""

ENCODINGS = ("gbk", "big5", "utf-16", "utf-16-le", "utf-8-sig", "latin-1")


@st.composite
def _flip(draw: st.DrawFn, data: bytes) -> bytes:
    if not data:
        return data
    i = draw(st.integers(0, len(data) - 1))
    return data[:i] + bytes([data[i] ^ draw(st.integers(1, 255))]) + data[i + 1 :]


@st.composite
def _truncate(draw: st.DrawFn, data: bytes) -> bytes:
    return data[: draw(st.integers(0, len(data)))]


@st.composite
def _insert(draw: st.DrawFn, data: bytes) -> bytes:
    i = draw(st.integers(0, len(data)))
    token = draw(st.sampled_from(TOKENS) | st.binary(max_size=8))
    return data[:i] + token + data[i:]


@st.composite
def _replace_value(draw: st.DrawFn, data: bytes) -> bytes:
    """Overwrite the text after a ``:``, ``=`` or ``,`` with a token (a value, in most formats)."""
    marks = [i for i, b in enumerate(data) if b in b":=,>"]
    if not marks:
        return data
    i = draw(st.sampled_from(marks)) + 1
    end = draw(st.integers(i, min(len(data), i + 40)))
    return data[:i] + b" " + draw(st.sampled_from(TOKENS)) + data[end:]


@st.composite
def _duplicate_line(draw: st.DrawFn, data: bytes) -> bytes:
    lines = data.splitlines(keepends=True)
    if not lines:
        return data
    i = draw(st.integers(0, len(lines) - 1))
    return b"".join([*lines[: i + 1], lines[i], *lines[i + 1 :]])


@st.composite
def _reencode(draw: st.DrawFn, data: bytes) -> bytes:
    text = data.decode("utf-8", "replace")
    return text.encode(draw(st.sampled_from(ENCODINGS)), "replace")


def mutated(seeds: Sequence[Seed]) -> st.SearchStrategy[Seed]:
    """A seed with one to three mutations stacked, or raw bytes under a seed's suffix.

    Examples
    --------
    >>> from hypothesis import given
    >>> @given(mutated([(".json", b'{"a": 1}')]))
    ... def run(seed): assert seed[0] == ".json"
    >>> run()
    """

    @st.composite
    def strategy(draw: st.DrawFn) -> Seed:
        suffix, data = draw(st.sampled_from(list(seeds)))
        if draw(st.integers(0, 9)) == 0:
            return suffix, draw(st.binary(max_size=2048))
        for _ in range(draw(st.integers(1, 3))):
            kind = draw(st.integers(0, 6))
            if kind == 6:
                other = draw(st.sampled_from(list(seeds)))[1]
                i, j = draw(st.integers(0, len(data))), draw(st.integers(0, len(other)))
                data = data[:i] + other[j:]
                continue
            step = (_flip, _truncate, _insert, _replace_value, _duplicate_line, _reencode)[kind]
            data = draw(step(data))
        return suffix, data

    return strategy()
