"""The cover picture: the routine's own, or one drawn from its title, length and exercises."""

from __future__ import annotations

import io

from .errors import AudiocoachError, Problem
from .model import Picture

SIZE_PX = 1400  # what podcast apps ask for (1400 to 3000 px square)
BACKGROUND = (22, 62, 74)
ACCENT = (240, 180, 90)
TEXT = (250, 248, 240)
MUTED = (180, 205, 210)
MARGIN_PX = 110


def _wrap(draw, text: str, font, width_px: int) -> list[str]:
    """Words broken into lines no wider than `width_px`."""
    lines: list[str] = []
    for word in text.split():
        trial = f"{lines[-1]} {word}" if lines else word
        if lines and draw.textlength(trial, font=font) <= width_px:
            lines[-1] = trial
        else:
            lines.append(word)
    return lines


def draw_cover(title: str, length_s: float, exercises: list[str]) -> bytes:
    """A 1400x1400 PNG a lock screen can show: the title large, then the length and exercises."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (SIZE_PX, SIZE_PX), BACKGROUND)
    draw = ImageDraw.Draw(image)
    width = SIZE_PX - 2 * MARGIN_PX
    draw.rectangle([0, 0, SIZE_PX, 36], fill=ACCENT)
    size = 150
    title_font = ImageFont.load_default(size=size)
    lines = _wrap(draw, title, title_font, width)
    while (len(lines) > 4 or any(draw.textlength(line, font=title_font) > width for line in lines)) \
            and size > 60:
        size -= 10
        title_font = ImageFont.load_default(size=size)
        lines = _wrap(draw, title, title_font, width)
    y = MARGIN_PX + 60
    for line in lines[:4]:
        draw.text((MARGIN_PX, y), line, font=title_font, fill=TEXT)
        y += int(size * 1.15)
    minutes = max(1, round(length_s / 60))
    info_font = ImageFont.load_default(size=64)
    y += 40
    draw.text((MARGIN_PX, y), f"{minutes} min  ·  {len(exercises)} exercises", font=info_font,
              fill=ACCENT)
    y += 120
    list_font = ImageFont.load_default(size=52)
    room = (SIZE_PX - MARGIN_PX - 80 - y) // 72
    shown = exercises if len(exercises) <= room else exercises[:max(0, room - 1)]
    for name in shown:
        draw.text((MARGIN_PX, y), "· " + name, font=list_font, fill=MUTED)
        y += 72
    if len(shown) < len(exercises):
        draw.text((MARGIN_PX, y), f"and {len(exercises) - len(shown)} more", font=list_font, fill=MUTED)
    draw.text((MARGIN_PX, SIZE_PX - MARGIN_PX - 40), "audiocoach", font=ImageFont.load_default(size=40),
              fill=MUTED)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def read_cover(picture: Picture, routine_file: str) -> tuple[bytes, str]:
    """The routine's own picture and its MIME type, checked to be a JPEG or PNG it claims to be."""
    from PIL import Image, UnidentifiedImageError

    def problem(message: str) -> AudiocoachError:
        return AudiocoachError(Problem(message, "use a JPEG or PNG picture", routine_file,
                                       picture.line, None, "cover"))

    try:
        data = picture.path.read_bytes()
        with Image.open(io.BytesIO(data)) as image:
            kind = image.format
            image.verify()
    except (OSError, UnidentifiedImageError, SyntaxError) as error:
        raise problem(f"the cover '{picture.name}' is not a readable picture ({error})") from None
    if kind not in ("JPEG", "PNG"):
        raise problem(f"the cover '{picture.name}' is a {kind} picture")
    return data, f"image/{kind.lower()}"
