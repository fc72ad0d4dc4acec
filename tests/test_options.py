"""How a build is asked for: one `Options` from the command line (or the API) down to the
pipeline, the output names both follow, and the exit code each kind of error gives."""

from __future__ import annotations

import wave
from pathlib import Path

import pytest

import audiocoach
from audiocoach.errors import AudiocoachError, Kind
from audiocoach.options import ROUTINE_LOUDNESS, Options

ROUTINE = """\
title: Calves
exercises:
  - name: Calf stretch
    hold: 3s
    countdown: 0
"""


def test_the_command_line_hands_the_build_one_options_with_every_choice(run, write_routine,
                                                                         monkeypatch, tmp_path):
    import audiocoach.batch

    seen = []
    planned = audiocoach.batch.plan_with
    monkeypatch.setattr(audiocoach.batch, "plan_with",
                        lambda routine, options, **hooks: seen.append(options)
                        or planned(routine, options, **hooks))
    result = run("build", write_routine(ROUTINE), "-o", tmp_path / "calves.wav", "--voice",
                 "en_US-joe-medium", "--language", "de", "--speed", "1.25", "--loudness", "-16",
                 "--cache-dir", tmp_path / "clips")
    assert result.exit_code == 0, result.output
    assert seen == [Options(model="en_US-joe-medium", language="de", speed=1.25,
                            cache_dir=tmp_path / "clips", loudness_lufs=-16.0, audio_format="wav")]


def test_the_voice_asked_for_is_the_voice_the_track_keeps_with_the_engine_that_spoke(offline):
    track = audiocoach.plan(audiocoach.load({"title": "T", "exercises": [{"name": "N", "hold": 3}]}),
                            voice="en_US-joe-medium", language="fr", speed=1.5)
    voice = track.compiled.voice
    assert (voice.model, voice.language, voice.speed) == ("en_US-joe-medium", "fr", 1.5)
    assert voice.engine == "fake" == track.timeline.engine  # `auto` chose the (fake) offline voice


@pytest.mark.parametrize("keywords, problems", [
    ({"speed": 9}, ["speed: 9 is out of range"]),
    ({"voice": 3, "loudness": "loud"}, ["voice: expected a voice's name", "loudness: "]),
    ({"cache_dir": 4}, ["cache_dir: expected a folder, got an int"]),
])
def test_options_are_refused_as_the_routines_own_fields_are_each_named_by_its_keyword(
        keywords, problems):
    with pytest.raises(AudiocoachError) as caught:
        Options.checked(**keywords)
    assert caught.value.kind == Kind.USAGE
    said = [str(problem) for problem in caught.value.problems]
    assert len(said) == len(problems)
    for line, start in zip(said, problems):
        assert line.startswith(start), line


def test_options_left_out_keep_the_routines_own_choices():
    made = Options.checked()
    assert made == Options() and made.loudness_lufs == ROUTINE_LOUDNESS
    routine = audiocoach.load({"title": "T", "loudness": -21, "voice": {"language": "de"},
                               "exercises": [{"name": "N", "hold": 3}]})
    assert made.loudness(routine) == -21 and made.voice(routine) == routine.voice
    assert Options.checked(loudness=None).loudness(routine) is None  # off


def test_only_an_mp3_has_its_length_padded_for_the_encoder(offline, monkeypatch):
    from audiocoach.pipeline import compile_routine

    monkeypatch.setattr("audiocoach.pipeline.encodable_length", lambda length, rate: length + 1000)
    routine = audiocoach.load({"title": "T", "exercises": [{"name": "N", "hold": 3}]})
    mp3 = compile_routine(routine, Options(audio_format="mp3")).timeline
    wav = compile_routine(routine, Options(audio_format="wav")).timeline
    assert mp3.length_samples == wav.length_samples + 1000


def test_a_wav_built_by_the_api_is_exactly_as_long_as_its_plan(offline, tmp_path):
    track = audiocoach.build({"title": "T", "exercises": [{"name": "N", "hold": 3}]},
                             tmp_path / "t.wav", loudness=None)
    with wave.open(str(tmp_path / "t.wav")) as written:
        assert written.getnframes() == track.timeline.length_samples


def test_the_api_refuses_an_output_name_as_the_command_line_does(run, write_routine, offline,
                                                                 tmp_path):
    out = tmp_path / "calves.ogg"
    said = run("build", write_routine(ROUTINE), "-o", out)
    with pytest.raises(AudiocoachError) as caught:
        audiocoach.build(audiocoach.load(Path(write_routine(ROUTINE))), out)
    assert said.exit_code == 2 and caught.value.kind == Kind.USAGE
    assert said.stderr == f"error: {caught.value}\n"
    assert str(caught.value) == (f"{out}: audiocoach writes .mp3 or .wav files, not .ogg (name the "
                                 "file .mp3 or .wav)")


@pytest.mark.parametrize("kind, code", [(Kind.ROUTINE, 1), (Kind.USAGE, 2), (Kind.ENGINE, 3),
                                        (Kind.ADDRESS, 4)])
def test_each_kind_of_error_leaves_the_command_line_with_its_exit_code(run, write_routine,
                                                                       monkeypatch, kind, code):
    import audiocoach.cli

    def fails(*args, **kwargs):
        raise AudiocoachError(audiocoach.errors.Problem("it went wrong", "do otherwise"), kind)

    monkeypatch.setattr(audiocoach.cli, "load", fails)
    result = run("script", write_routine(ROUTINE))
    assert result.exit_code == code
    assert result.stderr == "error: it went wrong (do otherwise)\n" and result.stdout == ""


def test_a_failed_routine_of_a_batch_keeps_its_error_for_the_command_line(fake_engine, tmp_path):
    from audiocoach.batch import Job, build_one

    bad = tmp_path / "bad.yaml"
    bad.write_text("title: Bad\nexercises: []\n")
    outcome = build_one(Job(bad, tmp_path / "bad.mp3", Options(), sidecars=False))
    assert outcome.error is not None and outcome.error.kind == Kind.ROUTINE
    assert outcome.notes == outcome.error.lines() and outcome.lines == []
    assert outcome.notes[0].startswith(f"{bad}:")


@pytest.mark.parametrize("made, said", [
    (lambda: Options(engine="nope"), ["engine: 'nope' is not one of auto, piper, gtts (use one of "
                                      "auto, piper, gtts)"]),
    (lambda: Options(speed=9), ["speed: 9 is out of range (use 0.5 to 2.0)"]),
    (lambda: Options(speed="fast", loudness_lufs="loud"),
     ["speed: expected a number, got text 'fast' (write a number such as 1.0)",
      "loudness_lufs: 'loud' is not a loudness (write a number such as -19, or off)"]),
    (lambda: Options(bogus=1), ["bogus: `bogus` is not a field of Options (the fields are engine, "
                                "model, language, accent, speed, cache_dir, use_cache, "
                                "loudness_lufs, audio_format)"]),
    (lambda: Options(enigne="piper"), ["enigne: `enigne` is not a field of Options (did you mean "
                                       "`engine`?)"]),
    (lambda: Options("piper"), ["Options: got 1 value(s) without a field's name (name each, e.g. "
                                "Options(engine='piper'))"]),
    (lambda: Options(audio_format="ogg"), ["audio_format: cannot write 'ogg' files (use 'mp3' or "
                                           "'wav')"]),
])
def test_options_made_directly_are_refused_by_the_same_rules_as_keywords(made, said):
    with pytest.raises(AudiocoachError) as caught:
        made()
    assert caught.value.kind == Kind.USAGE
    assert [str(problem) for problem in caught.value.problems] == said


@pytest.mark.parametrize("options, said", [(None, "None"), ({}, "a dict"),
                                           ({"engine": "piper"}, "a dict")])
def test_plan_with_refuses_what_is_not_options_before_reading_the_routine(options, said):
    with pytest.raises(AudiocoachError) as caught:
        audiocoach.api.plan_with("no-such-routine", options)
    assert caught.value.kind == Kind.USAGE
    assert str(caught.value) == (f"options: expected an audiocoach.options.Options, got {said} "
                                 "(make one, e.g. Options(engine='piper'), or call "
                                 "audiocoach.plan with keywords)")


def test_plan_with_options_made_directly_plans_as_plan_with_keywords(offline):
    routine = audiocoach.load({"title": "T", "exercises": [{"name": "N", "hold": 3}]})
    direct = audiocoach.api.plan_with(routine, Options(engine="piper", speed=1.25))
    keywords = audiocoach.plan(routine, engine="piper", speed=1.25)
    assert direct.to_json() == keywords.to_json()
    assert direct.timeline.length_samples == keywords.timeline.length_samples
