"""The real offline voice, end to end: build, decode the MP3, and hold it against the plan."""

from __future__ import annotations

import json

import numpy as np
import pytest
import requests
from conftest import decode, expected_mix
from typer.testing import CliRunner

from audiocoach.cli import app

ROUTINE = """\
title: Quick calves
sounds: chime
intro: Stand facing a wall.
exercises:
  - name: Calf stretch
    instructions: Step one foot back and lean in.
    sides: both
    hold: 6s
    reps: 1
    prepare: 3s
    countdown: 3
  - rest: 4s
  - name: Heel press
    tempo: 2s
    reps: 3
outro: Well done.
"""
TOLERANCE_S = 0.060
FRAME_S = 0.010
SILENT_DBFS = -50


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    folder = tmp_path_factory.mktemp("e2e")
    routine = folder / "calves.yaml"
    routine.write_text(ROUTINE)
    runner = CliRunner()
    cache = str(folder / "cache")
    with pytest.MonkeyPatch.context() as patch:  # Google is never reached, whatever the network
        patch.setattr(requests.Session, "send",
                      lambda *a, **k: (_ for _ in ()).throw(requests.ConnectionError("offline")))
        plan = runner.invoke(app, ["plan", str(routine), "--json", "--cache-dir", cache])
        build = runner.invoke(app, ["build", str(routine), "-o", str(folder / "calves.mp3"),
                                    "--cache-dir", cache])
    assert plan.exit_code == 0, plan.output
    assert build.exit_code == 0, build.output
    return folder, json.loads(plan.stdout), build


def test_mp3_holds_every_event_at_one_constant_offset(built):
    from audiocoach.options import Options
    from audiocoach.pipeline import compile_routine, read_routine

    folder, plan, _ = built
    track = compile_routine(read_routine(folder / "calves.yaml"),
                            Options(engine="piper", cache_dir=folder / "cache"))
    assert track.synthesis.synthesized == []  # the clips the build used
    timeline = track.timeline
    expected = expected_mix(timeline, track.synthesis.clips, track.sounds).astype(np.float64)
    mp3 = decode(folder / "calves.mp3", timeline.sample_rate_hz).astype(np.float64)
    search = int(TOLERANCE_S * timeline.sample_rate_hz)
    padded = np.concatenate([np.zeros(search), mp3, np.zeros(search)])
    offsets = []
    for event in (e for e in timeline.events if e.kind == "speech"):
        reference = expected[event.start_sample:event.start_sample + min(event.length_samples, int(0.3 * timeline.sample_rate_hz))]
        window = padded[event.start_sample:event.start_sample + reference.size + 2 * search]
        offsets.append(int(np.argmax(np.correlate(window, reference, mode="valid"))) - search)
    # docs/routine-format.md, "Timing": the MP3 may delay everything by one constant under 60 ms, nothing by more.
    assert max(offsets) - min(offsets) <= 1, offsets
    assert abs(offsets[0]) < search, offsets


def test_the_track_is_encoded_in_parts_joined_in_its_silences(built):
    from audiocoach.audio.mp3 import SEAM, parts
    from audiocoach.audio.render import PART_S, Master, Report
    from audiocoach.audio.track import mixer
    from audiocoach.options import Options
    from audiocoach.pipeline import compile_routine, read_routine

    folder, _, _ = built
    track = compile_routine(read_routine(folder / "calves.yaml"),
                            Options(engine="piper", cache_dir=folder / "cache"))
    rate = track.timeline.sample_rate_hz
    master = Master(mixer(track), track.loudness_lufs, Report())
    spans = parts(track.timeline.length_samples, master.silences(), rate, PART_S * rate)
    assert len(spans) >= 2  # so every test here also holds a track made of parts to the plan
    mp3 = decode(folder / "calves.mp3", rate)
    for (_, end), (following, _) in zip(spans, spans[1:]):
        assert not mp3[end - SEAM:following + SEAM].any()  # silence on both sides of each seam


def loud_frames(pcm: np.ndarray, rate: int) -> tuple[np.ndarray, np.ndarray, float]:
    """Whether each 10 ms frame is above the silence floor, the frames' start times and length."""
    frame = int(FRAME_S * rate)
    frames = pcm[: pcm.size // frame * frame].reshape(-1, frame)
    rms = np.sqrt(np.mean(frames ** 2, axis=1)) + 1e-12
    return 20 * np.log10(rms) > SILENT_DBFS, np.arange(len(frames)) * frame / rate, frame / rate


def test_auto_says_it_chose_the_offline_voice(built):
    _, plan, build = built
    assert plan["engine"] == "piper"
    assert "Voice: piper, offline en_US-joe-medium (Google TTS cannot be reached)" in build.stderr


def test_mp3_duration_equals_the_plan(built):
    folder, plan, _ = built
    pcm = decode(folder / "calves.mp3", plan["sample_rate"])
    assert pcm.size == round(plan["duration_s"] * plan["sample_rate"])


def test_sound_where_the_plan_has_speech_and_silence_elsewhere(built):
    folder, plan, _ = built
    rate = plan["sample_rate"]
    loud, times, frame_s = loud_frames(decode(folder / "calves.mp3", rate), rate)
    busy = np.zeros(loud.size, dtype=bool)
    for event in plan["events"]:
        busy |= (times + frame_s > event["start_s"] - TOLERANCE_S) & (times < event["end_s"] + TOLERANCE_S)
        if event["kind"] != "speech":
            continue
        inside = (times >= event["start_s"]) & (times + frame_s <= event["end_s"])
        onset = (times >= event["start_s"]) & (times < event["start_s"] + TOLERANCE_S)
        offset = (times + frame_s <= event["end_s"]) & (times >= event["end_s"] - TOLERANCE_S)
        assert loud[onset].any(), f"no sound at the start of {event}"
        assert loud[offset].any(), f"no sound at the end of {event}"
        assert loud[inside].mean() > 0.5, f"mostly silent inside {event}"
    stray = times[loud & ~busy]
    assert stray.size == 0, f"sound where the plan has none, at {stray[:5]} s"


def test_timing_contract_holds_in_the_real_plan(built):
    _, plan, _ = built
    events = plan["events"]
    speech = [e for e in events if e["kind"] == "speech"]
    for before, after in zip(speech, speech[1:]):
        assert before["end_s"] <= after["start_s"]
    starts = [e["start_s"] for e in speech if e["role"] == "start"]
    ends = [e["start_s"] for e in speech if e["role"] == "end"]
    assert [round(b - a, 6) for a, b in zip(starts, ends)] == [6.0, 6.0, 6.0]  # 2 holds, 3 reps x 2 s
    chimes = [e["start_s"] for e in events if e["kind"] == "sound"]
    assert chimes == sorted(starts + ends)
    # The intro is a chapter of its own, and chapters cover the whole track (docs/routine-format.md, "The sound of the track").
    assert [c["title"] for c in plan["chapters"]] == ["Quick calves", "Calf stretch", "Heel press"]
    assert plan["chapters"][0]["start_s"] == 0
    assert [c["end_s"] for c in plan["chapters"]] == [c["start_s"] for c in plan["chapters"][1:]] + [
        plan["duration_s"]]
    # "Rest for 4 seconds" leaves no room for "Next: Heel press" a second before the rest ends.
    assert plan["warnings"] == [
        "rest at line 12: next 'Next: Heel press.' does not fit in the 4 s rest and was dropped"]


def test_tags_and_chapters_are_written(built):
    from mutagen.id3 import ID3

    folder, plan, _ = built
    tags = ID3(folder / "calves.mp3")
    assert str(tags["TIT2"]) == "Quick calves" and str(tags["TPE1"]) == "audiocoach"
    chapters = sorted(tags.getall("CHAP"), key=lambda c: c.start_time)
    assert [(str(c.sub_frames["TIT2"]), c.start_time, c.end_time) for c in chapters] == [
        (c["title"], round(c["start_s"] * 1000), round(c["end_s"] * 1000)) for c in plan["chapters"]]


def test_same_routine_same_pcm_with_the_cache_or_without(built, tmp_path):
    folder, plan, _ = built
    runner = CliRunner()
    outputs = []
    # Built afresh in this process, then from the clips the first build cached; a build by
    # three processes without the cache is compared by the test of any number of workers.
    for name, cache in (("a.wav", ["--no-cache"]), ("b.wav", ["--cache-dir", str(folder / "cache")])):
        result = runner.invoke(app, ["build", str(folder / "calves.yaml"), "--engine", "piper",
                                     *cache, "--format", "wav", "-o", str(tmp_path / name)])
        assert result.exit_code == 0, result.output
        outputs.append((tmp_path / name).read_bytes())
    assert outputs[0] == outputs[1]
    mp3 = decode(folder / "calves.mp3", plan["sample_rate"])
    wav = decode(tmp_path / "a.wav", plan["sample_rate"])
    assert wav.size == mp3.size


FAST = """\
title: Fast counts
sounds: none
exercises:
  - {name: Toe taps, tempo: 0.8s, reps: 30}
  - {name: Quick presses, tempo: 0.6s, reps: 8}
"""


@pytest.mark.parametrize("speed", ["1.0", "0.6"])
def test_every_beat_of_fast_counted_reps_is_heard_with_the_real_voice(tmp_path, speed):
    routine = tmp_path / "fast.yaml"
    routine.write_text(FAST)
    result = CliRunner().invoke(app, ["plan", str(routine), "--json", "--engine", "piper",
                                      "--speed", speed, "--cache-dir", str(tmp_path / "cache")])
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    for (reps, tempo_s), chapter in zip([(30, 0.8), (8, 0.6)], (1, 2)):
        events = [e for e in plan["events"] if e["chapter"] == chapter]
        (t0,) = [e["start_s"] for e in events if e["role"] == "start"]
        marks = {round(e["start_s"] - t0, 6) for e in events if e["role"] in ("start", "rep")}
        assert {round(k * tempo_s, 6) for k in range(reps)} <= marks  # a word or a tick on every beat
    assert not [w for w in plan["warnings"] if "dropped" in w]


def ffmpeg_metadata(path) -> str:
    """What ffmpeg (and so VLC, mpv, ffprobe) reads from the file's tags, as ffmetadata text."""
    import subprocess

    from audiocoach.ffmpeg import executable

    return subprocess.run([executable(), "-hide_banner", "-loglevel", "error", "-i", str(path),
                           "-f", "ffmetadata", "-"], capture_output=True, check=True, text=True).stdout


def test_ffmpeg_lists_the_chapters_in_time_order_from_0(built):
    folder, plan, _ = built
    sections = ffmpeg_metadata(folder / "calves.mp3").split("[CHAPTER]")[1:]
    chapters = [dict(line.split("=", 1) for line in section.strip().splitlines() if "=" in line)
                for section in sections]
    assert [c["title"] for c in chapters] == [c["title"] for c in plan["chapters"]]
    starts = [int(c["START"]) for c in chapters]
    assert starts[0] == 0 and starts == sorted(set(starts))
    ends = [int(c["END"]) for c in chapters]
    assert ends[:-1] == starts[1:]
    # ffmpeg cuts the last chapter at its own estimate of the length, which leaves out the
    # encoder's padding; the tag itself ends at the track's end (test_tags_and_chapters_are_written).
    assert abs(ends[-1] - plan["duration_s"] * 1000) <= 60


def test_the_mp3_has_a_cover_a_phone_can_show(built):
    import io

    from mutagen.id3 import ID3
    from PIL import Image

    folder, _, _ = built
    (cover,) = ID3(folder / "calves.mp3").getall("APIC")
    assert cover.type == 3 and cover.mime == "image/png"
    with Image.open(io.BytesIO(cover.data)) as image:
        assert image.size == (1400, 1400)
        colours = image.convert("RGB").getcolors(maxcolors=1_000_000)
    assert len(colours) > 50  # drawn text, not a blank square


def test_the_decoded_mp3_is_at_podcast_loudness(built):
    from audiocoach.audio.loudness import LoudnessMeter, true_peak_db

    folder, plan, build = built
    pcm = decode(folder / "calves.mp3", plan["sample_rate"]).astype(np.float64)
    meter = LoudnessMeter(plan["sample_rate"])
    meter.add(pcm)
    assert abs(meter.integrated_lufs() - (-19.0)) <= 1.0
    assert true_peak_db(pcm) <= -1.0
    assert "loudness -19." in build.stdout or "loudness -18." in build.stdout


def test_any_number_of_workers_builds_byte_identical_mp3s_without_the_cache(built, tmp_path):
    import os
    import subprocess
    import sys

    folder, _, _ = built
    # Three processes sharing the clips, with no cache, make the very MP3 that one process made
    # synthesizing every clip into an empty cache (`built`); one process without the cache is
    # test_same_routine_same_pcm_with_the_cache_or_without.
    out = tmp_path / "3.mp3"
    subprocess.run([sys.executable, "-m", "audiocoach", "build", str(folder / "calves.yaml"),
                    "--engine", "piper", "--no-cache", "-o", str(out)], check=True,
                   capture_output=True, env={**os.environ, "AUDIOCOACH_WORKERS": "3"})
    assert out.read_bytes() == (folder / "calves.mp3").read_bytes()
