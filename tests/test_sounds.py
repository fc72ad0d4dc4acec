"""Cue sounds: built-ins or the routine's own files, each starting exactly on its cue."""

from __future__ import annotations

import json
import wave

import numpy as np
import pytest

from audiocoach.audio.sounds import MAX_SOUND_S, SOUND_PEAK, sound


def write_wav(path, audio: np.ndarray, rate: int = 8000) -> None:
    with wave.open(str(path), "wb") as writer:
        writer.setnchannels(1)
        writer.setsampwidth(2)
        writer.setframerate(rate)
        writer.writeframes((np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes())


def routine(tmp_path, sounds: str) -> str:
    path = tmp_path / "r.yaml"
    path.write_text(f"title: T\nsounds: {sounds}\nexercises:\n  - {{name: A, hold: 4s, countdown: 0}}\n"
                    "outro: Done\n")
    return str(path)


def test_a_sound_file_starts_exactly_on_its_cue(run, tmp_path):
    rate = 8000
    knock = np.zeros(int(0.5 * rate))
    knock[int(0.2 * rate):int(0.2 * rate) + 40] = np.hanning(40) * 0.8  # 200 ms of silence first
    write_wav(tmp_path / "knock.wav", knock)
    path = routine(tmp_path, "{start: knock.wav, end: none, finish: gong}")
    plan = json.loads(run("plan", path, "--json").stdout)
    sounds = [(e["role"], e["text"]) for e in plan["events"] if e["kind"] == "sound"]
    assert sounds == [("start", "knock.wav"), ("outro", "gong")]  # the finish sound follows the outro
    (start_cue,) = [e for e in plan["events"] if e["role"] == "start" and e["kind"] == "speech"]
    (knock_event,) = [e for e in plan["events"] if e["text"] == "knock.wav"]
    assert knock_event["start_s"] == start_cue["start_s"]
    assert run("build", path, "-o", tmp_path / "t.wav", "--loudness", "off").exit_code == 0
    with wave.open(str(tmp_path / "t.wav")) as reader:
        pcm = np.frombuffer(reader.readframes(reader.getnframes()), dtype="<i2") / 32767
    at = round(knock_event["start_s"] * plan["sample_rate"])
    # The file's lead-in silence is trimmed: its sound is there on the cue's first sample.
    assert abs(pcm[at]) > 0.001 or abs(pcm[at + 1]) > 0.001


@pytest.mark.parametrize("make, message", [
    (lambda p: write_wav(p, np.sin(np.arange(8000 * 5) / 3) * 0.5),
     "sounds.start: the sound 'x.wav' lasts 5.0 s, longer than the 3 s a cue sound may last (trim the file)"),
    (lambda p: write_wav(p, np.zeros(800)), "sounds.start: the sound 'x.wav' is silent"),
    (lambda p: p.write_bytes(b"no sound here"),
     "sounds.start: the sound 'x.wav' is not an audio file ffmpeg can read"),
])
def test_a_sound_file_that_cannot_be_a_cue_is_refused(run, tmp_path, make, message):
    make(tmp_path / "x.wav")
    path = routine(tmp_path, "{start: x.wav}")
    result = run("plan", path)
    assert result.exit_code == 1
    assert f"{path}:2:17: {message}" in result.stderr and "Traceback" not in result.output


@pytest.mark.parametrize("sounds, message", [
    ("{start: chme}", ":2:17: sounds.start: 'chme' is not a built-in sound (did you mean chime?)"),
    ("{begin: chime}", ":2:10: sounds.begin: unknown field `begin`"),
    ("{start: missing.wav}", ":2:17: sounds.start: cannot open a sound file 'missing.wav'"),
    ("jingle", ":2:9: sounds: 'jingle' is not one of chime, beep, none"),
])
def test_validate_catches_bad_sounds(run, tmp_path, sounds, message):
    path = routine(tmp_path, sounds)
    result = run("validate", path)
    assert result.exit_code == 1 and f"{path}{message}" in result.stderr


def test_built_ins_are_short_levelled_and_distinct():
    rate = 22_050
    tones = {name: sound(name, "start", rate) for name in ("chime", "beep", "gong", "tick")}
    for name, tone in tones.items():
        assert tone.size <= MAX_SOUND_S * rate and abs(np.max(np.abs(tone)) - SOUND_PEAK) < 1e-3, name
        assert np.max(np.abs(tone[:5])) < 0.05  # a soft onset: no click
    assert not np.array_equal(sound("chime", "start", rate), sound("chime", "end", rate))
    spectra = {name: np.argmax(np.abs(np.fft.rfft(tone, 2 * rate))) / 2 for name, tone in tones.items()}
    assert len(set(spectra.values())) == 4  # each has its own pitch


@pytest.mark.parametrize("make, message", [
    (lambda p: p.mkdir(), "'{name}' is not a file (give the path of a sound file, not a folder or device)"),
    (lambda p: __import__("os").mkfifo(p), "'{name}' is not a file"),
])
def test_a_sound_path_to_a_folder_or_fifo_is_refused_by_validate(run, tmp_path, make, message):
    make(tmp_path / "x.wav")
    path = routine(tmp_path, "{start: x.wav}")
    result = run("validate", path)
    assert result.exit_code == 1
    assert f"{path}:2:17: sounds.start: " + message.format(name="x.wav") in result.stderr
