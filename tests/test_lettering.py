"""Text in the shipped fonts: the font for each character, right-to-left runs, line breaks."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from audiocoach.audio.lettering import (
    BOLD,
    Lettering,
    break_points,
    clusters,
    direction,
)


def test_what_a_reader_sees_as_one_character_stays_together():
    assert clusters("👍🏽🏃\u200d♀\ufe0fe\u0301🇩🇪🇫🇷") == [
        "👍🏽", "🏃\u200d♀\ufe0f", "e\u0301", "🇩🇪", "🇫🇷"]


def test_words_after_an_emoji_are_in_the_text_font_and_spaced_as_text():
    lettering = Lettering(BOLD, 150, "en")
    gap_px = lettering.width("🦶 a") - lettering.width("🦶") - lettering.width("a")
    assert gap_px < 0.4 * 150  # a space, not an emoji's width
    assert [font for _, font, _ in lettering.runs("💪3 sets", "ltr")] == [
        "NotoEmoji-Bold.ttf", "NotoSans-Bold.ttf"]  # 3 a digit, not a keycap


def drawn_order(text: str, paragraph: str) -> list[str]:
    """The runs' texts from left to right as they are drawn."""
    return [run for run, _, _ in Lettering(BOLD, 100, "he").runs(text, paragraph)]


def test_hebrew_reads_right_to_left_with_english_words_and_numbers_in_their_place():
    assert direction("מתיחות בוקר Yoga Flow") == "rtl" and direction("3 תרגילים") == "rtl"
    assert direction("Yoga מתיחות") == "ltr"
    # In a Hebrew title an English phrase stands to the left of the Hebrew before it.
    assert drawn_order("מתיחות בוקר Yoga Flow", "rtl") == ["Yoga Flow", "מתיחות בוקר "]
    # A number after Hebrew words belongs to them: read from the right, 3 comes between.
    assert drawn_order("שיעור 3 ימים", "rtl") == ["ימים", "3 ", "שיעור "]
    assert drawn_order("Yoga מתיחות 3 Flow", "ltr") == ["Yoga ", "3", "מתיחות ", " Flow"]


def test_arabic_letters_are_joined():
    lettering = Lettering(BOLD, 100, "ar")
    word = "تمارين"
    assert lettering.width(word) < 0.85 * sum(lettering.width(letter) for letter in word)
    image = Image.new("L", (800, 200))
    lettering.draw(ImageDraw.Draw(image), word, 0, 800, 20, 255)
    columns = np.asarray(image).max(axis=0) > 0
    gaps = np.flatnonzero(np.diff(columns.astype(int)) == -1)  # where ink stops, left to right
    assert len(gaps) <= 3  # joined strokes, not six letters standing apart


def test_chinese_breaks_between_characters_and_english_between_words():
    assert break_points("每日伸展，十分钟") == ["每", "日", "伸", "展，", "十", "分", "钟"]
    assert break_points("Feet first, then hips") == ["Feet ", "first, ", "then ", "hips"]
    assert break_points("아침 스트레칭") == ["아", "침 ", "스", "트", "레", "칭"]
