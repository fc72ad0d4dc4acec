"""The music bed: at its level under the voice between speech, ducked under speech, never moving
anything; and clear errors for music that cannot be used."""

from __future__ import annotations

import json
import subprocess
import wave

import numpy as np
import pytest
from typer.testing import CliRunner

from audiocoach.audio.loudness import LoudnessMeter
from audiocoach.audio.music import ATTACK_S, FADE_IN_S, RELEASE_S
from audiocoach.cli import app
from audiocoach.ffmpeg import executable

ROUTINE = """\
title: Music test
sounds: none
{music}
exercises:
  - name: Calf stretch
    instructions: Step one foot back and lean into the wall.
    hold: 12s
    countdown: 3
    reminders: [6]
  - rest: 6s
    say: Now the other leg.
  - name: Heel raise
    tempo: 2s
    reps: 4
outro: Well done.
"""


def make_music(path, seconds: float = 7.0) -> None:
    """Steady pink noise: its loudness is the same in every stretch, so levels can be measured."""
    subprocess.run([executable(), "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i",
                    f"anoisesrc=color=pink:amplitude=0.3:duration={seconds}:seed=3", "-ac", "1",
                    "-b:a", "128k", str(path)], check=True)


def read_wav(path) -> np.ndarray:
    with wave.open(str(path)) as reader:
        return np.frombuffer(reader.readframes(reader.getnframes()), dtype="<i2") / 32767


def lufs(audio: np.ndarray, rate: int) -> float:
    meter = LoudnessMeter(rate)
    meter.add(audio)
    return meter.integrated_lufs()


@pytest.fixture(scope="module")
def builds(tmp_path_factory, fake_voice_in_module):
    folder = tmp_path_factory.mktemp("music")
    make_music(folder / "calm.mp3")
    runner = CliRunner()
    results = {}
    for name, music in (("plain", ""), ("music", "music: {file: calm.mp3, level: -18dB, duck: 12dB}")):
        routine = folder / f"{name}.yaml"
        routine.write_text(ROUTINE.format(music=music))
        common = ["--engine", "piper", "--cache-dir", str(folder / "cache")]
        plan = runner.invoke(app, ["plan", str(routine), "--json", *common])
        build = runner.invoke(app, ["build", str(routine), "-o", str(folder / f"{name}.wav"),
                                    "--loudness", "off", *common])
        assert plan.exit_code == 0 and build.exit_code == 0, plan.output + build.output
        results[name] = (json.loads(plan.stdout), read_wav(folder / f"{name}.wav"))
    return folder, results


def test_music_moves_no_event(builds):
    _, results = builds
    assert results["plain"][0] == results["music"][0]


def test_music_sits_at_its_level_between_speech_and_ducks_under_it(builds):
    _, results = builds
    plan, plain = results["plain"]
    _, with_music = results["music"]
    rate = plan["sample_rate"]
    music = with_music - plain  # exactly the music layer, if nothing else changed
    voice_lufs = lufs(plain, rate)
    speech = [(e["start_s"], e["end_s"]) for e in plan["events"] if e["kind"] == "speech"]
    last_end = max(end for _, end in speech)
    t = np.arange(plain.size) / rate
    near_speech = np.zeros(plain.size, dtype=bool)
    under_speech = np.zeros(plain.size, dtype=bool)
    for start, end in speech:
        near_speech |= (t > start - ATTACK_S - 0.05) & (t < end + RELEASE_S + 0.05)
        under_speech |= (t >= start) & (t < end)
    between = ~near_speech & (t > FADE_IN_S + 0.1) & (t < last_end)
    assert between.sum() > 5 * rate and under_speech.sum() > 5 * rate
    level = lufs(music[between], rate) - voice_lufs
    ducked = lufs(music[under_speech], rate) - voice_lufs
    assert abs(level - (-18)) <= 2, level
    assert level - ducked >= 12 - 2, (level, ducked)


def test_a_track_with_music_is_still_at_podcast_loudness(builds, tmp_path):
    folder, _ = builds
    out = tmp_path / "music.mp3"
    result = CliRunner().invoke(app, ["build", str(folder / "music.yaml"), "-o", str(out),
                                      "--engine", "piper", "--cache-dir", str(folder / "cache")])
    assert result.exit_code == 0, result.output
    from conftest import decode

    from audiocoach.audio.loudness import true_peak_db

    pcm = decode(out, 22050).astype(np.float64)
    assert abs(lufs(pcm, 22050) - (-19)) <= 1 and true_peak_db(pcm) <= -1


@pytest.mark.parametrize("music, message", [
    ("{file: nowhere.ogg}", "{file}:4:15: music.file: cannot open a music file 'nowhere.ogg': "
                            "No such file or directory"),
    ("{file: .}", "{file}:4:15: music.file: '.' is not a file (give the path of a music file, not "
                  "a folder or device)"),
    ("{file: /dev/zero}", "{file}:4:15: music.file: '/dev/zero' is not a file"),
    ("{file: calm.mp3, level: loud}", "{file}:4:32: music.level: 'loud' is not a level in dB "
                                      "(write a level such as -18dB)"),
    ("{level: -18dB}", "{file}:4:8: music.file: music needs a file"),
])
def test_music_that_cannot_be_used_is_refused_by_validate(tmp_path, music, message):
    make_music(tmp_path / "calm.mp3", 2)
    routine = tmp_path / "r.yaml"
    routine.write_text("title: T\nexercises:\n  - {name: A, hold: 5s}\nmusic: " + music + "\n")
    result = CliRunner().invoke(app, ["validate", str(routine)])
    assert result.exit_code == 1
    assert message.format(file=routine) in result.stderr


@pytest.mark.parametrize("content, message", [
    (b"not audio at all", "the music 'bad.mp3' is not an audio file ffmpeg can read"),
    (None, "the music 'bad.mp3' is silent (choose a music file you can hear)"),
])
def test_music_ffmpeg_cannot_use_fails_the_build_cleanly(fake_engine, tmp_path, content, message,
                                                         monkeypatch):
    monkeypatch.chdir(tmp_path)
    if content is None:
        subprocess.run([executable(), "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i",
                        "anullsrc=r=22050:cl=mono:d=3", str(tmp_path / "bad.mp3")], check=True)
    else:
        (tmp_path / "bad.mp3").write_bytes(content)
    routine = tmp_path / "r.yaml"
    routine.write_text("title: T\nexercises:\n  - {name: A, hold: 5s}\nmusic:\n  file: bad.mp3\n")
    result = CliRunner().invoke(app, ["build", str(routine), "--cache-dir", str(tmp_path / "c")])
    assert result.exit_code == 1
    assert f"{routine}:5:9: music.file: {message}" in result.stderr
    assert "Traceback" not in result.output and not (tmp_path / "output").exists()


def test_only_as_much_music_as_the_track_plays_is_read(fake_engine, tmp_path):
    from audiocoach.audio.music import CROSSFADE_S
    from audiocoach.audio.track import mixer
    from audiocoach.options import Options
    from audiocoach.pipeline import compile_routine, read_routine

    make_music(tmp_path / "long.mp3", 120)
    routine = tmp_path / "r.yaml"
    routine.write_text("title: T\nexercises:\n  - {name: A, hold: 10s}\nmusic: {file: long.mp3}\n")
    compiled = compile_routine(read_routine(routine), Options(cache_dir=tmp_path / "c"),
                               reachable=lambda: False)
    rate, length = compiled.timeline.sample_rate_hz, compiled.timeline.length_samples
    assert length < 40 * rate
    bed = mixer(compiled).music
    # the track's length and one crossfade: a file that long never loops under the track
    assert length < bed.audio.size <= length + CROSSFADE_S * rate
    assert bed.period >= length


def test_quiet_music_under_the_loudness_gate_is_used_at_its_level(run, tmp_path):
    """Music quieter than BS.1770's -70 LUFS gate, yet audible, is raised to its level like any."""
    subprocess.run([executable(), "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i",
                    "anoisesrc=color=pink:amplitude=0.0003:duration=40:seed=3", "-ac", "1",
                    str(tmp_path / "quiet.wav")], check=True)
    quiet = read_wav(tmp_path / "quiet.wav")
    assert lufs(quiet, 22050) == float("-inf") and np.max(np.abs(quiet)) > 1e-4  # gated whole, not silent
    (tmp_path / "plain.yaml").write_text(ROUTINE.format(music=""))
    (tmp_path / "quiet.yaml").write_text(ROUTINE.format(music="music: {file: quiet.wav, level: -18dB}"))
    assert run("validate", "quiet.yaml").exit_code == 0
    for name in ("plain", "quiet"):
        result = run("build", f"{name}.yaml", "-o", f"{name}.wav", "--loudness", "off")
        assert result.exit_code == 0, result.output
    plain, with_music = read_wav(tmp_path / "plain.wav"), read_wav(tmp_path / "quiet.wav")
    plan = json.loads(run("plan", "plain.yaml", "--json").stdout)
    rate = plan["sample_rate"]
    t = np.arange(plain.size) / rate
    near_speech = np.zeros(plain.size, dtype=bool)
    for event in plan["events"]:
        if event["kind"] == "speech":
            near_speech |= (t > event["start_s"] - ATTACK_S - 0.05) & (t < event["end_s"] + RELEASE_S + 0.05)
    last_end = max(e["end_s"] for e in plan["events"] if e["kind"] == "speech")
    between = ~near_speech & (t > FADE_IN_S + 0.1) & (t < last_end)
    level = lufs((with_music - plain)[between], rate) - lufs(plain, rate)
    assert abs(level - (-18)) <= 2, level
