"""Make the cover fonts in audiocoach/audio/fonts/ from their published files (see its README.md).

Run: .venv/bin/python scripts/vendor_fonts.py NOTO_DIR EMOJI_WOFF

- NOTO_DIR: a folder holding NotoSans-Regular.ttf, NotoSans-Bold.ttf, the Bold of each script
  font below and NotoSansCJK-Bold.ttc (Debian's fonts-noto-core and fonts-noto-cjk, unpacked
  with `apt-get download` and `dpkg-deb -x`, hold them all).
- EMOJI_WOFF: files/noto-emoji-emoji-700-normal.woff of the npm package @fontsource/noto-emoji.

Hinting is dropped (the cover is drawn at 40 px and more, where it does not help). The CJK font
keeps the characters of everyday text only, 4 MB in two files rather than 20 MB: the level 1
characters of GB 2312 (simplified Chinese), Big5 (traditional Chinese) and JIS X 0208 (Japanese),
the 2,350 Hangul syllables of KS X 1001 (Korean), kana, and CJK punctuation and full-width forms.
Needs fontTools. The CJK subset takes a few minutes.
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

FONTS = Path(__file__).resolve().parent.parent / "audiocoach" / "audio" / "fonts"
WHOLE = ["NotoSans-Regular.ttf", "NotoSans-Bold.ttf", "NotoSansHebrew-Bold.ttf",
         "NotoSansArabic-Bold.ttf", "NotoSansDevanagari-Bold.ttf", "NotoSansThai-Bold.ttf",
         "NotoSansArmenian-Bold.ttf", "NotoSansGeorgian-Bold.ttf"]
CJK_SOURCE, CJK_FACE = "NotoSansCJK-Bold.ttc", "Noto Sans CJK SC Bold"
# The subset is cut in two at the middle of its Chinese characters, so that no file is over 2 MB:
# A holds everything below the cut (kana, Hangul, punctuation too), B the rest and the spaces.
CJK_SPLIT = 0x72F1
CJK_PARTS = {"NotoSansCJK-Bold-A.otf": lambda c: c < CJK_SPLIT or c > 0x9FFF,
             "NotoSansCJK-Bold-B.otf": lambda c: c >= CJK_SPLIT and c <= 0x9FFF or c in (0x20, 0x3000)}
EMOJI_OUT = "NotoEmoji-Bold.ttf"
# Unicode blocks kept whole: CJK punctuation, hiragana, katakana, Hangul letters, full-width forms
CJK_BLOCKS = [(0x3000, 0x3100), (0x3130, 0x3190), (0x31F0, 0x3200), (0xFF00, 0xFFF0)]


def _codec_characters(codec: str, leads: range, trails: range | list[int]) -> set[str]:
    """The characters a two-byte legacy encoding has in the rows `leads`."""
    found = set()
    for lead in leads:
        for trail in trails:
            try:
                text = bytes([lead, trail]).decode(codec)
            except UnicodeDecodeError:
                continue
            if len(text) == 1:
                found.add(text)
    return found


def cjk_characters() -> set[str]:
    high = range(0xA1, 0xFF)
    chosen = {chr(c) for start, end in CJK_BLOCKS for c in range(start, end)}
    chosen |= _codec_characters("gb2312", range(0xB0, 0xD8), high)  # level 1: 3,755 hanzi
    chosen |= _codec_characters("euc_jp", range(0xB0, 0xD0), high)  # level 1: 2,965 kanji
    chosen |= _codec_characters("big5", range(0xA4, 0xC7), [*range(0x40, 0x7F), *high])  # 5,401
    chosen |= _codec_characters("euc_kr", range(0xB0, 0xC9), high)  # 2,350 Hangul syllables
    return chosen


def _save(font: TTFont, unicodes: list[int] | None, out: Path) -> None:
    options = subset.Options()
    options.hinting = False
    options.name_IDs = ["*"]  # keeps the copyright and license records
    options.notdef_outline = True  # the tests tell a missing character by this box
    options.layout_features = ["*"]  # Arabic joining, Indic conjuncts, CJK regional forms
    subsetter = subset.Subsetter(options)
    if unicodes is None:
        subsetter.populate(unicodes=font.getBestCmap().keys())
    else:
        subsetter.populate(unicodes=unicodes)
    subsetter.subset(font)
    font.flavor = None
    font.save(out)
    print(f"{out.name}: {out.stat().st_size // 1024} KB", flush=True)


def main(noto_dir: Path, emoji_woff: Path) -> None:
    sources = {path.name: path for path in noto_dir.rglob("*") if path.is_file()}
    for name in WHOLE:
        _save(TTFont(sources[name]), None, FONTS / name)
    _save(TTFont(emoji_woff), None, FONTS / EMOJI_OUT)
    collection = TTFont(sources[CJK_SOURCE], fontNumber=0)
    number = 0
    while collection["name"].getDebugName(4) != CJK_FACE:
        number += 1
        collection = TTFont(sources[CJK_SOURCE], fontNumber=number)
    chosen = sorted(ord(c) for c in cjk_characters())
    for name, takes in CJK_PARTS.items():
        _save(TTFont(sources[CJK_SOURCE], fontNumber=number),
              [c for c in chosen if takes(c)], FONTS / name)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
