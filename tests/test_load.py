"""Reading YAML: nothing in a file can run code or blow up memory."""

from __future__ import annotations

import re
import time

import pytest

from audiocoach.errors import AudiocoachError
from audiocoach.routine.load import Mark, load_text


def test_every_key_and_value_remembers_its_line_and_column():
    data = load_text("title: Calves\nexercises:\n  - name: Wall stretch\n    hold: 30s\n", "r.yaml")
    assert data.value_marks["title"] == Mark(1, 8)
    exercise = data["exercises"][0]
    assert data["exercises"].marks[0] == exercise.mark == Mark(3, 5)
    assert (exercise.key_marks["hold"], exercise.value_marks["hold"]) == (Mark(4, 5), Mark(4, 11))
    assert exercise == {"name": "Wall stretch", "hold": "30s"}


def test_alias_bomb_fails_fast_with_a_clear_message():
    # The billion laughs: nine levels of nine aliases each expand to 9**9 strings.
    levels = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    levels += [f"a{i}: &a{i} [{', '.join(['*a' + str(i - 1)] * 9)}]" for i in range(1, 10)]
    started = time.perf_counter()
    with pytest.raises(AudiocoachError) as caught:
        load_text("\n".join(levels) + "\ntitle: bomb\n", "bomb.yaml")
    assert time.perf_counter() - started < 1.0
    assert "expands to more than 20000 values through aliases" in str(caught.value)


def test_python_tag_never_runs(tmp_path, monkeypatch):
    marker = tmp_path / "ran"
    text = f"title: !!python/object/apply:os.system ['touch {marker}']\nexercises: []\n"
    with pytest.raises(AudiocoachError):
        load_text(text, "evil.yaml")
    assert not marker.exists()


def hostile(tmp_path, name: str, content: bytes | str):
    from audiocoach.routine.load import load_file

    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    started = time.perf_counter()
    with pytest.raises(AudiocoachError) as caught:
        load_file(path)
    assert time.perf_counter() - started < 10
    (problem,) = caught.value.problems
    return str(problem).replace(f"{tmp_path}/", "")


def test_a_50_mb_file_is_refused_without_being_read(tmp_path):
    assert hostile(tmp_path, "big.yaml", "title: T\nexercises:\n" + "  - {name: A, hold: 5s}\n" * 2_200_000) \
        == "big.yaml: the file is over 1000 kB (split the routine)"


def test_ten_thousand_exercises_are_refused_with_their_place(tmp_path):
    text = "title: T\nexercises:\n" + "".join(f"  - {{name: A{i}, hold: 1s}}\n" for i in range(10_000))
    message = hostile(tmp_path, "many.yaml", text)
    assert message.startswith("many.yaml:4002:5:") and message.endswith(
        "the file holds more than 20000 values (split it into several routines)")


@pytest.mark.parametrize("nesting", [
    "tips: " + "[" * 1000 + "]" * 1000,
    "tips:\n" + "".join("  " * (i + 3) + "-\n" for i in range(300)),
])
def test_deep_nesting_is_refused_before_it_can_blow_the_stack(tmp_path, nesting):
    text = "title: T\nexercises:\n  - name: A\n    hold: 5s\n    " + nesting + "\n"
    message = hostile(tmp_path, "deep.yaml", text)
    assert re.match(r"deep\.yaml:\d+:\d+: lists and mappings are nested more than 20 levels deep", message)


def test_a_control_character_and_non_utf8_bytes_are_found(tmp_path):
    assert hostile(tmp_path, "bell.yaml", "title: T\nexercises:\n  - {name: A\x07, hold: 5s}\n") == (
        "bell.yaml:3:13: the character U+0007 cannot be in a routine "
        "(delete it; it may have come from a copy and paste)")
    assert hostile(tmp_path, "latin1.yaml", "title: Übung\n".encode("latin-1")) == (
        "latin1.yaml:1:8: the byte 0xDC is not UTF-8 text (save the file as UTF-8; it may have been "
        "saved as Latin-1 or Windows-1252)")


def test_a_one_megabyte_instruction_is_refused(tmp_path):
    text = "title: T\nexercises:\n  - name: A\n    hold: 5s\n    instructions: " + "word " * 210_000
    assert hostile(tmp_path, "long.yaml", text) == "long.yaml: the file is over 1000 kB (split the routine)"


def test_a_named_pipe_is_refused_rather_than_waited_on(tmp_path):
    import os

    from audiocoach.routine.load import load_file

    pipe = tmp_path / "fifo.yaml"
    os.mkfifo(pipe)
    with pytest.raises(AudiocoachError) as caught:
        load_file(pipe)
    assert str(caught.value) == (f"{pipe}: is not a regular file (a pipe, a device or a socket) "
                                 "(name a .yaml file)")
