"""Phrase packs: every language complete, cue words in the routine's language, English elsewhere."""

from __future__ import annotations

import json
import re
import string

import pytest
from conftest import FakeGoogle, routine_from
from contract import check_timing_contract
from typer.testing import CliRunner

from audiocoach.cli import app
from audiocoach.options import Options
from audiocoach.pipeline import compile_routine
from audiocoach.speech.languages import load_pack, pack_codes, pack_for
from audiocoach.speech.script import build_script, sentence


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
           "2 maintiens d'une minute et 30 secondes de chaque côté.", "Encore 10 secondes.",
           "Repos pendant 30 secondes."),
    "es": ("Mantén.", "Y suelta.", "Cambia de lado.", ["Tres.", "Dos.", "Uno."],
           "Mantén un minuto y 30 segundos 2 veces en cada lado.", "Quedan 10 segundos.",
           "Descansa 30 segundos."),
    "it": ("Tieni.", "E rilascia.", "Cambia lato.", ["Tre.", "Due.", "Uno."],
           "2 tenute da un minuto e 30 secondi per lato.", "Ancora 10 secondi.",
           "Riposo per 30 secondi."),
    "pt": ("Segure.", "E solte.", "Troque de lado.", ["Três.", "Dois.", "Um."],
           "Segure um minuto e 30 segundos 2 vezes de cada lado.", "Faltam 10 segundos.",
           "Descanse por 30 segundos."),
    "nl": ("Vasthouden.", "En loslaten.", "Wissel van kant.", ["Drie.", "Twee.", "Eén."],
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


def script_lines(tmp_path, text: str, *options: str) -> list[dict]:
    """`audiocoach script --json` of a routine: every line with its role and exercise."""
    path = tmp_path / "numbers.yaml"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(app, ["script", str(path), "--json", *options])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["lines"]


# Every phrase with a number in it, said with one, two and twenty-one (and durations of one
# second and one minute, which a verb or an article agrees with).
NUMBERS = """\
title: T
exercises:
  - rest: 1s
  - rest: 2.5s
  - rest: 21s
  - rest: 60s
  - {name: hold 1, hold: 3s, countdown: 2}
  - {name: holds 2, hold: 2s, reps: 2, rest: 1s, countdown: 0}
  - {name: holds 21, hold: 60s, reps: 21, rest: 1s, countdown: 0, reminders: [1, 2, 21]}
  - {name: hold 2m, hold: 120s, countdown: 0, halfway: true, reminders: [60, 90]}
  - {name: reps 1, tempo: 1s, reps: 1}
  - {name: reps 2, tempo: 1s, reps: 2, sets: 2, set_rest: 5s}
  - {name: reps 21, tempo: 1s, reps: 21}
  - {name: steps 1, countdown: 0, steps: [{say: X, hold: 5s}]}
  - {name: steps 2, countdown: 0, steps: [{say: X, hold: 5s}, {say: Y, hold: 5s}]}
  - {name: rounds 1, countdown: 0, reps: 2, steps: [{say: X, hold: 5s}]}
  - {name: rounds 2, countdown: 0, reps: 21, steps: [{say: X, hold: 5s}, {say: Y, hold: 5s}]}
  - {name: more 2, hold: 1s, reps: 4, rest: 5s, countdown: 0}
  - {name: more 21, hold: 1s, reps: 42, rest: 5s, countdown: 0}
"""

# language -> exercise ("" for the rests before them) -> the lines with a number, in order.
SAID_WITH_NUMBERS = {
    "en": {
        "": ["Rest for 1 second.", "Rest for 2.5 seconds.", "Rest for 21 seconds.", "Rest for 1 minute."],
        "hold 1": ["Hold for 3 seconds.", "Two.", "One."],
        "holds 2": ["2 holds of 2 seconds."],
        "holds 21": ["21 holds of 1 minute.", "21 seconds left.", "2 seconds left.", "1 second left."],
        "hold 2m": ["Hold for 2 minutes.", "1 minute and 30 seconds left.", "Halfway, 1 minute left."],
        "reps 1": ["1 repetition."],
        "reps 2": ["2 repetitions, 2 sets.", "Set 1 of 2.", "Set 2 of 2."],
        "reps 21": ["21 repetitions."],
        "steps 1": ["1 step."],
        "steps 2": ["2 steps."],
        "rounds 1": ["2 rounds of 1 step."],
        "rounds 2": ["21 rounds of 2 steps."],
        "more 2": ["4 holds of 1 second.", "Two more."],
        "more 21": ["42 holds of 1 second.", "Twenty-one more."],
    },
    "de": {
        "": ["Pause für eine Sekunde.", "Pause für 2,5 Sekunden.", "Pause für 21 Sekunden.",
             "Pause für eine Minute."],
        "hold 1": ["3 Sekunden halten.", "Zwei.", "Eins."],
        "holds 2": ["2 Mal 2 Sekunden halten."],
        "holds 21": ["21 Mal eine Minute halten.", "Noch 21 Sekunden.", "Noch 2 Sekunden.",
                     "Noch eine Sekunde."],
        "hold 2m": ["2 Minuten halten.", "Noch eine Minute und 30 Sekunden.", "Halbzeit, noch eine Minute."],
        "reps 1": ["Eine Wiederholung."],
        "reps 2": ["2 Wiederholungen, 2 Sätze.", "Satz 1 von 2.", "Satz 2 von 2."],
        "reps 21": ["21 Wiederholungen."],
        "steps 1": ["Ein Schritt."],
        "steps 2": ["2 Schritte."],
        "rounds 1": ["2 Runden mit je einem Schritt."],
        "rounds 2": ["21 Runden mit je 2 Schritten."],
        "more 2": ["4 Mal eine Sekunde halten.", "Noch zwei."],
        "more 21": ["42 Mal eine Sekunde halten.", "Noch einundzwanzig."],
    },
    "fr": {
        "": ["Repos pendant une seconde.", "Repos pendant 2,5 secondes.", "Repos pendant 21 secondes.",
             "Repos pendant une minute."],
        "hold 1": ["Tenez 3 secondes.", "Deux.", "Un."],
        "holds 2": ["2 maintiens de 2 secondes."],
        "holds 21": ["21 maintiens d'une minute.", "Encore 21 secondes.", "Encore 2 secondes.",
                     "Encore une seconde."],
        "hold 2m": ["Tenez 2 minutes.", "Encore une minute et 30 secondes.",
                    "À mi-parcours, encore une minute."],
        "reps 1": ["Une répétition."],
        "reps 2": ["2 répétitions, 2 séries.", "Série 1 sur 2.", "Série 2 sur 2."],
        "reps 21": ["21 répétitions."],
        "steps 1": ["Une étape."],
        "steps 2": ["2 étapes."],
        "rounds 1": ["2 tours d'une étape."],
        "rounds 2": ["21 tours de 2 étapes."],
        "more 2": ["4 maintiens d'une seconde.", "Encore deux."],
        "more 21": ["42 maintiens d'une seconde.", "Encore vingt et un."],
    },
    "es": {
        "": ["Descansa un segundo.", "Descansa 2,5 segundos.", "Descansa 21 segundos.", "Descansa un minuto."],
        "hold 1": ["Mantén 3 segundos.", "Dos.", "Uno."],
        "holds 2": ["Mantén 2 segundos 2 veces."],
        "holds 21": ["Mantén un minuto 21 veces.", "Quedan 21 segundos.", "Quedan 2 segundos.",
                     "Queda un segundo."],
        "hold 2m": ["Mantén 2 minutos.", "Quedan un minuto y 30 segundos.",
                    "Vas por la mitad, queda un minuto."],
        "reps 1": ["Una repetición."],
        "reps 2": ["2 repeticiones, 2 series.", "Serie 1 de 2.", "Serie 2 de 2."],
        "reps 21": ["21 repeticiones."],
        "steps 1": ["Un paso."],
        "steps 2": ["2 pasos."],
        "rounds 1": ["2 rondas de un paso."],
        "rounds 2": ["21 rondas de 2 pasos."],
        "more 2": ["Mantén un segundo 4 veces.", "Quedan dos."],
        "more 21": ["Mantén un segundo 42 veces.", "Quedan veintiuno."],
    },
    "it": {
        "": ["Riposo per un secondo.", "Riposo per 2,5 secondi.", "Riposo per 21 secondi.",
             "Riposo per un minuto."],
        "hold 1": ["Tieni per 3 secondi.", "Due.", "Uno."],
        "holds 2": ["2 tenute da 2 secondi."],
        "holds 21": ["21 tenute da un minuto.", "Ancora 21 secondi.", "Ancora 2 secondi.", "Ancora un secondo."],
        "hold 2m": ["Tieni per 2 minuti.", "Ancora un minuto e 30 secondi.", "A metà, ancora un minuto."],
        "reps 1": ["Una ripetizione."],
        "reps 2": ["2 ripetizioni, 2 serie.", "Serie 1 di 2.", "Serie 2 di 2."],
        "reps 21": ["21 ripetizioni."],
        "steps 1": ["Un passo."],
        "steps 2": ["2 passi."],
        "rounds 1": ["2 giri da un passo."],
        "rounds 2": ["21 giri da 2 passi."],
        "more 2": ["4 tenute da un secondo.", "Ancora due."],
        "more 21": ["42 tenute da un secondo.", "Ancora ventuno."],
    },
    "pt": {
        "": ["Descanse por um segundo.", "Descanse por 2,5 segundos.", "Descanse por 21 segundos.",
             "Descanse por um minuto."],
        "hold 1": ["Segure por 3 segundos.", "Dois.", "Um."],
        "holds 2": ["Segure 2 segundos 2 vezes."],
        "holds 21": ["Segure um minuto 21 vezes.", "Faltam 21 segundos.", "Faltam 2 segundos.",
                     "Falta um segundo."],
        "hold 2m": ["Segure por 2 minutos.", "Faltam um minuto e 30 segundos.",
                    "Metade do tempo, falta um minuto."],
        "reps 1": ["Uma repetição."],
        "reps 2": ["2 repetições, 2 séries.", "Série 1 de 2.", "Série 2 de 2."],
        "reps 21": ["21 repetições."],
        "steps 1": ["Um passo."],
        "steps 2": ["2 passos."],
        "rounds 1": ["2 rodadas de um passo."],
        "rounds 2": ["21 rodadas de 2 passos."],
        "more 2": ["Segure um segundo 4 vezes.", "Faltam dois."],
        "more 21": ["Segure um segundo 42 vezes.", "Faltam vinte e um."],
    },
    "nl": {
        "": ["Rust gedurende één seconde.", "Rust gedurende 2,5 seconden.", "Rust gedurende 21 seconden.",
             "Rust gedurende één minuut."],
        "hold 1": ["3 seconden vasthouden.", "Twee.", "Eén."],
        "holds 2": ["2 keer 2 seconden vasthouden."],
        "holds 21": ["21 keer één minuut vasthouden.", "Nog 21 seconden.", "Nog 2 seconden.",
                     "Nog één seconde."],
        "hold 2m": ["2 minuten vasthouden.", "Nog één minuut en 30 seconden.", "Halverwege, nog één minuut."],
        "reps 1": ["Eén herhaling."],
        "reps 2": ["2 herhalingen, 2 sets.", "Set 1 van 2.", "Set 2 van 2."],
        "reps 21": ["21 herhalingen."],
        "steps 1": ["Eén stap."],
        "steps 2": ["2 stappen."],
        "rounds 1": ["2 rondes van één stap."],
        "rounds 2": ["21 rondes van 2 stappen."],
        "more 2": ["4 keer één seconde vasthouden.", "Nog twee."],
        "more 21": ["42 keer één seconde vasthouden.", "Nog eenentwintig."],
    },
}

# The counted repetitions of `reps 21`: the first, the second and the twenty-first.
COUNTS = {"en": ("One.", "Two.", "Twenty-one."), "de": ("Eins.", "Zwei.", "Einundzwanzig."),
          "fr": ("Un.", "Deux.", "Vingt et un."), "es": ("Uno.", "Dos.", "Veintiuno."),
          "it": ("Uno.", "Due.", "Ventuno."), "pt": ("Um.", "Dois.", "Vinte e um."),
          "nl": ("Eén.", "Twee.", "Eenentwintig.")}


@pytest.mark.parametrize("language", sorted(SAID_WITH_NUMBERS))
def test_every_phrase_with_a_number_agrees_with_one_two_and_twenty_one(tmp_path, language):
    lines = script_lines(tmp_path, NUMBERS, "--language", language)
    plain = {sentence(text) for text in load_pack(language).phrases.values() if "{" not in text}
    said: dict[str, list[str]] = {}
    for line in lines:
        if line["role"] in ("title", "start", "rep", "next") or line["text"] in plain | {"X.", "Y."}:
            continue  # names (what comes next too), the start cue and words without a number
        texts = said.setdefault(line["exercise"], [])
        if line["text"] not in texts:
            texts.append(line["text"])
    assert said == SAID_WITH_NUMBERS[language]
    counts = [line["text"] for line in lines if line["exercise"] == "reps 21"
              and line["role"] in ("start", "rep")]
    assert len(counts) == 21 and (counts[0], counts[1], counts[-1]) == COUNTS[language]


# A routine that says every cue word of a pack: both sides and alternating, single sides, four
# holds in a row (so "N more" and "Last one" are said), sets, halfway, reminders of one second,
# 2.5 seconds and one minute, counted reps, steps, rounds and a rest of its own.
EVERY_CUE = """\
title: A
exercises:
  - {name: B, sides: both, hold: 90s, reps: 4, rest: 5s, sets: 2, set_rest: 5s, halfway: true,
     reminders: [1, 2.5, 60]}
  - {name: C, sides: alternate, hold: 120s}
  - {name: D, sides: left, tempo: 1s, reps: 1}
  - {name: E, sides: right, tempo: 1s, reps: 2}
  - {name: F, steps: [{say: X, hold: 5s}]}
  - {name: G, steps: [{say: X, hold: 5s}, {say: Y, hold: 5s}]}
  - rest: 30s
  - {name: H, reps: 2, steps: [{say: X, hold: 5s}]}
  - {name: I, reps: 2, steps: [{say: X, hold: 5s}, {say: Y, hold: 5s}]}
"""
OWN_WORDS = {"A.", "B.", "C.", "D.", "E.", "F.", "G.", "H.", "I.", "X.", "Y."}
# Words a language shares with English for real: German and French minutes, Dutch sets.
SHARED = {"de": {"minute"}, "fr": {"minute", "minutes", "six"}, "nl": {"set", "sets"}}


def words(text: str) -> set[str]:
    """The words of a text, or of a phrase's own words without its blanks' names."""
    literal = "".join(part for part, *_ in string.Formatter().parse(text))
    return {word for word in re.findall(r"[^\W\d_]+", literal.lower())}


def test_the_routine_that_checks_the_packs_says_every_cue_word(tmp_path):
    said = " ".join(line["text"] for line in script_lines(tmp_path, EVERY_CUE, "--language", "en"))
    english = load_pack("en")
    for section in ("phrases", "units", "summary"):
        for key, template in getattr(english, section).items():
            pieces = [literal for literal, *_ in string.Formatter().parse(template) if literal.strip()]
            if key == "decimal":
                pieces = ["2.5"]
            at = 0
            for piece in pieces:  # each literal part of the phrase, in order, in one place
                found = said.lower().find(piece.lower(), at)
                assert found >= 0, (section, key, template)
                at = found + len(piece)
    assert "Last one." in said and "Two more." in said


@pytest.mark.parametrize("language", ["de", "fr", "es", "it", "pt", "nl"])
def test_no_cue_word_is_left_in_english(tmp_path, language):
    english = script_lines(tmp_path, EVERY_CUE, "--language", "en")
    theirs = script_lines(tmp_path, EVERY_CUE, "--language", language)
    assert [(l["role"], l["exercise"]) for l in theirs] == [(l["role"], l["exercise"]) for l in english]
    english_words = set()
    for section in ("phrases", "units", "summary"):
        english_words |= set().union(*(words(text) for text in getattr(load_pack("en"), section).values()))
    english_words |= set().union(*(words(load_pack("en").number(n)) for n in range(1, 22)))
    english_words -= SHARED.get(language, set())
    for ours, their in zip(english, theirs):
        if ours["text"] in OWN_WORDS:
            continue
        assert their["text"] != ours["text"], their
        assert not words(their["text"]) & english_words, their


SIXTEEN = """\
title: T
voice: {voice}
exercises:
  - {{name: Press, tempo: 1s, reps: 17}}
"""


@pytest.mark.parametrize("voice, sixteen", [
    ("{language: pt}", "Dezasseis."),
    ("{language: pt-PT}", "Dezasseis."),
    ("{language: pt_BR}", "Dezesseis."),
    ("{language: pt-br}", "Dezesseis."),
    ("{language: pt, model: pt_BR-faber-medium}", "Dezesseis."),
    ("{language: pt, model: {folder}/pt_BR-faber-medium.onnx}", "Dezesseis."),
])
def test_a_brazilian_voice_counts_in_brazilian_portuguese(tmp_path, voice, sixteen):
    for name in ("pt_BR-faber-medium.onnx", "pt_BR-faber-medium.onnx.json"):
        (tmp_path / name).write_text("{}")  # a voice given by path must be there
    lines = script_lines(tmp_path, SIXTEEN.format(voice=voice.replace("{folder}", str(tmp_path))))
    counts = [line["text"] for line in lines if line["role"] in ("start", "rep")]
    assert counts[15:] == [sixteen, sixteen.replace("seis", "sete")]


def test_the_languages_spelling_applies_to_the_routines_own_words_too(tmp_path):
    dutch = script_lines(tmp_path, "title: ijsberen\nvoice: {language: nl}\nexercises:\n"
                                   "  - {name: één been heffen, hold: 5s}\n")
    assert [line["text"] for line in dutch if line["role"] == "title"] == ["IJsberen.", "Eén been heffen."]
    french = script_lines(tmp_path, "title: T\nvoice: {language: fr}\nphrases: {reminder: \"Plus que {time}\"}\n"
                                    "exercises:\n  - {name: Gainage, hold: 90s, reminders: [60, 30]}\n")
    assert [line["text"] for line in french if line["role"] == "reminder"] == [
        "Plus qu'une minute.", "Plus que 30 secondes."]
