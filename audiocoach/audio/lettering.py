"""Text in the fonts of `fonts/`: each character in a font that has it, right to left where the
script runs so, broken into lines where a line may break, and cut with an ellipsis to fit."""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from importlib import resources
from typing import Callable

from audiocoach.speech.languages import web_language

ELLIPSIS = "…"

# In the order they are asked: each character is drawn in the first font that has it.
EMOJI = "NotoEmoji-Bold.ttf"
_SCRIPTS = ("NotoSansHebrew-Bold.ttf", "NotoSansArabic-Bold.ttf", "NotoSansDevanagari-Bold.ttf",
            "NotoSansThai-Bold.ttf", "NotoSansArmenian-Bold.ttf", "NotoSansGeorgian-Bold.ttf",
            "NotoSansCJK-Bold-A.otf", "NotoSansCJK-Bold-B.otf", EMOJI)
BOLD = ("NotoSans-Bold.ttf", *_SCRIPTS)
REGULAR = ("NotoSans-Regular.ttf", *_SCRIPTS)


def _font_file(name: str) -> str:
    return str(resources.files("audiocoach.audio") / "fonts" / name)


@lru_cache(maxsize=None)
def font_characters(name: str) -> frozenset[int]:
    """The code points the shipped font `name` has a glyph for."""
    from fontTools.ttLib import TTFont

    with TTFont(_font_file(name), lazy=True) as font:
        return frozenset(font.getBestCmap())


@lru_cache(maxsize=None)
def _font(name: str, size_px: int):
    from PIL import ImageFont

    return ImageFont.truetype(_font_file(name), size_px)  # read from the file as needed, not copied


def _ignorable(char: str) -> bool:
    """Joiners and variation selectors: a font needs no glyph for them."""
    return unicodedata.category(char) == "Cf" or 0xFE00 <= ord(char) <= 0xFE0F


def _attaches(char: str) -> bool:
    """Whether `char` belongs to the character before it: an accent, joiner, selector, skin tone."""
    return (unicodedata.category(char) in ("Mn", "Mc", "Me") or _ignorable(char)
            or 0x1F3FB <= ord(char) <= 0x1F3FF)


def _regional(char: str) -> bool:
    return 0x1F1E6 <= ord(char) <= 0x1F1FF  # two of them make a flag


def clusters(text: str) -> list[str]:
    """`text` as the units a reader sees: a letter with its accents, an emoji with its modifiers."""
    found: list[str] = []
    for char in text:
        if found and (_attaches(char) or found[-1].endswith("\u200d")
                      or (_regional(char) and len(found[-1]) == 1 and _regional(found[-1]))):
            found[-1] += char
        else:
            found.append(char)
    return found


def _covers(name: str, cluster: str) -> bool:
    characters = font_characters(name)
    return all(ord(c) in characters for c in cluster if not _ignorable(c))


def undrawable(text: str, family: tuple[str, ...]) -> list[str]:
    """The letters of `text` that no font of `family` (nor the emoji font) has: each shows as a box."""
    missing = []
    for cluster in clusters(text):
        if cluster.strip() and not any(_covers(name, cluster) for name in (*family, EMOJI)) \
                and cluster not in missing:
            missing.append(cluster)
    return missing


def font_for(cluster: str, family: tuple[str, ...], current: str | None = None) -> str:
    """The font of `family` that draws `cluster`: `current` (the font of the text just before)
    when it has it, so that a space or digit in Chinese text is Chinese, else the first that has
    it; the first of all when none has (a box shows). Emoji are drawn in the emoji font, and
    nothing else is: its spaces are an emoji wide and its digits are keycaps."""
    if "\ufe0f" in cluster and _covers(EMOJI, cluster):  # the emoji form asked for
        return EMOJI
    if current not in (None, EMOJI) and _covers(current, cluster):
        return current
    for name in family:
        if _covers(name, cluster):
            return name
    for name in family:  # the letter at least, without the accent no font has with it
        if _covers(name, cluster[0]):
            return name
    return family[0]


def _strong(cluster: str) -> str | None:
    kind = unicodedata.bidirectional(cluster[0])
    return "rtl" if kind in ("R", "AL") else "ltr" if kind == "L" else None


def _number(cluster: str) -> bool:
    return unicodedata.bidirectional(cluster[0]) in ("EN", "AN")


def direction(text: str) -> str:
    """`rtl` when the first letter is Hebrew or Arabic, else `ltr` (Unicode's paragraph rule)."""
    return next((d for d in map(_strong, clusters(text)) if d), "ltr")


class Lettering:
    """Lines of text in a family of fonts at one size, each character in a font that has it,
    right to left where the script runs so."""

    def __init__(self, family: tuple[str, ...], size_px: int, language: str):
        from PIL import features

        self.family, self.size_px = family, size_px
        self.language = web_language(language)
        self.raqm = features.check("raqm")  # shaping and direction; without it, letters as they come

    def runs(self, line: str, paragraph: str) -> list[tuple[str, str, str]]:
        """(text, font, direction) left to right as they are drawn: segments of one direction
        (Unicode's bidirectional rules, simplified to whole characters), cut where the font
        changes."""
        units = clusters(line)
        strong: list[str | None] = []
        for unit in units:  # a number goes with the letters before it: "בוקר 3" is Hebrew's
            letters = next((d for d in reversed(strong) if d), paragraph)
            strong.append(letters if _number(unit) else _strong(unit))
        resolved = []
        for i, kind in enumerate(strong):  # a space takes its neighbours' direction if they agree
            if kind is None:
                before = next((d for d in reversed(strong[:i]) if d), paragraph)
                after = next((d for d in strong[i + 1:] if d), paragraph)
                kind = before if before == after else paragraph
            resolved.append(kind)
        segments: list[tuple[str, list[tuple[str, str]]]] = []
        font = None
        for unit, kind in zip(units, resolved):
            font = font_for(unit, self.family, font)
            if not segments or segments[-1][0] != kind:
                segments.append((kind, []))
            pieces = segments[-1][1]
            if pieces and pieces[-1][1] == font:
                pieces[-1] = (pieces[-1][0] + unit, font)
            else:
                pieces.append((unit, font))
        if paragraph == "rtl":
            segments.reverse()
        return [(text, font, kind) for kind, pieces in segments
                for text, font in (reversed(pieces) if kind == "rtl" else pieces)]

    def _layout(self, text: str, kind: str) -> tuple[str, dict]:
        if self.raqm:
            return text, {"direction": kind, "language": self.language}
        return "".join(reversed(clusters(text))) if kind == "rtl" else text, {}

    def width(self, line: str, paragraph: str | None = None) -> float:
        total = 0.0
        for text, name, kind in self.runs(line, paragraph or direction(line)):
            text, options = self._layout(text, kind)
            total += _font(name, self.size_px).getlength(text, **options)
        return total

    def draw(self, draw, line: str, left: int, right: int, top: int, fill,
             paragraph: str | None = None) -> None:
        """`line` from `left`, or up to `right` for a right-to-left paragraph, its top at `top`."""
        paragraph = paragraph or direction(line)
        baseline = top + _font(self.family[0], self.size_px).getmetrics()[0]
        x = left if paragraph == "ltr" else right - self.width(line, paragraph)
        for text, name, kind in self.runs(line, paragraph):
            text, options = self._layout(text, kind)
            font = _font(name, self.size_px)
            draw.text((x, baseline), text, font=font, fill=fill, anchor="ls", **options)
            x += font.getlength(text, **options)

    def ellipsized(self, text: str, width_px: int) -> str:
        """`text`, or as much of it as fits `width_px` with an ellipsis after it."""
        if self.width(text) <= width_px:
            return text
        units = clusters(text)
        while units:
            units.pop()
            while units and (units[-1].isspace() or unicodedata.category(units[-1][0]) in _DANGLING):
                units.pop()  # "Hips, …" reads as "Hips…"
            cut = "".join(units) + ELLIPSIS
            if self.width(cut) <= width_px:
                return cut
        return ELLIPSIS


_DANGLING = ("Po", "Pd", "Ps", "Pi")  # punctuation that an ellipsis after it makes odd


def _wide(cluster: str) -> bool:
    return unicodedata.east_asian_width(cluster[0]) in ("W", "F")


def _break_before(before: str, cluster: str) -> bool:
    if cluster.isspace():
        return False
    if before.isspace():
        return True
    if _wide(before) or _wide(cluster):  # Chinese and Japanese break between any two characters,
        return (unicodedata.category(cluster[0]) not in ("Pe", "Pf", "Po")  # not before 。or 」
                and unicodedata.category(before[0]) not in ("Ps", "Pi"))
    return False


def break_points(text: str) -> list[str]:
    """`text` in pieces between which a line may break, each with the spaces after it."""
    pieces: list[str] = []
    before = None
    for cluster in clusters(text):
        if before is None or _break_before(before, cluster):
            pieces.append(cluster)
        else:
            pieces[-1] += cluster
        before = cluster
    return pieces


def wrap(pieces: list[str], fits: Callable[[str], bool]) -> list[list[str]]:
    """The pieces (from `break_points`) in lines, as many on each as `fits` a line's text."""
    lines: list[list[str]] = []
    for piece in pieces:
        if lines and fits("".join(lines[-1] + [piece]).rstrip()):
            lines[-1].append(piece)
        else:
            lines.append([piece])
    return lines
