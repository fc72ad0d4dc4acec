"""The cover picture: the routine's own, made fit for players, or one drawn from its title,
length and exercises in the fonts of `fonts/`, in the routine's language."""

from __future__ import annotations

import io
import unicodedata
from functools import lru_cache
from importlib import resources
from typing import Callable

from .errors import AudiocoachError, Problem
from .languages import cover_words
from .model import Picture

SIZE_PX = 1400  # the drawn cover's side
# A routine's own picture is scaled down to fit this square: Apple's podcast minimum (it asks
# 1400 to 3000 px), more than a phone's lock screen shows, and a JPEG of it weighs a few hundred
# KB, which every copy of the MP3 carries.
MAX_SIDE_PX = 1400
MAX_AS_IS_BYTES = 1_000_000  # a fitting JPEG or PNG heavier than this is encoded again
TINY_SIDE_PX = 300  # below this a lock screen shows the picture blurred
JPEG_QUALITY = 90
FLATTEN_ON = (255, 255, 255)  # what shows through a transparent picture, as on a white page

BACKGROUND = (22, 62, 74)
ACCENT = (240, 180, 90)
TEXT = (250, 248, 240)
MUTED = (180, 205, 210)
MARGIN_PX = 110
TITLE_SIZES_PX = range(150, 59, -10)  # the largest at which the whole title fits is taken
TITLE_LINES = 4
ELLIPSIS = "…"

# In the order they are asked: each character is drawn in the first font that has it.
EMOJI = "NotoEmoji-Bold.ttf"
_SCRIPTS = ("NotoSansHebrew-Bold.ttf", "NotoSansArabic-Bold.ttf", "NotoSansDevanagari-Bold.ttf",
            "NotoSansThai-Bold.ttf", "NotoSansArmenian-Bold.ttf", "NotoSansGeorgian-Bold.ttf",
            "NotoSansCJK-Bold.otf", EMOJI)
BOLD = ("NotoSans-Bold.ttf", *_SCRIPTS)
REGULAR = ("NotoSans-Regular.ttf", *_SCRIPTS)


def _font_file(name: str) -> str:
    return str(resources.files("audiocoach") / "fonts" / name)


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
    if kind in ("R", "AL"):
        return "rtl"
    if kind in ("L", "EN", "AN"):  # numbers read left to right in either direction
        return "ltr"
    return None


def direction(text: str) -> str:
    """`rtl` when the first letter is Hebrew or Arabic, else `ltr` (Unicode's paragraph rule)."""
    return next((d for d in map(_strong, clusters(text)) if d), "ltr")


class Lettering:
    """Lines of text in a family of fonts at one size, each character in a font that has it,
    right to left where the script runs so."""

    def __init__(self, family: tuple[str, ...], size_px: int, language: str):
        from PIL import features

        self.family, self.size_px = family, size_px
        self.language = language.replace("_", "-")
        self.raqm = features.check("raqm")  # shaping and direction; without it, letters as they come

    def runs(self, line: str, paragraph: str) -> list[tuple[str, str, str]]:
        """(text, font, direction) left to right as they are drawn: segments of one direction
        (Unicode's bidirectional rules, simplified to whole characters), cut where the font changes."""
        units = clusters(line)
        strong = [_strong(u) for u in units]
        resolved = []
        for i, kind in enumerate(strong):  # a space or mark takes its neighbours' direction if they agree
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


def _wrap(pieces: list[str], fits: Callable[[str], bool]) -> list[list[str]]:
    lines: list[list[str]] = []
    for piece in pieces:
        if lines and fits("".join(lines[-1] + [piece]).rstrip()):
            lines[-1].append(piece)
        else:
            lines.append([piece])
    return lines


def title_lines(title: str, language: str) -> tuple[int, list[str]]:
    """The title's size in px and its lines: the largest size at which it fits the cover in
    four lines; at the smallest, words wider than the cover break and what does not fit is cut
    with an ellipsis."""
    text = " ".join(title.split())
    width = SIZE_PX - 2 * MARGIN_PX
    paragraph = direction(text)
    for size in TITLE_SIZES_PX:
        lettering = Lettering(BOLD, size, language)

        def fits(line: str) -> bool:
            return lettering.width(line, paragraph) <= width

        lines = _wrap(break_points(text), fits)
        if len(lines) <= TITLE_LINES and all(fits("".join(line).rstrip()) for line in lines):
            return size, ["".join(line).rstrip() for line in lines]
    pieces = [part for piece in break_points(text)
              for part in ([piece] if fits(piece.rstrip()) else clusters(piece))]
    lines = _wrap(pieces, fits)
    shown = ["".join(line).rstrip() for line in lines[:TITLE_LINES - 1]]
    rest = "".join(piece for line in lines[TITLE_LINES - 1:] for piece in line)
    return size, shown + [lettering.ellipsized(rest, width)] if rest else shown


def cover_summary(length_s: float, exercises: int, language: str) -> str:
    """`12 min · 5 exercises` in the routine's language."""
    words = cover_words(language)
    minutes = words["minutes"].format(n=max(1, round(length_s / 60)))
    count = words["exercises_one"] if exercises == 1 else words["exercises"].format(n=exercises)
    return f"{minutes}  ·  {count}"


def cover_image(title: str, length_s: float, exercises: list[str], language: str = "en"):
    """The drawn cover as a Pillow image: the title large, then the length and the exercises."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (SIZE_PX, SIZE_PX), BACKGROUND)
    draw = ImageDraw.Draw(image)
    left, right = MARGIN_PX, SIZE_PX - MARGIN_PX
    width = right - left
    draw.rectangle([0, 0, SIZE_PX, 36], fill=ACCENT)
    size, lines = title_lines(title, language)
    title = Lettering(BOLD, size, language)
    paragraph = direction(" ".join(lines))
    y = MARGIN_PX + 60
    for line in lines:
        title.draw(draw, line, left, right, y, TEXT, paragraph)
        y += int(size * 1.2)
    y += 40
    info = Lettering(BOLD, 64, language)
    info.draw(draw, info.ellipsized(cover_summary(length_s, len(exercises), language), width),
              left, right, y, ACCENT)
    y += 120
    listing = Lettering(REGULAR, 52, language)
    row_px = 72
    room = max(0, (SIZE_PX - MARGIN_PX - 80 - y) // row_px)
    shown = exercises if len(exercises) <= room else exercises[:max(0, room - 1)]
    for name in shown:
        listing.draw(draw, listing.ellipsized("· " + " ".join(name.split()), width), left, right,
                     y, MUTED, paragraph)  # the title's side, so a Hebrew routine's list is right
        y += row_px
    if len(shown) < len(exercises) and room:
        more = cover_words(language)["more"].format(n=len(exercises) - len(shown))
        listing.draw(draw, more, left, right, y, MUTED)
    Lettering(REGULAR, 40, language).draw(draw, "audiocoach", left, right, SIZE_PX - MARGIN_PX - 40,
                                          MUTED, "ltr")
    return image


def draw_cover(title: str, length_s: float, exercises: list[str], language: str = "en") -> bytes:
    """A 1400x1400 PNG a lock screen can show, its words in `language` where a pack has them."""
    buffer = io.BytesIO()
    cover_image(title, length_s, exercises, language).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _problem(picture: Picture, routine_file: str, message: str,
             fix: str = "use a JPEG or PNG picture") -> AudiocoachError:
    return AudiocoachError(Problem(f"the cover '{picture.name}' {message}", fix, routine_file,
                                   picture.line, None, "cover"))


def _open(picture: Picture, routine_file: str, data: bytes):
    """The picture, checked to be a whole JPEG or PNG; its pixels are read when first used."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()  # the whole file's structure; the checked image cannot be drawn on
        image = Image.open(io.BytesIO(data))
    except UnidentifiedImageError:
        raise _problem(picture, routine_file, "is not a picture") from None
    except Image.DecompressionBombError:
        raise _problem(picture, routine_file, "has too many pixels to open",
                       f"use a picture of {MAX_SIDE_PX}x{MAX_SIDE_PX} px") from None
    except (OSError, SyntaxError, ValueError) as error:
        raise _problem(picture, routine_file, f"is damaged ({error})") from None
    if image.format not in ("JPEG", "PNG"):
        raise _problem(picture, routine_file, f"is a {image.format} picture")
    return image


def cover_warnings(picture: Picture, routine_file: str) -> list[str]:
    """What a listener would notice about the routine's own picture: that it is too small."""
    image = _open(picture, routine_file, picture.path.read_bytes())
    if min(image.size) < TINY_SIDE_PX:
        return [f"the cover '{picture.name}' is only {image.width}x{image.height} px, so lock "
                f"screens show it blurred; use a picture of {MAX_SIDE_PX}x{MAX_SIDE_PX} px"]
    return []


def _fits_as_is(image, data: bytes) -> bool:
    """Whether players can show the file as it is: 8-bit RGB, upright, small enough, baseline."""
    eight_bit = image.format != "PNG" or data[24] == 8  # the PNG header's bit depth
    return (image.mode == "RGB" and eight_bit and max(image.size) <= MAX_SIDE_PX
            and len(data) <= MAX_AS_IS_BYTES and not image.info.get("progressive")
            and image.getexif().get(0x0112, 1) == 1)  # 0x0112: orientation, 1 is upright


def _rgb(image):
    """The picture as 8-bit RGB: 16 bits scaled down, not clipped; transparency laid on white."""
    import numpy as np
    from PIL import Image

    if image.mode in ("I", "I;16", "I;16B", "I;16L"):  # 16-bit grey
        grey = np.asarray(image, dtype=np.uint32) >> 8
        image = Image.fromarray(np.clip(grey, 0, 255).astype(np.uint8), "L")
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        flat = Image.new("RGBA", rgba.size, (*FLATTEN_ON, 255))
        image = Image.alpha_composite(flat, rgba)
    return image.convert("RGB")


def read_cover(picture: Picture, routine_file: str) -> tuple[bytes, str]:
    """The routine's own picture as players take it, and its MIME type: an 8-bit RGB JPEG or
    PNG of at most 1400 px a side, upright; a file that already is one is kept as it is."""
    from PIL import Image, ImageOps

    try:
        data = picture.path.read_bytes()
    except OSError as error:
        raise _problem(picture, routine_file, f"cannot be read ({error.strerror})") from None
    image = _open(picture, routine_file, data)
    kind = image.format
    if _fits_as_is(image, data):
        return data, f"image/{kind.lower()}"
    if kind == "JPEG":
        image.draft("RGB", (MAX_SIDE_PX, MAX_SIDE_PX))  # decodes a huge JPEG at 1/2 to 1/8 size
    icc = image.info.get("icc_profile") if image.mode == "RGB" else None
    try:
        image = _rgb(ImageOps.exif_transpose(image))
    except (OSError, SyntaxError, ValueError) as error:
        raise _problem(picture, routine_file, f"is damaged ({error})") from None
    image.thumbnail((MAX_SIDE_PX, MAX_SIDE_PX), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    if kind == "PNG":
        image.save(buffer, format="PNG", optimize=True, icc_profile=icc)
    if kind == "JPEG" or buffer.tell() > MAX_AS_IS_BYTES:  # a photo saved as PNG
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=JPEG_QUALITY, icc_profile=icc)
        kind = "JPEG"
    return buffer.getvalue(), f"image/{kind.lower()}"
