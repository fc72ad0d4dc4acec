"""Where built tracks go: the format a name asks for, each routine's file, and the clashes
refused before any work."""

from __future__ import annotations

from pathlib import Path

import pytest

from audiocoach.errors import AudiocoachError, Kind
from audiocoach.publish.outputs import file_format, in_folder, targets


@pytest.mark.parametrize("name, asked, chosen", [
    ("legs.mp3", None, "mp3"), ("LEGS.WAV", None, "wav"), ("legs", None, "mp3"),
    ("legs", "wav", "wav"), ("legs.wav", "wav", "wav"),
])
def test_the_format_comes_from_the_option_else_the_extension_else_mp3(name, asked, chosen):
    assert file_format(Path(name), asked) == chosen


@pytest.mark.parametrize("name, asked, message", [
    ("legs.ogg", None, "legs.ogg: audiocoach writes .mp3 or .wav files, not .ogg (name the file "
                       ".mp3 or .wav)"),
    ("legs.mp3", "wav", "-o legs.mp3 is a .mp3 file but --format is wav (drop --format, or name "
                        "the file .wav)"),
    ("legs", "flac", "cannot write flac files (use mp3 or wav)"),
])
def test_a_format_that_cannot_be_written_is_a_usage_error(name, asked, message):
    with pytest.raises(AudiocoachError) as caught:
        file_format(Path(name), asked)
    assert caught.value.kind == Kind.USAGE and str(caught.value) == message


def test_each_routine_goes_to_its_stem_in_the_folder(tmp_path):
    routines = [Path("a/legs.yaml"), Path("b/arms.yml"), Path("hip to heel")]
    assert targets(routines, tmp_path, "wav") == (
        "wav", [tmp_path / "legs.wav", tmp_path / "arms.wav", tmp_path / "hip to heel.wav"])
    assert targets(routines[:1], None, None) == ("mp3", [Path("output/legs.mp3")])


def test_one_routine_may_name_its_file_and_several_may_not(tmp_path):
    assert targets([Path("legs.yaml")], tmp_path / "Legs.WAV", None) == ("wav", [tmp_path / "Legs.WAV"])
    with pytest.raises(AudiocoachError) as caught:
        targets([Path("legs.yaml"), Path("arms.yaml")], tmp_path / "both.mp3", None)
    assert str(caught.value).startswith(f"with several routines, -o names a folder, and "
                                        f"{tmp_path / 'both.mp3'} has a file extension")


def test_two_routines_of_one_name_are_refused_before_either_is_built(tmp_path):
    with pytest.raises(AudiocoachError) as caught:
        in_folder([Path("a/legs.yaml"), Path("b/legs.yaml")], tmp_path, "mp3")
    assert caught.value.kind == Kind.USAGE
    assert str(caught.value) == (f"a/legs.yaml and b/legs.yaml would both be written to "
                                 f"{tmp_path / 'legs.mp3'} (rename one of them, or build them "
                                 "into different folders)")


def test_a_file_without_extension_in_the_way_is_refused(tmp_path):
    (tmp_path / "notes").write_text("mine")
    with pytest.raises(AudiocoachError) as caught:
        targets([Path("legs.yaml")], tmp_path / "notes", None)
    assert "is neither a folder nor a .mp3 or .wav file" in str(caught.value)
    assert (tmp_path / "notes").read_text() == "mine"
