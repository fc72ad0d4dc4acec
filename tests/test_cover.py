"""The cover: every script's letters drawn, long titles cut, its words in the routine's language;
a routine's own picture made what players show."""

from __future__ import annotations

import fnmatch
import io
import string
import struct
import tomllib
import zlib
from pathlib import Path

import numpy as np
import pytest
from fontTools.ttLib import TTFont
from mutagen.id3 import ID3
from PIL import Image

from audiocoach.audio.cover import (
    BACKGROUND,
    MARGIN_PX,
    SIZE_PX,
    TEXT,
    cover_image,
    cover_summary,
    draw_cover,
    read_cover,
    title_lines,
)
from audiocoach.errors import AudiocoachError
from audiocoach.routine.model import Picture
from audiocoach.speech.languages import cover_words, pack_codes

ROOT = Path(__file__).resolve().parent.parent
FONTS = sorted((ROOT / "audiocoach" / "audio" / "fonts").glob("*.[ot]tf"))
UNASSIGNED = "\u0378"  # no font has it: drawn, it is the font's missing-glyph box
JOINERS = {0x200D, 0xFE0F}  # shaped away: no font needs a glyph for them

TITLES = {
    "German": "Übungen für Füße",
    "French": "Étirement du soir",
    "Spanish": "España: ¿estiramientos?",
    "Portuguese": "Alongamento de manhã",
    "Greek": "Πρωινές διατάσεις",
    "Russian": "Утренняя растяжка",
    "Vietnamese": "Giãn cơ buổi sáng",
    "Hebrew": "מתיחות בוקר",
    "Arabic": "تمارين الصباح",
    "Hindi": "सुबह का योग",
    "Thai": "โยคะตอนเช้า",
    "Armenian": "Առավոտյան մարզանք",
    "Georgian": "დილის ვარჯიში",
    "Japanese": "朝のストレッチ体操",
    "Chinese": "每日伸展运动，十分钟",
    "Traditional Chinese": "每日伸展運動",
    "Korean": "아침 스트레칭",
    "emoji": "🧘 💪 ❤️ 🏃‍♀️ 👍🏽",
}


@pytest.fixture(scope="module")
def cmaps() -> list[set[int]]:
    """Each shipped font's characters, read with fontTools."""
    return [set(TTFont(path, lazy=True).getBestCmap()) for path in FONTS]


def grapheme_clusters(text: str) -> list[str]:
    """Each letter with the accents and joiners that follow it, as a reader counts them."""
    import unicodedata

    found: list[str] = []
    for char in text:
        joins = (unicodedata.category(char) in ("Mn", "Mc", "Me") or ord(char) in JOINERS
                 or 0x1F3FB <= ord(char) <= 0x1F3FF)
        if found and (joins or found[-1].endswith("\u200d")):
            found[-1] += char
        else:
            found.append(char)
    return [c for c in found if not c.isspace()]


def ink(image: Image.Image, box: tuple[int, int, int, int]) -> int:
    """How many pixels in `box` have the title's colour."""
    pixels = np.asarray(image.crop(box).convert("RGB"), dtype=np.int16)
    return int((np.abs(pixels - np.array(TEXT)).sum(axis=2) < 60).sum())


@pytest.fixture(scope="module")
def box_cover() -> Image.Image:
    return cover_image(UNASSIGNED, 600, ["Stretch"])


@pytest.mark.parametrize("language", list(TITLES))
def test_every_letter_of_every_script_is_drawn_and_not_a_missing_glyph_box(language, box_cover,
                                                                           cmaps):
    title_rows = (MARGIN_PX, 40, SIZE_PX - MARGIN_PX, 380)  # a one-letter title's line
    for letter in grapheme_clusters(TITLES[language]):
        needed = {ord(c) for c in letter} - JOINERS
        assert any(needed <= font for font in cmaps), f"no shipped font has {letter!r}"
        drawn = cover_image(letter, 600, ["Stretch"])
        assert drawn.tobytes() != box_cover.tobytes(), f"{letter!r} is drawn as a box"
        assert ink(drawn, title_rows) > 200, f"{letter!r} is drawn blank"


def test_a_whole_title_in_every_script_keeps_every_letter(box_cover):
    # The same letters drawn as boxes, one for each, leave a different picture.
    for title in TITLES.values():
        as_boxes = " ".join(UNASSIGNED * len(grapheme_clusters(word)) for word in title.split())
        assert (cover_image(title, 600, ["Stretch"]).tobytes()
                != cover_image(as_boxes, 600, ["Stretch"]).tobytes()), title


def test_the_png_is_the_drawn_picture():
    png = draw_cover(TITLES["Japanese"], 600, ["Stretch"], "ja")
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG" and image.mode == "RGB" and image.size == (1400, 1400)
        assert image.tobytes() == cover_image(TITLES["Japanese"], 600, ["Stretch"], "ja").tobytes()


def title_ink_columns(image: Image.Image) -> np.ndarray:
    pixels = np.asarray(image.crop((0, 40, SIZE_PX, 380)).convert("RGB"), dtype=np.int16)
    return np.flatnonzero((np.abs(pixels - np.array(TEXT)).sum(axis=2) < 60).any(axis=0))


def test_a_hebrew_title_is_set_against_the_right_margin_and_english_against_the_left():
    hebrew = title_ink_columns(cover_image("מתיחות", 600, ["Stretch"]))
    assert SIZE_PX - MARGIN_PX - 20 <= hebrew.max() <= SIZE_PX - MARGIN_PX
    assert hebrew.min() > SIZE_PX // 2
    english = title_ink_columns(cover_image("Stretch", 600, ["Stretch"]))
    assert MARGIN_PX <= english.min() <= MARGIN_PX + 20 and english.max() < SIZE_PX // 2 + 200


def outside_margins(image: Image.Image) -> int:
    """How many pixels left or right of the margins, below the top bar, are not background."""
    pixels = np.asarray(image.convert("RGB"), dtype=np.int16)[40:]
    drawn = np.abs(pixels - np.array(BACKGROUND)).sum(axis=2) > 60
    return int(drawn[:, :MARGIN_PX - 4].sum() + drawn[:, SIZE_PX - MARGIN_PX + 4:].sum())


LONG = "Morning mobility for hips, hamstrings, calves, ankles and the lower back " * 4


def test_a_long_title_is_cut_with_an_ellipsis_and_stays_inside_the_margins():
    assert outside_margins(cover_image(LONG, 600, ["Stretch"])) == 0
    size, lines = title_lines(LONG, "en")
    assert size == 60 and len(lines) == 4
    assert lines[-1].endswith("…") and not lines[-1][:-1].endswith((" ", ","))
    assert LONG.startswith(" ".join(lines)[:-1])


@pytest.mark.parametrize("title", [
    "Oberschenkelrückseitendehnungsübungsprogrammvorbereitungskurs" * 2,  # one long word
    "每日伸展运动十分钟让身体更健康更灵活" * 6,  # written without spaces
    "תרגילי מתיחה לכל הגוף " * 10,  # right to left
])
def test_no_title_runs_over_the_edge(title):
    assert outside_margins(cover_image(title, 600, ["Stretch"])) == 0
    size, lines = title_lines(title, "en")
    assert len(lines) <= 4


def test_a_short_title_is_large_and_whole():
    assert title_lines("  Feet\n first ", "en") == (150, ["Feet first"])


def test_a_chinese_title_breaks_between_characters_not_before_a_comma():
    size, lines = title_lines("每日伸展运动，十分钟让身体更健康更灵活，每天早上", "zh")
    assert len(lines) > 1 and "".join(lines) == "每日伸展运动，十分钟让身体更健康更灵活，每天早上"
    assert not any(line.startswith("，") for line in lines)


def test_long_exercise_names_are_cut_too():
    names = ["Seated hamstring stretch with a strap around the ball of the foot, slowly"] * 3
    assert outside_margins(cover_image("Legs", 600, names)) == 0


def test_one_exercise_is_one_exercise():
    assert cover_summary(600, 1, "en") == "10 min  ·  1 exercise"
    assert cover_summary(600, 7, "en") == "10 min  ·  7 exercises"
    assert cover_summary(20, 1, "en") == "1 min  ·  1 exercise"


def test_the_cover_words_are_in_the_routines_language():
    assert cover_summary(754, 3, "de") == "13 Min.  ·  3 Übungen"
    assert cover_summary(754, 1, "de_DE") == "13 Min.  ·  1 Übung"
    assert cover_summary(754, 2, "pt-BR") == "13 min  ·  2 exercícios"
    assert cover_summary(754, 2, "sv") == "13 min  ·  2 exercises"  # no Swedish pack: English


def blanks(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


@pytest.mark.parametrize("code", pack_codes())
def test_every_pack_has_the_cover_words_with_englishs_blanks(code):
    english, words = cover_words("en"), cover_words(code)
    assert set(words) == set(english) == {"minutes", "exercises", "exercises_one", "more"}
    for key in english:
        assert words[key].strip() and blanks(words[key]) == blanks(english[key]), (code, key)


GERMAN = """\
title: Füße am Morgen
voice: {language: de}
exercises:
  - name: Zehen spreizen
    hold: 3s
  - name: Fersen heben
    hold: 3s
"""


def apic(path: Path):
    (frame,) = ID3(path).getall("APIC")
    return frame


def test_a_built_german_routine_has_the_german_cover(run, write_routine):
    from audiocoach.api import plan

    routine = write_routine(GERMAN)
    result = run("build", routine, "-o", "feet.mp3")
    assert result.exit_code == 0, result.output
    frame = apic(Path("feet.mp3"))
    track = plan(routine)
    names = ["Zehen spreizen", "Fersen heben"]
    german = cover_image("Füße am Morgen", track.duration_s, names, "de")
    english = cover_image("Füße am Morgen", track.duration_s, names, "en")
    with Image.open(io.BytesIO(frame.data)) as image:
        assert image.tobytes() == german.tobytes() != english.tobytes()


def test_the_language_option_changes_the_cover_words(run, write_routine):
    routine = write_routine(GERMAN.replace("voice: {language: de}\n", ""))
    assert run("build", routine, "-o", "en.mp3").exit_code == 0
    assert run("build", routine, "--language", "de", "-o", "de.mp3").exit_code == 0
    assert apic(Path("en.mp3")).data != apic(Path("de.mp3")).data


# A routine's own picture.

def gradient(width: int, height: int, channels: int) -> np.ndarray:
    y, x = np.mgrid[0:height, 0:width]
    return np.stack([(x * 255 // width + 60 * k + y * 90 // height) % 256
                     for k in range(channels)], axis=-1).astype(np.uint8)


def cmyk_jpeg(path: Path) -> tuple[int, int, int]:
    """A 2800x2100 CMYK JPEG whose top left corner is pure cyan; the RGB it should become."""
    pixels = np.zeros((2100, 2800, 4), np.uint8)
    pixels[..., 3] = gradient(2800, 2100, 1)[..., 0] // 4
    pixels[:300, :300] = (255, 0, 0, 0)
    Image.fromarray(pixels, "CMYK").save(path, quality=92)
    return (0, 255, 255)


def rgba_png(path: Path) -> tuple[int, int, int]:
    """A 2000x2000 PNG with alpha, its top left corner transparent; it shows white there."""
    pixels = gradient(2000, 2000, 4)
    pixels[..., 3] = 255
    pixels[:300, :300, 3] = 0
    Image.fromarray(pixels, "RGBA").save(path, compress_level=1)
    return (255, 255, 255)


def grey16_png(path: Path) -> tuple[int, int, int]:
    """A 1800x1800 16-bit grey PNG, its top left corner at half of full scale: mid grey."""
    pixels = (np.mgrid[0:1800, 0:1800][1] * 36).astype(np.uint16)
    pixels[:300, :300] = 32768
    Image.fromarray(pixels).save(path)
    return (128, 128, 128)


def rgb16_png(path: Path) -> tuple[int, int, int]:
    """A 1600x1200 PNG of 16 bits a channel (written by hand: Pillow writes 8), orange."""
    pixels = np.zeros((1200, 1600, 3), np.uint16)
    pixels[...] = (0xFFFF, 0x8000, 0x0000)
    rows = b"".join(b"\0" + row.astype(">u2").tobytes() for row in pixels)

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", 1600, 1200, 16, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))
                     + chunk(b"IEND", b""))
    return (255, 128, 0)


OWN = """\
title: Calves
cover: {cover}
exercises:
  - name: Calf raise
    hold: 10s
"""


@pytest.mark.parametrize("make, name, size", [
    (cmyk_jpeg, "cover.jpg", (1400, 1050)), (rgba_png, "cover.png", (1400, 1400)),
    (grey16_png, "cover.png", (1400, 1400)), (rgb16_png, "cover.png", (1400, 1050))])
def test_a_big_cmyk_transparent_or_16_bit_cover_is_embedded_as_1400_px_rgb(
        run, write_routine, tmp_path, make, name, size):
    colour = make(tmp_path / name)
    original = (tmp_path / name).stat().st_size
    result = run("build", write_routine(OWN.format(cover=name)), "-o", "calves.mp3")
    assert result.exit_code == 0, result.output
    frame = apic(Path("calves.mp3"))
    with Image.open(io.BytesIO(frame.data)) as image:
        assert frame.mime == f"image/{image.format.lower()}" and image.format in ("JPEG", "PNG")
        assert image.mode == "RGB" and image.size == size
        if image.format == "PNG":
            assert frame.data[24] == 8  # bits per channel, from the PNG's header
        corner = np.asarray(image.crop((20, 20, 100, 100))).reshape(-1, 3).mean(axis=0)
    assert np.abs(corner - colour).max() < 12, corner
    assert len(frame.data) < min(original, 1_000_000)
    assert "warning:" not in result.output


def test_a_cover_players_can_show_is_embedded_byte_for_byte(tmp_path):
    path = tmp_path / "fine.jpg"
    Image.fromarray(gradient(1000, 1000, 3)).save(path, quality=85)
    assert read_cover(Picture("fine.jpg", path, 2), "r.yaml") == (path.read_bytes(), "image/jpeg")


def test_a_photo_saved_as_png_is_embedded_as_a_jpeg_of_under_1_mb(tmp_path):
    path = tmp_path / "photo.png"
    noise = np.random.default_rng(7).normal(0, 12, (1500, 1500, 3))
    Image.fromarray(np.clip(gradient(1500, 1500, 3) + noise, 0, 255).astype(np.uint8)).save(path)
    assert path.stat().st_size > 3_000_000
    data, mime = read_cover(Picture("photo.png", path, 2), "r.yaml")
    assert mime == "image/jpeg" and len(data) < 1_000_000
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "JPEG" and image.size == (1400, 1400)


def test_a_phones_sideways_photo_is_turned_upright(tmp_path):
    path = tmp_path / "phone.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # stored sideways: turn 90 degrees clockwise to show
    Image.fromarray(gradient(800, 600, 3)).save(path, exif=exif)
    data, mime = read_cover(Picture("phone.jpg", path, 2), "r.yaml")
    with Image.open(io.BytesIO(data)) as image:
        assert image.size == (600, 800) and image.getexif().get(0x0112, 1) == 1


@pytest.mark.parametrize("command, out, named", [("build", "calves.mp3", ""),
                                                 ("share", "shared", "routine: ")])
def test_a_tiny_cover_gives_a_warning_and_is_kept(run, write_routine, tmp_path, command, out, named):
    Image.fromarray(gradient(200, 150, 3)).save(tmp_path / "tiny.jpg")
    result = run(command, write_routine(OWN.format(cover="tiny.jpg")), "-o", out)
    assert result.exit_code == 0, result.output
    assert (f"warning: {named}the cover 'tiny.jpg' is only 200x150 px, so lock screens show it "
            "blurred; use a picture of 1400x1400 px") in result.stderr
    mp3 = Path(out) if command == "build" else Path(out, "routine.mp3")
    assert apic(mp3).data == (tmp_path / "tiny.jpg").read_bytes()


def test_the_share_folder_has_the_same_picture_as_the_mp3(run, write_routine, tmp_path):
    rgba_png(tmp_path / "cover.png")
    result = run("share", write_routine(OWN.format(cover="cover.png")), "-o", "shared")
    assert result.exit_code == 0, result.output
    (mp3,) = Path("shared").glob("*.mp3")
    (picture,) = Path("shared").glob("*.cover.*")
    assert picture.read_bytes() == apic(mp3).data
    with Image.open(picture) as image:
        assert image.mode == "RGB" and max(image.size) == 1400


def test_a_picture_too_large_to_open_is_a_routine_error(tmp_path):
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    path = tmp_path / "huge.png"  # a header claiming 30000x30000 px
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 30000, 30000, 8, 2,
                                                                      0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b""))
    with pytest.raises(AudiocoachError) as caught:
        read_cover(Picture("huge.png", path, 4), "r.yaml")
    assert str(caught.value) == ("r.yaml:4: cover: the cover 'huge.png' has too many pixels to "
                                 "open (use a picture of 1400x1400 px)")


def test_a_file_that_is_no_picture_is_a_routine_error_in_plain_words(run, write_routine, tmp_path):
    (tmp_path / "notes.jpg").write_text("shopping list")
    result = run("build", write_routine(OWN.format(cover="notes.jpg")), "-o", "calves.mp3")
    assert result.exit_code == 1
    assert "routine.yaml:2" in result.output  # the line of `cover:`
    assert ("cover: the cover 'notes.jpg' is not a picture (use a JPEG or PNG picture)"
            in result.output)
    assert "BytesIO" not in result.output and "Traceback" not in result.output


def test_every_shipped_font_is_installed_with_its_license():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["audiocoach.audio"]
    shipped = [f"fonts/{path.name}" for path in (ROOT / "audiocoach" / "audio" / "fonts").iterdir()]
    assert "fonts/OFL.txt" in shipped and len(FONTS) >= 9
    assert all(any(fnmatch.fnmatch(name, pattern) for pattern in patterns) for name in shipped)
    assert sum(path.stat().st_size for path in FONTS) < 7_000_000


def test_a_letter_no_shipped_font_has_is_named_in_a_warning(run, write_routine):
    # 髋 (hip) is outside the shipped CJK subset; 伸展 is inside it
    path = write_routine("title: 早晨伸展：髋部\nvoice: {language: zh}\nexercises:\n"
                         "  - {name: 伸展, hold: 5s}\n")
    result = run("plan", path)
    assert result.exit_code == 0, result.output
    assert ("warning: the drawn cover has no letter for 髋, and shows a box for each; give the "
            "routine a `cover:` picture of its own, or other words") in result.output
    latin = write_routine("title: Übungen für Füße\nexercises:\n  - {name: Étirement, hold: 5s}\n",
                          "latin.yaml")
    assert "drawn cover" not in run("plan", latin).output
