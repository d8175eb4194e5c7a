"""Nothing unseen in a privacy notice (issue 29, item 6): the officer acknowledges what
they saw, so the sanitised notice document holds no character that changes what is seen
without being seen, and no run of blanks that pushes words out of view.

Removed: bidi overrides, embeddings and isolates (U+202A-202E, U+2066-2069: the window
showed "WE MAY RECORD" over the reverse in the file), tag characters (U+E0000-E007F),
zero-width spaces and joiners, soft hyphens and every other format character (category Cf;
none belongs in English council text: an emoji sequence loses its joiner and shows its
parts), control characters but tab and newline, private-use characters, and the rest of
Unicode's Default_Ignorable_Code_Point set (DerivedCoreProperties.txt: U+034F, the Hangul
fillers, the variation selectors...). Line and paragraph separators become newlines.

Collapsed: more than ``MAX_BLANK_RUN`` blanks in a row (spaces, tabs, ``&nbsp;`` and the
other Unicode spaces) become one space; runs of blank lines and of ``<br>``, one blank line.
Preformatted text also wraps (``notice.PRE_WRAP``).

Pure string functions over the document nh3 wrote, which writes every character as itself
except ``&amp;``, ``&lt;``, ``&gt;``, ``&quot;`` and ``&nbsp;`` (so an ``&#x202E;`` in the
council's file arrives here as the character and is removed).
"""

from __future__ import annotations

import functools
import re
import unicodedata

#: Default_Ignorable_Code_Point outside category Cf (Unicode DerivedCoreProperties.txt:
#: Other_Default_Ignorable_Code_Point plus the variation selectors): invisible by design.
_IGNORABLE = ((0x034F, 0x034F), (0x115F, 0x1160), (0x17B4, 0x17B5), (0x180B, 0x180F),
              (0x2065, 0x2065), (0x3164, 0x3164), (0xFE00, 0xFE0F), (0xFFA0, 0xFFA0),
              (0xFFF0, 0xFFF8), (0xE0000, 0xE0FFF))
#: Format (bidi controls, tags, zero-width, soft hyphen...), controls, private use and lone
#: surrogates: nothing an officer can see, or not the same thing on every screen.
_UNSEEN_CATEGORIES = frozenset({"Cf", "Cc", "Co", "Cs"})
#: Only these can be unseen (ASCII tab, newline, return and printables are all fine), so the
#: category is looked up for non-ASCII characters alone: linear and quick on English text.
_SUSPECT = re.compile(r"[^\t\n\r\x20-\x7e]+")
_LINE_BREAKS = {0x2028: "\n", 0x2029: "\n", 0x85: "\n"}
#: A horizontal blank as it stands in the sanitised document (nh3 writes U+00A0 as
#: ``&nbsp;``; every other character is written as itself).
_BLANK = r"(?:[ \t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\u2800]|&nbsp;)"
#: More than this many blanks in a row become one space (alignment in a table typed as
#: preformatted text survives; a run that pushes words out of view does not).
MAX_BLANK_RUN = 4
_LONG_BLANK = re.compile(_BLANK + "{" + str(MAX_BLANK_RUN + 1) + ",}")
_BLANK_LINES = re.compile(r"\n(?:" + _BLANK + r"*\n){2,}")
_BREAKS = re.compile(r"(?:<br>\s*){3,}")


@functools.lru_cache(maxsize=4096)
def _shown_as(char: str) -> str:
    """What ``char`` becomes: itself, a newline, or nothing. Cached: a notice uses few
    distinct characters, so a page of accented or non-Latin text costs one lookup each."""
    point = ord(char)
    if point in _LINE_BREAKS:
        return _LINE_BREAKS[point]
    if unicodedata.category(char) in _UNSEEN_CATEGORIES or \
            any(lo <= point <= hi for lo, hi in _IGNORABLE):
        return ""
    return char


def _unseen(match: re.Match[str]) -> str:
    return "".join(_shown_as(c) for c in match.group())


def drop_invisible(text: str) -> str:
    """``text`` without the characters that change what is seen without being seen (module
    doc): bidi controls, tag characters, every format (Cf) and control character but tab
    and newline, private-use characters and the other default-ignorable ones."""
    return _SUSPECT.sub(_unseen, text)


def collapse_runs(document: str) -> str:
    """Long runs of blanks become one space; runs of blank lines, and of ``<br>``, one
    blank line. For the sanitised document (``&nbsp;`` is a blank there); blanks are
    collapsed first, so the blank-line pattern only ever meets short runs (linear)."""
    document = _LONG_BLANK.sub(" ", document)
    document = _BLANK_LINES.sub("\n\n", document)
    return _BREAKS.sub("<br><br>", document)
