"""The command line: exit codes, messages, output paths, and no half-written files."""

from __future__ import annotations

import json
import os
import stat
import wave

import pytest

from audiocoach.audio import render
from audiocoach.audio.render import LAME_SHORT_PADDING
from audiocoach.options import Options
from audiocoach.pipeline import compile_routine, read_routine

GOOD = """\
title: Short
exercises:
  - name: Calf
    hold: 5s
    countdown: 0
"""


def test_validate_reports_every_file_and_exits_1(run, write_routine):
    good = write_routine(GOOD, "good.yaml")
    bad = write_routine("title: T\nexercises:\n  - name: A\n    hold: 30 secs\n", "bad.yaml")
    result = run("validate", good, bad)
    assert result.exit_code == 1
    assert f"{good}: ok (1 exercise)" in result.stdout
    assert f"{bad}:4:11: exercises[0].hold: '30 secs' is not a duration (try 30s)" in result.stderr
    assert "Traceback" not in result.output


def test_build_writes_output_stem_by_default(run, write_routine, tmp_path):
    path = write_routine(GOOD, "short.yaml")
    old_umask = os.umask(0o022)
    try:
        result = run("build", path, "--format", "wav")
    finally:
        os.umask(old_umask)
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE((tmp_path / "output" / "short.wav").stat().st_mode) == 0o644  # shareable
    with wave.open(str(tmp_path / "output" / "short.wav")) as track:
        assert track.getframerate() == 1000 and track.getnchannels() == 1
        frames = track.getnframes()
    plan = json.loads(run("plan", path, "--json").stdout)  # the MP3's plan
    wav_plan = compile_routine(read_routine(path), Options(audio_format="wav")).timeline
    assert frames == wav_plan.length_samples  # exactly the routine: only an MP3 is padded for its encoder
    assert 0 <= round(plan["duration_s"] * plan["sample_rate"]) - frames <= LAME_SHORT_PADDING
    assert f"Wrote output/short.wav ({plan['duration_s']:.1f} s, 6 clips synthesized; " in result.stdout


def test_plan_table_shows_times_roles_words_and_total(run, write_routine):
    result = run("plan", write_routine(GOOD))
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["time", "role", "text"]
    assert any(line.split()[1:] == ["start", "Hold."] for line in lines[1:-1])
    assert lines[-1].startswith("total ") and "1 chapter, engine fake" in lines[-1]


def test_bad_routine_in_build_exits_1_and_writes_nothing(run, write_routine, tmp_path):
    result = run("build", write_routine("title: T\nexercises: []\n"))
    assert result.exit_code == 1
    assert "exercises: the list of exercises is empty (add at least one exercise" in result.stderr
    assert not (tmp_path / "output").exists()


def test_unknown_option_is_a_usage_error(run):
    assert run("build", "x.yaml", "--speeed", "2").exit_code == 2
    assert run("build", "x.yaml", "--speed", "3").exit_code == 2


def test_unavailable_voice_exits_3_with_what_to_do(run, write_routine, monkeypatch):
    from audiocoach.voice import engines
    from audiocoach.voice.engines.piper import PiperEngine

    monkeypatch.setitem(engines.ENGINES, "piper", PiperEngine)
    result = run("plan", write_routine(GOOD), "--engine", "piper", "--voice", "no-such-voice")
    assert result.exit_code == 3
    assert "the piper voice 'no-such-voice' was not found" in result.stderr
    assert "drop --voice to use the bundled en_US-joe-medium" in result.stderr
    assert "Traceback" not in result.output


def test_a_failed_build_keeps_the_previous_file(run, write_routine, tmp_path, monkeypatch):
    path = write_routine(GOOD, "short.yaml")
    assert run("build", path, "--format", "wav").exit_code == 0
    good = (tmp_path / "output" / "short.wav").read_bytes()

    def broken(blocks, rate, target):
        target.write_bytes(b"half")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(render, "_encode_wav", broken)
    result = run("build", path, "--format", "wav")
    assert result.exit_code == 1 and "No space left on device" in result.stderr
    assert (tmp_path / "output" / "short.wav").read_bytes() == good
    assert [p.name for p in (tmp_path / "output").iterdir()] == ["short.wav"]


def test_several_routines_go_into_a_folder(run, write_routine, tmp_path):
    one, two = write_routine(GOOD, "one.yaml"), write_routine(GOOD, "two.yaml")
    result = run("build", one, two, "-o", tmp_path / "tracks", "--format", "wav")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "tracks").iterdir()) == ["one.wav", "two.wav"]



@pytest.mark.parametrize("phrase", ["{time:d} to go", "{time!z} to go"])
def test_validate_refuses_a_phrase_plan_could_not_fill_in(run, write_routine, phrase):
    path = write_routine(f"""\
        title: T
        exercises:
          - name: Calf
            hold: 20s
            reminders: [10]
            phrases: {{reminder: "{phrase}"}}
        """)
    for command in ("validate", "plan"):
        result = run(command, path)
        assert result.exit_code == 1, result.output
        assert (f"{path}:6:25: exercises[0].phrases.reminder: the blank in '{phrase}' has a format "
                "or conversion (write the blank as plain {time})") in result.stderr
        assert "Traceback" not in result.output


def test_a_plain_blank_is_filled_in_with_the_spoken_time(run, write_routine):
    path = write_routine("""\
        title: T
        sounds: none
        exercises:
          - {name: Calf, hold: 20s, countdown: 0, reminders: [7.5], phrases: {reminder: "{time} to go"}}
        """)
    assert run("validate", path).exit_code == 0
    plan = json.loads(run("plan", path, "--json").stdout)
    (end,) = [e for e in plan["events"] if e["role"] == "end"]
    assert [(e["text"], round(end["start_s"] - e["start_s"], 6)) for e in plan["events"]
            if e["role"] == "reminder"] == [("7.5 seconds to go.", 7.5)]


def test_a_fractional_hold_is_announced_unrounded(run, write_routine):
    plan = json.loads(run("plan", write_routine("""\
        title: T
        exercises:
          - {name: Squeeze, hold: 2.5s, reps: 2, countdown: 0}
        """), "--json").stdout)
    assert "2 holds of 2.5 seconds." in [e["text"] for e in plan["events"]]
    starts = [e["start_s"] for e in plan["events"] if e["role"] == "start" and e["kind"] == "speech"]
    ends = [e["start_s"] for e in plan["events"] if e["role"] == "end" and e["kind"] == "speech"]
    assert [round(b - a, 6) for a, b in zip(starts, ends)] == [2.5, 2.5]


def file_type(path) -> str:
    head = path.read_bytes()[:4]
    if head == b"RIFF":
        return "wav"
    return "mp3" if head[:3] == b"ID3" or head[:2] in (b"\xff\xfb", b"\xff\xf3") else "other"


@pytest.mark.parametrize("name, extra, expected", [
    ("x.wav", [], "wav"), ("x.mp3", [], "mp3"), ("X.WAV", [], "wav"),
    ("x.wav", ["--format", "wav"], "wav"), ("x.mp3", ["--format", "mp3"], "mp3"),
])
def test_the_output_extension_gives_the_format(run, write_routine, tmp_path, name, extra, expected):
    result = run("build", write_routine(GOOD), "-o", tmp_path / name, *extra)
    assert result.exit_code == 0, result.output
    assert file_type(tmp_path / name) == expected


@pytest.mark.parametrize("name, extra, message", [
    ("y.mp3", ["--format", "wav"], "-o {out} is a .mp3 file but --format is wav (drop --format, or "
                                   "name the file .wav)"),
    ("y.wav", ["--format", "mp3"], "-o {out} is a .wav file but --format is mp3"),
    ("y.ogg", [], "{out}: audiocoach writes .mp3 or .wav files, not .ogg"),
])
def test_an_output_name_that_contradicts_the_format_is_a_usage_error(run, write_routine, tmp_path,
                                                                     name, extra, message):
    out = tmp_path / name
    result = run("build", write_routine(GOOD), "-o", out, *extra)
    assert result.exit_code == 2
    assert message.format(out=out) in result.stderr
    assert not out.exists()


def test_a_folder_output_takes_the_format_option(run, write_routine, tmp_path):
    (tmp_path / "tracks").mkdir()
    result = run("build", write_routine(GOOD, "calf.yaml"), "-o", tmp_path / "tracks", "--format", "wav")
    assert result.exit_code == 0, result.output
    assert file_type(tmp_path / "tracks" / "calf.wav") == "wav"


@pytest.mark.parametrize("to_folder", [True, False])
def test_two_routines_with_one_name_are_refused_before_building(run, tmp_path, to_folder):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "r.yaml").write_text(GOOD)
    out = ["-o", tmp_path / "outdir"] if to_folder else []
    result = run("build", tmp_path / "a" / "r.yaml", tmp_path / "b" / "r.yaml", *out)
    target = (tmp_path / "outdir" / "r.mp3") if to_folder else "output/r.mp3"
    assert result.exit_code == 2
    assert (f"error: {tmp_path / 'a' / 'r.yaml'} and {tmp_path / 'b' / 'r.yaml'} would both be "
            f"written to {target}") in result.stderr
    assert not (tmp_path / "outdir").exists() and not (tmp_path / "output").exists()


def test_loudness_option_overrides_the_routine_and_is_checked(run, write_routine, tmp_path):
    path = write_routine(GOOD + "loudness: -23\n")
    result = run("build", path, "-o", tmp_path / "a.wav")
    assert result.exit_code == 0 and "loudness -23." in result.stdout
    result = run("build", path, "-o", tmp_path / "b.wav", "--loudness", "off")
    assert result.exit_code == 0 and "loudness off" in result.stdout
    result = run("build", path, "--loudness", "loud")
    assert result.exit_code == 2
    assert "--loudness: 'loud' is not a loudness (write a number such as -19, or off)" in result.stderr


def test_an_output_folder_that_cannot_be_written_is_exit_1_with_a_fix(run, write_routine, tmp_path):
    (tmp_path / "taken").write_text("a file, not a folder")
    result = run("build", write_routine(GOOD), "-o", tmp_path / "taken" / "r.mp3")
    assert result.exit_code == 1
    assert f"{tmp_path / 'taken' / 'r.mp3'}: cannot write here:" in result.stderr
    assert "(choose another output path with -o)" in result.stderr


@pytest.mark.parametrize("where", ["encoder", "rename"])
def test_a_full_disk_keeps_the_old_track(run, write_routine, tmp_path, monkeypatch, where):
    path = write_routine(GOOD, "short.yaml")
    assert run("build", path).exit_code == 0
    good = (tmp_path / "output" / "short.mp3").read_bytes()
    def full(*args):
        raise OSError(28, "No space left on device")

    if where == "encoder":  # the disk fills up while the encoder writes, on its own thread
        monkeypatch.setattr("audiocoach.audio.mp3.Mp3Writer._put", full)
    else:
        monkeypatch.setattr("audiocoach.files.os.replace", full)
    result = run("build", path)
    assert result.exit_code == 1 and "No space left on device" in result.stderr
    assert "check free disk space" in result.stderr and "Traceback" not in result.output
    assert (tmp_path / "output" / "short.mp3").read_bytes() == good
    assert [p.name for p in (tmp_path / "output").iterdir()] == ["short.mp3"]


@pytest.mark.parametrize("option, message", [
    (["--speed", "5"], "error: --speed: 5 is out of range (use 0.5 to 2.0)"),
    (["--accent", "zz"], "error: --accent: 'zz' is not an accent Google Translate has (use one of com, "
                         "co.uk, com.au, us, ca, co.in, ie, co.za, com.ng, fr, com.br, pt, com.mx, es; "
                         "other languages have one accent, so leave it out)"),
    (["--language", "en!"], "error: --language: 'en!' is not a language code (use a code such as en, "
                            "de or fr)"),
])
@pytest.mark.parametrize("command", ["plan", "build"])
def test_a_voice_option_is_refused_with_the_apis_words(run, write_routine, tmp_path, command, option,
                                                       message):
    result = run(command, write_routine(GOOD), *option)
    assert result.exit_code == 2
    assert result.stderr.strip() == message
    assert not (tmp_path / "output").exists()


def test_script_checks_its_language_option(run, write_routine):
    result = run("script", write_routine(GOOD), "--language", "en!")
    assert result.exit_code == 2 and "error: --language: 'en!' is not a language code" in result.stderr


def test_jobs_says_what_0_means_and_refuses_a_negative_number(run, write_routine):
    import typer

    from audiocoach.cli import app

    (jobs,) = [p for p in typer.main.get_command(app).commands["build"].params if p.name == "jobs"]
    assert jobs.help.endswith("0, the default, is one per core.")
    result = run("build", write_routine(GOOD), "--jobs", "-1")
    assert result.exit_code == 2 and "error: --jobs: -1 is out of range (use 0 to 1024)" in result.stderr


@pytest.mark.parametrize("hold, message", [
    (".inf", "exercises[0].hold: .inf is not a duration (write a number of seconds such as 30s)"),
    (".nan", "exercises[0].hold: .nan is not a duration (write a number of seconds such as 30s)"),
    ("1m1m", "exercises[0].hold: '1m1m' is not a duration (write each unit once, hours then minutes "
             "then seconds, e.g. 1m30s)"),
])
@pytest.mark.parametrize("command", ["validate", "plan", "script", "build"])
def test_an_odd_hold_is_refused_at_its_place_by_every_command(run, write_routine, command, hold, message):
    path = write_routine(f"title: T\nexercises:\n  - name: A\n    hold: {hold}\n")
    result = run(command, path)
    assert result.exit_code == 1
    assert result.stderr.strip() == f"{path}:4:11: {message}"
    assert "Traceback" not in result.output


@pytest.mark.parametrize("args, message", [
    (["build", "{r}", "-o", "/dev/null"],
     "error: -o /dev/null is neither a folder nor a .mp3 or .wav file (give a folder to write "
     "into, or a file name ending in .mp3 or .wav)\n"),
    (["build", "{r}", "{r}", "-o", "two.mp3"],
     "error: with several routines, -o names a folder, and two.mp3 has a file extension (give a "
     "folder, e.g. -o two, or build one routine at a time)\n"),
    (["plan", "{r}", "--cache-dir", "{r}"],
     "error: --cache-dir: {r} is a file, not a folder (give a folder for the clip cache, or leave "
     "it out)\n"),
    (["share", "{r}", "-o", "{r}"],
     "error: -o {r} is a file, not a folder (give the folder to share into, e.g. -o "
     "output/share)\n"),
    (["serve", "{r}"],
     "error: {r} is a file, not a shared folder (give the folder `audiocoach share` wrote, e.g. "
     "`audiocoach serve output/share`)\n"),
])
def test_a_file_where_a_folder_belongs_is_a_usage_error_with_a_fix(run, write_routine, args, message):
    routine = write_routine("title: T\nexercises:\n  - {name: A, hold: 5s}\n", "music.yaml")
    result = run(*[arg.format(r=routine) for arg in args])
    assert result.exit_code == 2
    assert result.stderr == message.format(r=routine)


def test_new_refuses_a_folder_even_with_force_and_says_when_it_makes_one(tmp_path):
    from typer.testing import CliRunner

    from audiocoach.cli import app

    runner = CliRunner()
    for extra in ([], ["--force"]):
        refused = runner.invoke(app, ["new", str(tmp_path), "--from", "heel-press", *extra])
        assert refused.exit_code == 2
        assert refused.stderr == (f"error: {tmp_path} is a folder (name the routine file to write, "
                                  f"e.g. {tmp_path / 'my-routine.yaml'})\n")
    target = tmp_path / "new" / "folder" / "n.yaml"
    made = runner.invoke(app, ["new", str(target), "--from", "heel-press"])
    assert made.exit_code == 0
    assert made.stdout.splitlines()[0] == f"Made the folder {target.parent}"
    unknown = runner.invoke(app, ["new", str(tmp_path / "x.yaml"), "--from", "heel-pres"])
    assert unknown.exit_code == 2
