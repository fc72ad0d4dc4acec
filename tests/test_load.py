"""Reading YAML: nothing in a file can run code or blow up memory."""

from __future__ import annotations

import time

import pytest

from audiocoach.errors import AudiocoachError
from audiocoach.load import Mark, load_text


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
