"""Figure text without CJK glyphs, so figures render the same on a fresh machine.

Matplotlib's bundled font (DejaVu Sans) has no Chinese glyphs, and a CI machine or a
reviewer's laptop may have no CJK font: a label such as 普惠 would be drawn as empty boxes.
Figures therefore carry pinyin or English only: :func:`plain` writes the terms the model uses
in their pinyin (``普惠`` -> ``puhui``), transliterates any other Chinese through ``pypinyin``
when it is installed, and otherwise replaces each run of CJK characters with ``?``.
:func:`plain_figure` applies it to every text of a figure before it is saved. The HTML report
keeps the Chinese (a browser finds a font).
"""

from __future__ import annotations

import re

from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.ticker import FixedFormatter

GLOSSARY = {"普惠": "puhui", "托育": "tuoyu", "幼儿园": "youeryuan"}
CJK = re.compile("[\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff"  # radicals, CJK punctuation, kana
                 "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]+")  # ideographs, full width


def _pinyin(run: str) -> str:
    try:
        from pypinyin import lazy_pinyin  # optional: not a dependency
    except ImportError:
        return "?"
    return " ".join(lazy_pinyin(run))


def plain(text: str) -> str:
    """Return ``text`` with Chinese written in pinyin (or ``?``), so no CJK glyph is needed."""
    if not CJK.search(text):
        return text
    for zh, py in GLOSSARY.items():
        text = text.replace(zh, py)
    return CJK.sub(lambda m: _pinyin(m.group(0)), text)


def has_cjk(text: str) -> bool:
    """True when ``text`` needs a CJK glyph."""
    return bool(CJK.search(text))


def plain_figure(fig: Figure) -> None:
    """Rewrite every text of ``fig`` (titles, labels, legends, fixed tick labels) with :func:`plain`."""
    for t in fig.findobj(Text):
        if has_cjk(t.get_text()):
            t.set_text(plain(t.get_text()))
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            fmt = axis.get_major_formatter()
            if isinstance(fmt, FixedFormatter):
                fmt.seq = [plain(str(s)) for s in fmt.seq]
