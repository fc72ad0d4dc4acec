"""Saving from the studio: one changed hold is one changed line, and the file keeps its form."""

from __future__ import annotations

import pytest
from studio_support import (  # open_studios: the fixture `studio`
    COMMENTED,
    one_line_changed,
    open_studios,  # noqa: F401
    routine_of,
)


def test_saving_one_changed_hold_changes_exactly_that_line(studio):
    client, path = studio()
    routine = routine_of(client)
    routine["exercises"][1]["hold"] = "15s"
    answer = client.post("/api/save", json={"routine": routine})
    assert answer.status_code == 200
    assert answer.json()["saved"] == "routine.yaml" and answer.json()["problems"] == []
    saved = path.read_text(encoding="utf-8")
    assert one_line_changed(COMMENTED, saved) == ['-    hold: 8s', '+    hold: 15s']
    assert answer.json()["yaml"] == saved


def test_saving_keeps_comments_key_order_and_quoting_of_what_did_not_change(studio):
    client, path = studio()
    routine = routine_of(client)
    routine["exercises"][0]["rest"] = "7s"
    routine["exercises"].append({"name": "Wall push", "hold": "5s"})
    client.post("/api/save", json={"routine": routine})
    saved = path.read_text(encoding="utf-8")
    assert one_line_changed(COMMENTED, saved) == [
        "-    rest: 5s", "+    rest: 7s", "+  - name: Wall push", "+    hold: 5s"]
    for kept in ("# Evening stretch, for the class on Tuesdays", "# what the player shows",
                 "  # warm up first", "    hold: 10s      # gentle", '  - name: "Calf raise"'):
        assert kept in saved


def test_a_comment_typed_in_the_yaml_view_stays_when_a_form_changes_next(studio):
    client, path = studio()
    typed = COMMENTED.replace("    hold: 8s\n", "    hold: 8s  # two more next week\n")
    assert client.post("/api/check", json={"yaml": typed}).json()["problems"] == []
    routine = routine_of(client)
    routine["exercises"][0]["rest"] = "7s"
    client.post("/api/save", json={"routine": routine})
    saved = path.read_text(encoding="utf-8")
    assert one_line_changed(COMMENTED, saved) == [
        "-    rest: 5s", "+    rest: 7s", "-    hold: 8s", "+    hold: 8s  # two more next week"]


def test_a_moved_exercise_takes_its_comments_and_quoting_along(studio):
    client, path = studio()
    routine = routine_of(client)
    routine["exercises"].insert(0, routine["exercises"].pop(1))
    del routine["exercises"][2]
    client.post("/api/save", json={"routine": routine})
    assert path.read_text(encoding="utf-8").split("exercises:\n")[1] == (
        "  # warm up first\n"
        '  - name: "Calf raise"\n'
        "    hold: 8s\n"
        "    sides: both\n"
        "  - name: Neck roll\n"
        "    hold: 10s      # gentle\n"
        "    rest: 5s\n")


@pytest.mark.parametrize(("text", "changed", "added"), [
    ("title: T\nvoice:\n    engine: piper\nexercises:\n- name: A\n  hold: 5s\n",
     "  hold: 7s", ["- name: C", "  hold: 1s"]),
    ("title: T\nexercises:\n    -   name: A\n        hold: 5s\n",
     "        hold: 7s", ["    -   name: C", "        hold: 1s"]),
    ("title: T\nexercises:\n  - {name: A, hold: 5s}\n",
     "  - {name: A, hold: 7s}", ["  - name: C", "    hold: 1s"]),
], ids=["dashes-at-the-margin", "wide", "flow"])
def test_a_file_keeps_its_own_indentation(studio, text, changed, added):
    client, path = studio(text=text)
    routine = routine_of(client)
    routine["exercises"][0]["hold"] = "7s"
    routine["exercises"].append({"name": "C", "hold": "1s"})
    client.post("/api/save", json={"routine": routine})
    diff = one_line_changed(text, path.read_text(encoding="utf-8"))
    assert [line[1:] for line in diff if line.startswith("+")] == [changed, *added]
    assert len(diff) == 4


def test_a_second_save_into_the_same_file_builds_on_the_first(studio):
    client, path = studio()
    routine = routine_of(client)
    routine["title"] = "Evening stretch, longer"
    client.post("/api/save", json={"routine": routine})
    first = path.read_text(encoding="utf-8")
    routine["exercises"][2]["hold"] = "20s"
    assert client.post("/api/save", json={"routine": routine}).status_code == 200
    second = path.read_text(encoding="utf-8")
    assert one_line_changed(first, second) == ["-    hold: 12s", "+    hold: 20s"]
    assert "title: Evening stretch, longer # what the player shows" in second


@pytest.mark.parametrize("name", ["my routine.yaml", "Übungen für Jürgen.yaml", "a#b?c&d%20.yaml"])
def test_a_new_file_of_any_name_is_created_with_the_routine(studio, name):
    client, path = studio(name, text=None)
    state = client.get("/api/state").json()
    assert state["file"] == name and state["exists"] is False
    routine = {"title": "Neu", "exercises": [{"name": "Kniebeuge", "hold": "30s"}]}
    answer = client.post("/api/save", json={"routine": routine})
    assert answer.json()["saved"] == name
    assert path.read_text(encoding="utf-8") == (
        "title: Neu\nexercises:\n  - name: Kniebeuge\n    hold: 30s\n")
    assert client.get("/api/state").json()["exists"] is True
    assert [p.name for p in path.parent.iterdir()] == [name]  # no temporary file left


def test_a_save_that_fails_leaves_no_half_file(studio, monkeypatch):
    client, path = studio("new.yaml", text=None)

    def full_disk(source, target):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("audiocoach.files.os.replace", full_disk)
    answer = client.post("/api/save", json={"routine": {"title": "T", "exercises": []}})
    assert answer.status_code == 422
    [problem] = answer.json()["problems"]
    assert problem["message"] == "cannot write new.yaml: No space left on device"
    assert list(path.parent.iterdir()) == []


def test_yaml_text_from_the_text_view_is_saved_as_typed(studio):
    client, path = studio()
    text = COMMENTED.replace("hold: 10s      # gentle", "hold: 11s      # a little longer")
    answer = client.post("/api/save", json={"yaml": text})
    assert answer.status_code == 200
    assert path.read_text(encoding="utf-8") == text
