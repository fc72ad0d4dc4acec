"""The cover picture: the routine's own, made fit for players, or one drawn from its title,
length and exercises in the fonts of `fonts/`, in the routine's language."""

from __future__ import annotations

import io

from audiocoach.audio.lettering import (
    BOLD,
    REGULAR,
    Lettering,
    break_points,
    clusters,
    direction,
    undrawable,
    wrap,
)
from audiocoach.errors import AudiocoachError, Problem
from audiocoach.routine.model import Picture
from audiocoach.speech.languages import cover_words, number_form

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

        lines = wrap(break_points(text), fits)
        if len(lines) <= TITLE_LINES and all(fits("".join(line).rstrip()) for line in lines):
            return size, ["".join(line).rstrip() for line in lines]
    pieces = [part for piece in break_points(text)
              for part in ([piece] if fits(piece.rstrip()) else clusters(piece))]
    lines = wrap(pieces, fits)
    shown = ["".join(line).rstrip() for line in lines[:TITLE_LINES - 1]]
    rest = "".join(piece for line in lines[TITLE_LINES - 1:] for piece in line)
    return size, shown + [lettering.ellipsized(rest, width)] if rest else shown


def cover_summary(length_s: float, exercises: int, language: str) -> str:
    """`12 min · 5 exercises` in the routine's language."""
    words = cover_words(language)
    minutes = words["minutes"].format(n=max(1, round(length_s / 60)))
    count = number_form(words, "exercises", exercises == 1).format(n=exercises)
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
    heading = Lettering(BOLD, size, language)
    paragraph = direction(" ".join(lines))
    y = MARGIN_PX + 60
    for line in lines:
        heading.draw(draw, line, left, right, y, TEXT, paragraph)
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
    """A 1400x1400 PNG a lock screen can show, its words in `language` where a pack has them.

    At zlib's usual effort: the most (`optimize`) makes it 2% smaller and takes twice as long,
    0.14 s against 0.07 s, on every build."""
    buffer = io.BytesIO()
    cover_image(title, length_s, exercises, language).save(buffer, format="PNG")
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


def _read(picture: Picture, routine_file: str) -> bytes:
    try:
        return picture.path.read_bytes()
    except OSError as error:
        raise _problem(picture, routine_file, f"cannot be read ({error.strerror})") from None


def open_picture(picture: Picture, routine_file: str):
    """The routine's own picture, checked as the build opens it (its pixels not yet read)."""
    return _open(picture, routine_file, _read(picture, routine_file))


def drawn_cover_warnings(title: str, exercises: list[str]) -> list[str]:
    """Letters the drawn cover would show as boxes, as no shipped font has them."""
    missing = undrawable(title, BOLD) + [c for name in exercises for c in undrawable(name, REGULAR)]
    if not missing:
        return []
    letters = " ".join(dict.fromkeys(missing))
    return [f"the drawn cover has no letter for {letters}, and shows a box for each; give the "
            "routine a `cover:` picture of its own, or other words"]


def cover_warnings(picture: Picture, routine_file: str) -> list[str]:
    """What a listener would notice about the routine's own picture: that it is too small."""
    image = open_picture(picture, routine_file)
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

    data = _read(picture, routine_file)
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
