"""The coach's words in the listener's language: one phrase pack per language, numbers by num2words.

A pack is a YAML file in `audiocoach/packs/` named by its language code, with every key and
blank of `en.yaml`; adding a language is adding a file.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from importlib import resources
from typing import Mapping

import yaml

FALLBACK = "en"


@dataclass(frozen=True)
class Pack:
    code: str
    name: str
    phrases: Mapping[str, str]
    units: Mapping[str, str]
    summary: Mapping[str, str]

    def number(self, n: int) -> str:
        """A whole number as a word: count words and countdowns."""
        from num2words import num2words

        return num2words(n, lang=self.code)

    def duration(self, seconds: Fraction) -> str:
        """`30 seconds`, `eine Minute und 30 Sekunden`: exact, never rounded."""
        minutes, rest = divmod(Fraction(seconds), 60)
        parts = []
        if minutes:
            parts.append(self._unit("minute", Fraction(minutes)))
        if rest or not minutes:
            parts.append(self._unit("second", rest))
        if len(parts) == 2:
            return self.units["join"].format(minutes=parts[0], seconds=parts[1])
        return parts[0]

    def _unit(self, unit: str, amount: Fraction) -> str:
        if amount == 1:
            return self.units[f"{unit}_one"]
        text = f"{float(amount):.3f}".rstrip("0").rstrip(".")
        return self.units[f"{unit}_other"].format(n=text.replace(".", self.units["decimal"]))


def pack_codes() -> list[str]:
    folder = resources.files("audiocoach") / "packs"
    return sorted(entry.name[:-5] for entry in folder.iterdir() if entry.name.endswith(".yaml"))


@lru_cache(maxsize=None)
def cover_words(language: str) -> Mapping[str, str]:
    """The drawn cover's words in `language`'s pack (English's where there is none): `minutes`,
    `exercises` (`exercises_one` for one) and `more`, each with an `{n}` blank."""
    code = pack_for(language)[0].code
    text = (resources.files("audiocoach") / "packs" / f"{code}.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)["cover"]


@lru_cache(maxsize=None)
def load_pack(code: str) -> Pack:
    text = (resources.files("audiocoach") / "packs" / f"{code}.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    return Pack(code, data["language"], data["phrases"], data["units"], data["summary"])


def pack_for(language: str) -> tuple[Pack, str | None]:
    """The pack for a language code (`de`, `de-DE`, `pt_BR`: the language part picks it), and a
    warning when there is none and English stands in."""
    code = language.replace("_", "-").split("-")[0].lower()
    if code in pack_codes():
        return load_pack(code), None
    return load_pack(FALLBACK), (
        f"there are no cue words for language '{language}', so they are English; write your own "
        f"in `phrases` (packs: {', '.join(pack_codes())})")
