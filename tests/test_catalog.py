"""The catalog holds every exercise of the seed articles, with the articles' doses."""

from __future__ import annotations

import json
import re

import pytest
import yaml
from typer.testing import CliRunner

from audiocoach.cli import app
from audiocoach.pipeline import read_routine
from audiocoach.routine.catalog import EQUIPMENT, POSITIONS, catalog, search

# Every exercise the articles describe, by article.
ARTICLES = {
    "000_896612acc225a8ad.txt": ["seated-setup", "heel-press", "straight-leg-heel-push"],
    "001_5e624d90eb70cfcc.txt": ["hip-flexor-stretch", "quad-stretch", "hamstring-stretch",
                                 "calf-stretch-wall", "calf-stretch-wall-turned-in",
                                 "calf-stretch-wall-turned-out", "seated-glute-stretch",
                                 "pigeon-stretch", "childs-pose", "childs-pose-side-bend"],
    "002_5b0ce07c0acc1a21.txt": ["heel-raises", "ankle-circles-lying", "toe-walking",
                                 "towel-toe-curls", "tibialis-band-pull"],
    "003_d0d7a99a3319d7fe.txt": ["toe-presses", "ankle-circles-timed", "active-flexion",
                                 "side-to-side", "wall-calf-stretch"],
    "004_491db49f9b456451.txt": ["hip-balancing", "passive-hamstring-stretch",
                                 "passive-quad-stretch"],
}


def test_every_exercise_of_every_article_is_in_the_catalog():
    entries = catalog()
    for source, ids in ARTICLES.items():
        for id_ in ids:
            assert entries[id_].source == source, id_
    assert sorted(entries) == sorted(i for ids in ARTICLES.values() for i in ids)


def test_entries_describe_themselves():
    for entry in catalog().values():
        assert entry.name and entry.exercise.instructions and entry.cautions and entry.helps_with
        assert entry.position in POSITIONS and set(entry.equipment) <= set(EQUIPMENT)


def dose(id_):
    e = catalog()[id_].exercise
    return e


@pytest.mark.parametrize("id_", ARTICLES["001_5e624d90eb70cfcc.txt"])
def test_001_stretches_hold_20_to_30_s_three_times_on_both_sides(id_):
    e = dose(id_)
    holds = [e.hold_s] if e.dose == "hold" else [s.hold_s for s in e.steps]
    assert all(20 <= h <= 30 for h in holds)
    if id_ != "childs-pose-side-bend":  # the side bend is a variation, once each way
        assert e.reps == 3
    if id_ != "childs-pose":  # child's pose is symmetrical
        assert e.sides == "both"


def test_001_seated_glute_stretch_has_its_three_positions_as_steps():
    steps = dose("seated-glute-stretch").steps
    assert len(steps) == 3
    assert "knee" in steps[0].say and "shoulder" in steps[1].say and "forward" in steps[2].say


def test_000_doses():
    press = dose("heel-press")
    assert (press.hold_s, press.reps, press.sides) == (3, 10, "none")  # a few seconds, repeated
    push = dose("straight-leg-heel-push")
    assert push.sides == "both" and push.first_side == "right"  # right leg, then left
    assert len(dose("seated-setup").steps) == 3


def test_002_doses():
    raises = dose("heel-raises")
    assert raises.sides == "both" and 10 <= raises.reps <= 15 and raises.sets >= 2
    circles = dose("ankle-circles-lying")
    assert [5 <= s.reps <= 10 for s in circles.steps] == [True, True]
    assert circles.sets == 5 and circles.sides == "both"
    walking = dose("toe-walking")
    assert (walking.hold_s, walking.reps) == (15, 5)
    curls = dose("towel-toe-curls")
    assert 5 <= curls.reps <= 10 and curls.sets == 5
    band = dose("tibialis-band-pull")
    assert band.reps == 10 and 2 <= band.sets <= 3 and band.sides == "both"


def test_003_doses():
    presses = dose("toe-presses")
    assert (presses.hold_s, presses.reps, presses.sets) == (3, 10, 3)
    circles = dose("ankle-circles-timed")
    assert [s.hold_s for s in circles.steps] == [10, 10] and circles.sets == 2
    assert circles.sides == "both"
    flexion = dose("active-flexion")
    assert (flexion.reps, flexion.sets, flexion.sides, len(flexion.steps)) == (20, 2, "both", 2)
    wall = dose("wall-calf-stretch")
    assert (wall.hold_s, wall.reps, wall.sides) == (30, 3, "alternate")


def test_004_doses():
    for id_ in ARTICLES["004_491db49f9b456451.txt"]:
        e = dose(id_)
        assert e.hold_s == 120 and e.sides == "both"  # up to two minutes on each side


def test_search_by_words_and_filters():
    knee_in_chair = {e.id for e in search("knee pain", position="chair")}
    assert knee_in_chair == {"seated-glute-stretch", "towel-toe-curls", "active-flexion",
                             "side-to-side"}
    assert {e.id for e in search(equipment="belt")} == {"passive-hamstring-stretch",
                                                       "passive-quad-stretch"}
    assert "pigeon-stretch" in {e.id for e in search(helps="sciatica")}
    assert search("no such words at all") == []


def test_catalog_command_json():
    result = CliRunner().invoke(app, ["catalog", "knee", "--position", "chair", "--json"])
    assert result.exit_code == 0
    found = json.loads(result.stdout)
    assert {"id", "name", "helps_with", "position", "equipment", "source"} <= set(found[0])
    assert all(item["position"] == "chair" for item in found) and len(found) == 4


def test_use_takes_the_entry_and_the_item_overrides_it(write_routine):
    path = write_routine("""\
        title: T
        exercises:
          - use: hip-flexor-stretch
          - use: hip-flexor-stretch
            hold: 20s
            sides: left
          - use: toe-presses
            tempo: 2s
            reps: 5
        """)
    full, short, counted = read_routine(path).exercises
    assert (full.name, full.hold_s, full.reps, full.sides) == ("Hip flexor stretch", 25, 3, "both")
    assert (short.hold_s, short.reps, short.sides) == (20, 3, "left")
    assert (counted.dose, counted.hold_s, counted.tempo_s, counted.reps, counted.sets) == (
        "tempo", None, 2, 5, 3)


def test_new_writes_a_routine_that_validates_and_builds(fake_engine, tmp_path, monkeypatch):
    monkeypatch.setenv("AUDIOCOACH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr("audiocoach.pipeline.google_reachable", lambda: False)
    runner = CliRunner()
    target = tmp_path / "mine.yaml"
    result = runner.invoke(app, ["new", str(target), "--from", "heel-press,pigeon-stretch",
                                 "--title", "Mine"])
    assert result.exit_code == 0, result.output
    document = yaml.safe_load(target.read_text())
    assert [e["use"] for e in document["exercises"]] == ["heel-press", "pigeon-stretch"]
    assert "not medical advice" in document["intro"] and "never stretch into pain" in document["intro"].lower()
    routine = read_routine(target)
    assert [e.name for e in routine.exercises] == ["Heel press", "Pigeon stretch"]
    built = runner.invoke(app, ["build", str(target), "-o", str(tmp_path / "mine.wav"),
                                "--format", "wav"])
    assert built.exit_code == 0, built.output
    assert runner.invoke(app, ["new", str(target), "--from", "heel-press"]).exit_code == 2
    wrong = runner.invoke(app, ["new", str(tmp_path / "x.yaml"), "--from", "heel-pres"])
    assert wrong.exit_code == 2 and "did you mean `heel-press`?" in wrong.stderr


def test_new_says_each_caution_once(tmp_path):
    target = tmp_path / "three.yaml"
    result = CliRunner().invoke(app, ["new", str(target), "--from",
                                      "heel-press,pigeon-stretch,childs-pose"])
    assert result.exit_code == 0, result.output
    intro = yaml.safe_load(target.read_text())["intro"]
    assert intro.lower().count("never stretch into pain") == 1
    assert intro == ("Some soreness at first is normal; sharp pain is not, so stop if it hurts. "
                     "This one is challenging; do not push hard, and never stretch into pain. "
                     "Stop if anything hurts, and check with your doctor before you start anything "
                     "new. This track is guidance, not medical advice.")


def test_no_two_exercises_make_the_intro_repeat_a_caution():
    from audiocoach.routine.catalog import new_routine_text

    ids = sorted(catalog())
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's where PyYAML has it: 676 files
    for first in ids:
        for second in ids:
            intro = yaml.load(new_routine_text([first, second], "T"), Loader=loader)["intro"]
            clauses = [" ".join(c.lower().split()) for c in re.split(r"[.;]", intro) if c.strip()]
            for i, clause in enumerate(clauses):
                assert not any(clause in other for j, other in enumerate(clauses) if j != i), (
                    first, second, intro)


@pytest.mark.parametrize("title", ["", "   ", "\x07"])
def test_new_refuses_a_title_validate_would_refuse(tmp_path, title):
    target = tmp_path / "untitled.yaml"
    result = CliRunner().invoke(app, ["new", str(target), "--from", "heel-press", "--title", title])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: --title: the title ")
    assert "(give one, e.g. --title 'Evening stretch')" in result.stderr
    assert not target.exists()


@pytest.mark.parametrize("title", ["Yes", "123", "null", "Legs: day #1", "- dash", "Übungen für Füße"])
def test_new_writes_any_title_as_it_was_given(tmp_path, title):
    target = tmp_path / "titled.yaml"
    result = CliRunner().invoke(app, ["new", str(target), "--from", "heel-press", "--title", title])
    assert result.exit_code == 0, result.output
    assert read_routine(target).title == title


def test_new_with_no_ids_says_so(tmp_path):
    result = CliRunner().invoke(app, ["new", str(tmp_path / "x.yaml"), "--from", " , "])
    assert result.exit_code == 2
    assert result.stderr == ("error: --from: names no catalog exercise (give ids such as "
                             "heel-press,childs-pose; run `audiocoach catalog` to see them)\n")


def test_new_tells_how_to_build_a_file_with_spaces_in_its_name(tmp_path):
    target = tmp_path / "my routine #1.yaml"
    result = CliRunner().invoke(app, ["new", str(target), "--from", "heel-press"])
    assert result.stdout == (f"Wrote {target} (and audiocoach.schema.json, with which editors "
                             f"complete and check it): edit it, then run `audiocoach build '{target}'`\n")


@pytest.mark.parametrize("option, value, count", [("--equipment", "Towel", 2),
                                                  ("--position", "Chair", 7),
                                                  ("--helps", "Knee Pain", 16)])
def test_catalog_filters_ignore_letter_case(option, value, count):
    result = CliRunner().invoke(app, ["catalog", option, value])
    assert result.exit_code == 0
    assert result.stderr == f"{count} exercises\n"


@pytest.mark.parametrize("option, value, fix", [
    ("--position", "ceiling", "(give one of chair, standing, floor)"),
    ("--equipment", "towl", "(did you mean `towel`? give one of chair, wall, towel, band, belt, pillow)"),
])
def test_catalog_refuses_a_position_or_equipment_it_does_not_know(option, value, fix):
    result = CliRunner().invoke(app, ["catalog", option, value])
    assert result.exit_code == 2
    assert result.stderr == (f"error: {option}: the catalog has no {option[2:]} '{value}' {fix}\n")


def test_new_leaves_a_schema_file_of_the_users_alone(tmp_path):
    mine = tmp_path / "audiocoach.schema.json"
    mine.write_text('{"mine": true}')
    result = CliRunner().invoke(app, ["new", str(tmp_path / "b.yaml"), "--from", "heel-press"])
    assert result.exit_code == 2
    assert "is not the schema audiocoach writes, and `new` would replace it" in result.stderr
    assert mine.read_text() == '{"mine": true}' and not (tmp_path / "b.yaml").exists()
    mine.unlink()  # a schema audiocoach wrote is refreshed
    assert CliRunner().invoke(app, ["new", str(tmp_path / "b.yaml"), "--from", "heel-press"]).exit_code == 0
    assert CliRunner().invoke(app, ["new", str(tmp_path / "c.yaml"), "--from", "heel-press"]).exit_code == 0


def test_new_that_cannot_finish_writing_leaves_the_routine_it_would_replace(tmp_path, monkeypatch):
    from pathlib import Path

    target = tmp_path / "mine.yaml"
    target.write_text("title: Mine\n")
    for name in ("write_text", "write_bytes"):
        original = getattr(Path, name)

        def full_disk(path, data, *args, original=original, **kwargs):
            if "Zebra" in (data if isinstance(data, str) else data.decode("utf-8", "replace")):
                path.open("w").close()  # the file is opened, then the disk is full
                raise OSError(28, "No space left on device")
            return original(path, data, *args, **kwargs)

        monkeypatch.setattr(Path, name, full_disk)
    result = CliRunner().invoke(app, ["new", str(target), "--from", "heel-press", "--title",
                                      "Zebra stretch", "--force"])
    assert result.exit_code == 1 and "No space left on device" in result.stderr
    assert target.read_text() == "title: Mine\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["audiocoach.schema.json", "mine.yaml"]


@pytest.mark.parametrize("force", [[], ["--force"]])
def test_new_onto_a_pipe_is_refused_as_a_usage_mistake_and_writes_nothing(tmp_path, force):
    import os

    pipe = tmp_path / "f.yaml"
    os.mkfifo(pipe)
    result = CliRunner().invoke(app, ["new", str(pipe), "--from", "heel-press", *force])
    assert result.exit_code == 2, result.output
    assert result.stderr == (f"{pipe}: is a device or a pipe, not a file, and writing here would "
                             "replace it (give the path of a file to write)\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.yaml"]


def test_new_beside_a_pipe_named_like_the_schema_writes_nothing(tmp_path):
    import os

    os.mkfifo(tmp_path / "audiocoach.schema.json")
    result = CliRunner().invoke(app, ["new", str(tmp_path / "a.yaml"), "--from", "heel-press"])
    assert result.exit_code == 2, result.output
    assert "audiocoach.schema.json: is a device or a pipe" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["audiocoach.schema.json"]
