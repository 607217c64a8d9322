"""Fonts for Chinese labels, and labels that fall back when the font lacks their glyphs.

Private to :mod:`medalliance.plot`, which re-exports :func:`cjk_font`.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from medalliance._optional import require
from medalliance.plot._style import CJK_FONT_NAMES, FONT_NOTE_GID, FONT_PACKAGES

_PROBE = "医联体医院卫生"  # characters a font must have to count as a CJK font
_FONT_SUFFIXES = (".otf", ".ttf", ".ttc")


def _package_fonts() -> list[str]:
    """Font files shipped by the installed font packages of :data:`FONT_PACKAGES`.

    The packages are located, not imported: nothing of theirs runs.
    """
    from importlib.util import find_spec
    from pathlib import Path

    found: list[str] = []
    for name in FONT_PACKAGES:
        try:
            spec = find_spec(name)
        except (ImportError, ValueError):
            continue
        for folder in (spec.submodule_search_locations or ()) if spec is not None else ():
            found += sorted(str(p) for p in Path(folder).rglob("*") if p.suffix in _FONT_SUFFIXES)
    return found


def _charmap(path: str) -> dict[int, int]:
    """Code point to glyph index of the font file at ``path`` (empty when unreadable)."""
    from matplotlib import ft2font

    try:
        return dict(ft2font.FT2Font(path).get_charmap())
    except (OSError, RuntimeError, ValueError):
        return {}


def _has_cjk_glyphs(charmap: dict[int, int]) -> bool:
    """Whether the probe characters have glyphs of their own.

    Fallback fonts such as matplotlib's *Last Resort* map every code point to a few
    placeholder boxes; a real CJK font gives each character its own glyph.
    """
    glyphs = [charmap.get(ord(c)) for c in _PROBE]
    return None not in glyphs and len(set(glyphs)) == len(set(_PROBE))


@lru_cache(maxsize=1)
def _cjk_font() -> tuple[str, str] | None:
    """(name, file) of an installed font with CJK glyphs, or None (searched once)."""
    require("matplotlib", extra="plot")
    from matplotlib import font_manager

    known = {f.fname for f in font_manager.fontManager.ttflist}
    for path in _package_fonts():
        if path not in known:
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError):  # unreadable: skip it
                continue
    fonts = list(font_manager.fontManager.ttflist)
    rank = {name: i for i, name in enumerate(CJK_FONT_NAMES)}
    preferred = sorted((f for f in fonts if f.name in rank), key=lambda f: rank[f.name])
    others = sorted((f for f in fonts if f.name not in rank), key=lambda f: (f.name, f.fname))
    for font in (*preferred, *others):
        if _has_cjk_glyphs(_charmap(font.fname)):
            return font.name, font.fname
    return None


def cjk_font() -> str | None:
    """Name of the installed font the plots use for Chinese labels, or None.

    :func:`~medalliance.plot.plot_alliance` and :func:`~medalliance.plot.plot_map` label
    institutions in this font. The fonts of the system and those shipped by an installed font
    package of :data:`~medalliance.plot.FONT_PACKAGES` (e.g. ``pip install noto-cjk-sans-otc``,
    in the ``docs`` extra) are known to matplotlib's font manager; fonts named in
    :data:`~medalliance.plot.CJK_FONT_NAMES` are tried first, then every other; a font counts
    when it has glyphs for common Chinese characters. The search runs once, when a plot
    first needs it.

    Returns
    -------
    str or None
        The font family name; ``None`` when no installed font has Chinese glyphs (labels then
        show English names or ids).

    Raises
    ------
    ImportError
        When matplotlib is not installed (``pip install 'medalliance[plot]'``).

    Examples
    --------
    >>> cjk_font() is None or isinstance(cjk_font(), str)
    True
    """
    found = _cjk_font()
    return None if found is None else found[0]


class _Labels:
    """Chooses a label each text can be drawn with in the font in use."""

    def __init__(self) -> None:
        from matplotlib import font_manager

        found = _cjk_font()
        if found is not None:
            # by family name: a collection (.ttc) holds several faces, e.g. SC beside JP
            self.font: Any = font_manager.FontProperties(family=found[0])
            path = found[1]
        else:
            self.font = font_manager.FontProperties()
            path = font_manager.findfont(self.font)
        self.cjk = found is not None
        self.zh = self.cjk  # subtitles, layers and legends in Chinese (off for labels="id")
        self.chars = frozenset(_charmap(path))
        self.fell_back = False

    def props(self, size: float) -> Any:
        """The font at ``size`` points."""
        font = self.font.copy()
        font.set_size(size)
        return font

    def ok(self, text: str | None) -> bool:
        return text is not None and all(ord(c) in self.chars for c in text)

    def word(self, en: str, zh: str) -> str:
        """``zh`` when the labels are Chinese (a CJK font draws it), else ``en``.

        Subtitles, layer names and legends follow the names.
        """
        return zh if self.zh and self.ok(zh) else en

    def pick(self, name: str, name_en: str | None, id_: str) -> str:
        """``name`` if drawable, else ``name_en`` if drawable, else the id."""
        if self.ok(name):
            return name
        self.fell_back = True
        return name_en if name_en is not None and self.ok(name_en) else id_

    def note(self, ax: Any, *, y: float = -0.04) -> bool:
        """Add the fallback note at axes height ``y``; whether there was one to add."""
        if not self.fell_back:
            return False
        text = (
            "Chinese names not shown: no installed font has Chinese glyphs; labels show "
            "English names or ids (install e.g. Noto Sans CJK)"
            if not self.cjk
            else "Some names use characters the font lacks; they show English names or ids"
        )
        ax.text(
            0.0,
            y,
            text,
            transform=ax.transAxes,
            fontsize=7,
            color="#666666",
            va="top",
            gid=FONT_NOTE_GID,
            parse_math=False,
        )
        return True


def _wrap(label: str, width: int) -> str:
    """Break a long label: CJK text every ``width`` characters, other text at spaces."""
    import textwrap

    if any(ord(c) > 0x2E7F for c in label):
        if len(label) <= width:
            return label
        return "\n".join(label[i : i + width] for i in range(0, len(label), width))
    return "\n".join(textwrap.wrap(label, 2 * width, break_long_words=False)) or label
