"""Phrase packs: every language complete, cue words in the routine's language, English elsewhere."""

from __future__ import annotations

import json
import string

import pytest
from conftest import FakeGoogle, routine_from
from contract import check_timing_contract
from typer.testing import CliRunner

from audiocoach.cli import app
from audiocoach.languages import load_pack, pack_codes, pack_for
from audiocoach.pipeline import Options, compile_routine
from audiocoach.script import build_script


def blanks(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


@pytest.mark.parametrize("code", ["de", "fr", "es", "it", "pt", "nl"])
def test_every_pack_has_every_key_and_the_same_blanks_as_english(code):
    english, pack = load_pack("en"), load_pack(code)
    for section in ("phrases", "units", "summary"):
        ours, theirs = getattr(english, section), getattr(pack, section)
        assert set(theirs) == set(ours), (code, section)
        for key in ours:
            assert blanks(theirs[key]) == blanks(ours[key]), (code, section, key)
            assert theirs[key].strip() or key == "decimal", (code, key)
    assert pack_codes() == ["de", "en", "es", "fr", "it", "nl", "pt"]


ROUTINE = """\
title: {title}
voice: {{language: {language}}}
exercises:
  - name: {name}
    sides: both
    hold: 90s
    reps: 2
    rest: 5s
    countdown: 3
    reminders: [10]
  - rest: 30s
"""

# language -> (start, end, switch, the countdown, the dose summary, the reminder, the standalone rest)
EXPECTED = {
    "en": ("Hold.", "And release.", "Switch sides.", ["Three.", "Two.", "One."],
           "2 holds of 1 minute and 30 seconds on each side.", "10 seconds left.",
           "Rest for 30 seconds."),
    "de": ("Halten.", "Und lösen.", "Seite wechseln.", ["Drei.", "Zwei.", "Eins."],
           "2 Mal eine Minute und 30 Sekunden halten auf jeder Seite.", "Noch 10 Sekunden.",
           "Pause für 30 Sekunden."),
    "fr": ("Tenez.", "Et relâchez.", "Changez de côté.", ["Trois.", "Deux.", "Un."],
           "2 maintiens de une minute et 30 secondes de chaque côté.", "Encore 10 secondes.",
           "Repos pendant 30 secondes."),
    "es": ("Mantén.", "Y suelta.", "Cambia de lado.", ["Tres.", "Dos.", "Uno."],
           "2 veces un minuto y 30 segundos en cada lado.", "Quedan 10 segundos.",
           "Descansa 30 segundos."),
    "it": ("Tieni.", "E rilascia.", "Cambia lato.", ["Tre.", "Due.", "Uno."],
           "2 tenute da un minuto e 30 secondi per lato.", "Ancora 10 secondi.",
           "Riposo per 30 secondi."),
    "pt": ("Segure.", "E solte.", "Troque de lado.", ["Três.", "Dois.", "Um."],
           "2 vezes de um minuto e 30 segundos de cada lado.", "Faltam 10 segundos.",
           "Descanse por 30 segundos."),
    "nl": ("Vasthouden.", "En loslaten.", "Wissel van kant.", ["Drie.", "Twee.", "Één."],
           "2 keer één minuut en 30 seconden vasthouden aan elke kant.", "Nog 10 seconden.",
           "Rust gedurende 30 seconden."),
}


@pytest.mark.parametrize("language", sorted(EXPECTED))
def test_script_speaks_the_routines_language(tmp_path, language):
    path = tmp_path / "r.yaml"
    path.write_text(ROUTINE.format(title="T", language=language, name="Stretch"))
    result = CliRunner().invoke(app, ["script", str(path), "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    said = {role: [l["text"] for l in document["lines"] if l["role"] == role]
            for role in ("start", "end", "switch", "countdown", "instruction", "reminder", "rest")}
    start, end, switch, countdown, summary, reminder, rest = EXPECTED[language]
    assert set(said["start"]) == {start} and set(said["end"]) == {end}
    assert said["switch"] == [switch] and said["countdown"][:3] == countdown
    assert summary in said["instruction"] and set(said["reminder"]) == {reminder}
    assert rest in said["rest"]
    assert document["warnings"] == [] and document["language"] == language
    assert [l["exercise"] for l in document["lines"] if l["role"] == "start"] == ["Stretch"] * 4


@pytest.mark.parametrize("code, pack", [("de-DE", "de"), ("pt_BR", "pt"), ("FR", "fr"), ("en-GB", "en")])
def test_the_language_part_of_a_code_picks_the_pack(code, pack):
    assert pack_for(code)[0].code == pack and pack_for(code)[1] is None


def test_another_language_falls_back_to_english_with_one_warning_naming_phrases():
    routine = routine_from(ROUTINE.format(title="T", language="sv", name="Stretch"))
    script = build_script(routine)
    assert "Hold." in script.texts()
    (warning,) = script.warnings
    assert "'sv'" in warning and "`phrases`" in warning


def test_numbers_and_durations_follow_the_language():
    german = load_pack("de")
    from fractions import Fraction

    assert german.duration(Fraction(60)) == "eine Minute"
    assert german.duration(Fraction(5, 2)) == "2,5 Sekunden"
    assert german.duration(Fraction(1)) == "eine Sekunde"
    assert german.number(21) == "einundzwanzig"
    assert load_pack("fr").duration(Fraction(90)) == "une minute et 30 secondes"


def test_a_german_routine_sends_google_only_german(google, tmp_path):
    fake: FakeGoogle = google(200)
    text = """\
title: Waden an der Wand
voice: {language: de, engine: gtts}
sounds: chime
intro: Stell dich mit dem Gesicht zur Wand.
exercises:
  - name: Wadendehnung
    instructions: Einen Fuß nach hinten stellen und an die Wand lehnen.
    sides: both
    hold: 20s
    reps: 2
    rest: 10s
    reminders: [5]
    halfway: true
  - rest: 30s
  - name: Fersenheben
    tempo: 3s
    reps: 4
    sets: 2
outro: Gut gemacht.
"""
    routine = routine_from(text)
    compiled = compile_routine(routine, Options(cache_dir=tmp_path / "cache"), reachable=lambda: True)
    assert compiled.timeline.engine == "gtts"
    sent = set(fake.texts)
    assert sent == set(build_script(routine, "de").texts())
    english = set(load_pack("en").phrases.values()) | {"One.", "Two.", "Three.", "Rest for 30 seconds."}
    english_words = {"hold", "release", "seconds", "rest", "ready", "switch", "side", "halfway",
                     "set", "repetitions", "one", "two", "three", "four", "left", "right"}
    for sent_text in sent:
        assert sent_text.rstrip(".") not in english, sent_text
        words = {w.strip(".,").lower() for w in sent_text.split()}
        assert not words & english_words, sent_text
    assert {"Halten.", "Und lösen.", "Seite wechseln.", "Eins.", "Zwei."} <= sent
    check_timing_contract(build_script(routine, "de"), compiled.timeline, routine.sounds)
