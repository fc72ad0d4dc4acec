"""Media files are checked while the routine is read: `validate` refuses what `build` would,
at the field's line and column, and `plan` refuses it before anything is synthesized."""

from __future__ import annotations

import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from audiocoach import ffmpeg

ROUTINE = """\
title: Media
sounds:
  start: {start}
music:
  file: {music}
cover: {cover}
exercises:
  - name: Calf
    hold: 5s
    countdown: 0
"""


def tone(path: Path, seconds: float, silent: bool = False, rate: int = 22050) -> Path:
    source = (f"anullsrc=r={rate}:cl=mono:d={seconds}" if silent
              else f"sine=frequency=440:duration={seconds}:sample_rate={rate}")
    subprocess.run([ffmpeg.executable(), "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi",
                    "-i", source, str(path)], check=True)
    return path


def huge_png() -> bytes:
    """A PNG whose header claims 30000x30000 px: more than Pillow agrees to open."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 30000, 30000, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"")) + chunk(b"IEND", b""))


@pytest.fixture
def media(tmp_path):
    """Good files: a 1 s bell, 5 s of music and a small PNG, beside the routine."""
    from PIL import Image

    tone(tmp_path / "bell.wav", 1)
    tone(tmp_path / "calm.ogg", 5)
    Image.new("RGB", (40, 40), (200, 80, 20)).save(tmp_path / "cover.png")
    return tmp_path


def write(folder: Path, **files: str) -> Path:
    chosen = {"start": "bell.wav", "music": "calm.ogg", "cover": "cover.png", **files}
    path = folder / "media.yaml"
    path.write_text(ROUTINE.format(**chosen), encoding="utf-8")
    return path


def test_good_media_validates(run, media):
    result = run("validate", write(media))
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("make, field, message", [
    (lambda d: tone(d / "long.wav", 5), "start: long.wav",
     "3:10: sounds.start: the sound 'long.wav' lasts 5.0 s, longer than the 3 s a cue sound may last "
     "(trim the file)"),
    (lambda d: tone(d / "quiet.wav", 2, silent=True), "start: quiet.wav",
     "3:10: sounds.start: the sound 'quiet.wav' is silent (choose a file you can hear)"),
    (lambda d: (d / "notes.wav").write_text("not a sound"), "start: notes.wav",
     "3:10: sounds.start: the sound 'notes.wav' is not an audio file ffmpeg can read (use an audio file "
     "ffmpeg reads, such as WAV, MP3, OGG or FLAC)"),
    (lambda d: tone(d / "silence.ogg", 20, silent=True), "music: silence.ogg",
     "5:9: music.file: the music 'silence.ogg' is silent (choose a music file you can hear)"),
    (lambda d: (d / "broken.ogg").write_bytes((d / "calm.ogg").read_bytes()[:200]), "music: broken.ogg",
     "5:9: music.file: the music 'broken.ogg' is not an audio file ffmpeg can read (use an audio file "
     "ffmpeg reads, such as WAV, MP3, OGG or FLAC)"),
    (lambda d: tone(d / "blip.wav", 0.4), "music: blip.wav",
     "5:9: music.file: the music 'blip.wav' lasts 0.40 s, less than a second (choose a longer music "
     "file)"),
    (lambda d: (d / "cover.jpg").write_text("a text file, not a picture"), "cover: cover.jpg",
     "6:8: cover: the cover 'cover.jpg' is not a picture (use a JPEG or PNG picture)"),
    (lambda d: (d / "cut.png").write_bytes((d / "cover.png").read_bytes()[:60]), "cover: cut.png",
     "6:8: cover: the cover 'cut.png' is damaged"),
    (lambda d: (d / "huge.png").write_bytes(huge_png()), "cover: huge.png",
     "6:8: cover: the cover 'huge.png' has too many pixels to open (use a picture of 1400x1400 px)"),
])
@pytest.mark.parametrize("command", ["validate", "plan", "build"])
def test_a_file_build_would_refuse_is_refused_at_its_field(run, media, fake_engine, command, make,
                                                           field, message):
    make(media)
    name = field.split(": ")[1]
    key = field.split(": ")[0]
    path = write(media, **{key: name})
    result = run(command, path)
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith(f"{path}:{message}")
    assert fake_engine.calls == []  # nothing synthesized: refused while reading the routine
    assert "Traceback" not in result.output


def test_every_bad_file_is_reported_at_once(run, media):
    tone(media / "long.wav", 5)
    (media / "cover.jpg").write_text("text")
    tone(media / "silence.ogg", 3, silent=True)
    result = run("validate", write(media, start="long.wav", music="silence.ogg", cover="cover.jpg"))
    assert [line.split(": ")[0].rsplit(":", 2)[1:] for line in result.stderr.splitlines()] == [
        ["3", "10"], ["5", "9"], ["6", "8"]]


def test_music_heard_only_after_a_silent_start_is_accepted(run, media):
    quiet, loud = tone(media / "quiet.wav", 4, silent=True), tone(media / "loud.wav", 2)
    subprocess.run([ffmpeg.executable(), "-hide_banner", "-loglevel", "error", "-y", "-i", str(quiet),
                    "-i", str(loud), "-filter_complex", "[0][1]concat=n=2:v=0:a=1",
                    str(media / "late.ogg")], check=True)
    assert run("validate", write(media, music="late.ogg")).exit_code == 0


def test_a_sound_just_under_the_limit_is_accepted_by_validate_and_build(run, media, tmp_path):
    tone(media / "bell.wav", 2.9)
    path = write(media)
    assert run("validate", path).exit_code == 0
    result = run("build", path, "-o", tmp_path / "media.wav")
    assert result.exit_code == 0, result.output


def test_the_api_refuses_a_bad_file_with_its_place(media):
    import audiocoach

    tone(media / "long.wav", 4)
    with pytest.raises(audiocoach.AudiocoachError) as caught:
        audiocoach.load(write(media, start="long.wav"))
    (problem,) = caught.value.problems
    assert (problem.line, problem.col, problem.field) == (3, 10, "sounds.start")


def test_the_builds_own_check_places_a_sound_at_its_column_too(media):
    import audiocoach
    from audiocoach.audio.sounds import SoundSet
    from audiocoach.errors import AudiocoachError

    chosen = audiocoach.load(write(media)).sounds
    tone(media / "bell.wav", 4)  # replaced after `validate` passed it
    with pytest.raises(AudiocoachError) as caught:
        SoundSet(chosen, 22050, "media.yaml")
    assert str(caught.value).startswith("media.yaml:3:10: sounds.start: the sound 'bell.wav' lasts 4.0 s")
