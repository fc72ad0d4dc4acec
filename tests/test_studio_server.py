"""The studio's server: its problems, plan, preview, build and share are the commands'."""

from __future__ import annotations

import io
import json
import time
import wave
from pathlib import Path

import numpy as np
import pytest
import requests
from studio_support import (  # open_studios: the fixture `studio`
    COMMENTED,
    Client,
    exercises_of,
    files_of,
    free_port,
    open_studios,  # noqa: F401
    read_events,
    routine_of,
    served,
    start_studio_command,
)

from audiocoach.errors import Problem
from audiocoach.studio.guard import own_hosts
from audiocoach.studio.server import studio_app

WRONG = """\
title: Wrong
exercises:
  - name: Neck roll
    hold: 10 seconds please
  - name: Calf raise
    hold: 8s
    sides: sometimes
"""


def validate_lines(run, path: Path) -> list[str]:
    result = run("validate", path)
    assert result.exit_code == 1
    return [line for line in (result.stderr or result.output).splitlines() if line]


def test_check_reports_the_problems_of_validate_word_for_word(studio, run):
    client, path = studio(text=WRONG)
    answer = client.post("/api/check", json={"routine": routine_of(client)}).json()
    assert answer["plan"] is None
    said = [str(Problem(p["message"], p["fix"], str(path), p["line"], p["col"], p["field"]))
            for p in answer["problems"]]
    assert said == validate_lines(run, path)
    assert [p["field"] for p in answer["problems"]] == ["exercises[0].hold", "exercises[1].sides"]


def test_check_of_typed_yaml_places_the_problem_where_validate_does(studio, run):
    client, path = studio()
    text = COMMENTED.replace("    hold: 8s\n", "    hold: [8s\n")
    answer = client.post("/api/check", json={"yaml": text}).json()
    path.write_text(text, encoding="utf-8")
    [problem] = answer["problems"]
    assert problem["line"] and problem["col"]
    assert [str(Problem(problem["message"], problem["fix"], str(path), problem["line"],
                        problem["col"], problem["field"]))] == validate_lines(run, path)
    assert answer["routine"] is None and answer["yaml"] == text


def test_the_plan_is_estimated_first_then_exact_and_agrees_with_plan_json(studio, run):
    client, path = studio()
    routine = routine_of(client)
    routine["exercises"][0]["hold"] = "14s"
    first = client.post("/api/check", json={"routine": routine}).json()
    assert first["problems"] == [] and first["plan"]["estimated"] is True
    assert all(exercise["estimated"] for exercise in first["plan"]["exercises"])
    client.session.wait()  # the missing clips, synthesized in the background
    second = client.post("/api/check", json={"routine": routine}).json()
    assert second["plan"]["estimated"] is False
    client.post("/api/save", json={"routine": routine})
    result = run("plan", "--json", path)
    assert result.exit_code == 0, result.output
    planned = json.loads(result.stdout)
    shown = second["plan"]
    assert [{k: e[k] for k in ("name", "start_s", "length_s")} for e in shown["exercises"]] == \
        exercises_of(planned)
    assert [e["hold_s"] for e in shown["exercises"]] == [14.0, 8.0, 12.0]
    assert shown["total_s"] == planned["duration_s"]
    assert shown["warnings"] == planned["warnings"]
    # the estimate was the same layout with guessed clip lengths: near, not equal
    assert first["plan"]["total_s"] != shown["total_s"]
    assert [e["name"] for e in first["plan"]["exercises"]] == \
        [e["name"] for e in shown["exercises"]]


def test_synthesis_progress_reaches_the_page_as_events(studio):
    client, path = studio()
    with client.get("/api/events", stream=True) as events:
        client.post("/api/check", json={"routine": routine_of(client)})
        seen = read_events(events, until="clips", finished=True)
    clips = [data for name, data in seen if name == "clips"]
    total = clips[-1]["total"]
    assert total > 5
    assert [c["done"] for c in clips[:-1]] == list(range(0, total + 1))
    assert client.post("/api/check", json={"routine": routine_of(client)}).json()[
        "plan"]["estimated"] is False


def test_a_preview_is_the_exercise_s_chapter_of_the_track_to_the_sample(studio, run):
    client, path = studio()
    answer = client.post("/api/preview", json={"routine": routine_of(client), "index": 1}).json()
    with wave.open(io.BytesIO(client.get(answer["url"]).content)) as audio:
        rate, frames = audio.getframerate(), audio.readframes(audio.getnframes())
    preview = np.frombuffer(frames, dtype="<i2")
    assert run("build", path, "--format", "wav", "-o", "whole.wav").exit_code == 0
    planned = json.loads(run("plan", "--json", path).stdout)
    chapter = planned["chapters"][1]
    assert chapter["title"] == "Calf raise"
    start, end = round(chapter["start_s"] * rate), round(chapter["end_s"] * rate)
    assert preview.size == end - start
    assert answer["length_s"] == pytest.approx(chapter["end_s"] - chapter["start_s"], abs=1e-6)
    with wave.open("whole.wav") as whole:
        track = np.frombuffer(whole.readframes(whole.getnframes()), dtype="<i2")
    assert np.array_equal(preview, track[start:end])  # same voice, sounds and loudness


def test_build_reports_progress_then_serves_the_mp3_that_audiocoach_build_writes(studio, run):
    client, path = studio("Abend Übung.yaml")
    with client.get("/api/events", stream=True) as events:
        job = client.post("/api/build", json={"routine": routine_of(client)}).json()["job"]
        seen = read_events(events, until="built")
    stages = [(data["stage"], data["done"]) for name, data in seen
              if name == "build" and data["job"] == job]
    assert stages[0] == ("voice", 0) and stages[-1] == ("encoding", 1)
    assert ("voice", 1) in stages  # a clip synthesized
    built = seen[-1][1]
    assert built == {"job": job, "url": "/files/output/Abend%20%C3%9Cbung.mp3"}
    served = client.get(built["url"])
    assert served.headers["content-type"] == "audio/mpeg"
    assert run("build", path).exit_code == 0
    assert served.content == Path("output/Abend Übung.mp3").read_bytes()
    assert (path.parent / "output" / "Abend Übung.mp3").read_bytes() == served.content
    part = client.get(built["url"], headers={"Range": "bytes=100-199"})
    assert part.status_code == 206 and part.content == served.content[100:200]


def test_share_writes_the_folder_audiocoach_share_writes_and_shows_its_address(studio, run):
    client, path = studio()
    answer = client.post("/api/share", json={"routine": routine_of(client), "folder": "shared"})
    assert answer.status_code == 200, answer.text
    shared = answer.json()
    assert shared["folder"] == "shared"
    assert shared["address"].startswith("http://") and shared["address"].endswith(":8000/")
    assert shared["qr_svg"].startswith("<svg") and "<path" in shared["qr_svg"]
    assert shared["command"] == "audiocoach serve shared --host 0.0.0.0"
    assert run("share", path, "-o", "cli-share").exit_code == 0
    ours, theirs = path.parent / "shared", Path("cli-share")
    assert sorted(files_of(ours)) == sorted(files_of(theirs))
    assert (ours / "routine.mp3").read_bytes() == (theirs / "routine.mp3").read_bytes()
    assert client.get(shared["page"]).text == (theirs / "routine.html").read_text()


@pytest.mark.parametrize("route", ["/api/check", "/api/save", "/api/preview", "/api/build",
                                   "/api/share"])
def test_a_request_that_is_not_json_is_answered_with_a_problem(studio, route):
    client, path = studio()
    answer = client.post(route, data=b"{not json", headers={"Content-Type": "application/json"})
    assert answer.status_code == 400
    assert answer.json()["problems"][0]["message"].startswith("the request is not JSON")
    assert path.read_text() == COMMENTED


def test_json_nested_too_deep_or_too_big_is_answered_with_a_problem(studio):
    client, path = studio()
    deep = client.post("/api/check", data=b"[" * 100_000 + b"]" * 100_000)
    assert deep.status_code == 400
    assert "nests thousands of levels deep" in deep.json()["problems"][0]["message"]
    big = client.post("/api/save", data=b'{"yaml": "' + b"x" * 5_000_000 + b'"}')
    assert big.status_code == 400
    assert big.json()["problems"][0]["message"] == "the request is over 4 MB, more than any routine"
    assert path.read_text() == COMMENTED


@pytest.mark.parametrize("body", [{"routine": ["a", "list"]}, {"routine": "text"}, [1, 2],
                                  {"yaml": 5}, {}])
def test_a_routine_that_is_not_a_mapping_is_answered_with_a_problem(studio, body):
    client, path = studio()
    for route in ("/api/check", "/api/save"):
        answer = client.post(route, json=body)
        assert answer.status_code == 422
        [problem] = answer.json()["problems"]
        assert problem["message"] and problem["fix"]
    assert path.read_text() == COMMENTED


def test_a_yaml_mistake_is_a_problem_with_line_and_column(studio):
    client, _ = studio()
    answer = client.post("/api/check", json={"yaml": "title: x\nexercises:\n  - name: 'a\n"})
    assert answer.status_code == 200
    [problem] = answer.json()["problems"]
    assert problem["message"].startswith("not valid YAML")
    assert (problem["line"], problem["col"]) == (4, 1)


@pytest.mark.parametrize("index", [3, -1, "1", None, True])
def test_a_preview_of_an_exercise_that_is_not_there_is_a_problem(studio, index):
    client, _ = studio()
    answer = client.post("/api/preview", json={"routine": routine_of(client), "index": index})
    assert answer.status_code == 422
    [problem] = answer.json()["problems"]
    assert problem["field"] == "index"
    assert problem["fix"] == "give an index from 0 to 2"


def test_an_existing_file_that_is_not_yaml_opens_with_its_problem(studio):
    client, _ = studio(text="title: [unclosed\n")
    state = client.get("/api/state").json()
    assert state["routine"] is None and state["yaml"] == "title: [unclosed\n"
    answer = client.post("/api/check", json={"yaml": state["yaml"]}).json()
    assert answer["problems"][0]["line"] == 2


def test_state_gives_the_schema_of_audiocoach_schema_and_what_can_be_chosen(studio, run):
    client, _ = studio()
    state = client.get("/api/state").json()
    assert state["schema"] == json.loads(run("schema").stdout)
    assert state["routine"]["exercises"][0] == {"name": "Neck roll", "hold": "10s", "rest": "5s"}
    assert state["yaml"] == COMMENTED
    assert state["engines"][:3] == ["auto", "piper", "gtts"]
    assert "en_US-joe-medium" in state["voices"]
    assert {"de", "en", "fr"} <= set(state["languages"])
    assert "gong" in state["sounds"]


def test_catalog_search_finds_what_audiocoach_catalog_finds(studio, run):
    client, _ = studio()
    found = client.get("/api/catalog", params={"q": "knee", "position": "chair",
                                               "equipment": "towel"}).json()
    listed = json.loads(run("catalog", "knee", "--position", "chair", "--equipment", "towel",
                            "--json").stdout)
    assert [e["id"] for e in found["entries"]] == [e["id"] for e in listed] != []
    assert found["positions"] == ["chair", "standing", "floor"]
    # an entry added as the page adds it is a valid exercise of the routine
    routine = routine_of(client)
    routine["exercises"].append(found["entries"][0]["exercise"])
    answer = client.post("/api/check", json={"routine": routine}).json()
    assert answer["problems"] == []
    assert answer["plan"]["exercises"][-1]["name"] == found["entries"][0]["name"]
    wrong = client.get("/api/catalog", params={"position": "sofa"})
    assert wrong.status_code == 422
    assert wrong.json()["problems"][0]["field"] == "position"


def test_the_studio_command_prints_its_address_and_serves_the_file(tmp_path):
    process, said = start_studio_command("new routine.yaml", cwd=tmp_path)
    try:
        assert said.startswith("Studio: http://127.0.0.1:"), said
        address = said.split()[1]
        state = requests.get(address + "api/state", timeout=10).json()
        assert state["file"] == "new routine.yaml" and state["exists"] is False
    finally:
        process.terminate()
        process.wait(10)


def test_with_the_real_voice_the_plan_turns_exact_and_agrees_with_plan_json(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from audiocoach.cli import app

    monkeypatch.setenv("AUDIOCOACH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr("audiocoach.pipeline.google_reachable", lambda: False)
    path = tmp_path / "short.yaml"
    path.write_text("title: Short\nvoice: {engine: piper}\nexercises:\n"
                    "  - name: Heel press\n    hold: 6s\n  - name: Wall push\n    hold: 5s\n")
    port = free_port()
    with served(studio_app(path, token=None, allowed_hosts=own_hosts("127.0.0.1", port)), port):
        client = Client(port, f"127.0.0.1:{port}")
        routine = routine_of(client)
        first = client.post("/api/check", json={"routine": routine}).json()["plan"]
        assert first["estimated"] is True
        for _ in range(600):
            plan = client.post("/api/check", json={"routine": routine}).json()["plan"]
            if not plan["estimated"]:
                break
            time.sleep(0.2)
    planned = json.loads(CliRunner().invoke(app, ["plan", "--json", str(path)]).stdout)
    assert plan["total_s"] == planned["duration_s"]
    assert abs(first["total_s"] - planned["duration_s"]) < 10  # the estimate was near
    expected = exercises_of(planned)
    assert [e["name"] for e in plan["exercises"]] == [e["name"] for e in expected]
    for shown, wanted in zip(plan["exercises"], expected):
        assert shown["start_s"] == wanted["start_s"]
        assert shown["length_s"] == pytest.approx(wanted["length_s"], abs=2e-6)  # both rounded


def test_with_an_intro_rests_and_announcements_each_exercise_has_its_own_chapter(studio, run):
    client, path = studio(text="title: Mixed\nintro: Sit tall on a firm chair.\nexercises:\n"
                               "  - name: Heel press\n    hold: 6s\n  - rest: 10s\n"
                               "  - say: Now the other leg.\n  - name: Wall push\n    hold: 5s\n")
    routine = routine_of(client)
    client.post("/api/check", json={"routine": routine})
    client.session.wait()
    shown = client.post("/api/check", json={"routine": routine}).json()["plan"]
    planned = json.loads(run("plan", "--json", path).stdout)
    assert [{k: e[k] for k in ("name", "start_s", "length_s")} for e in shown["exercises"]] == \
        exercises_of(planned, intro=True)
    assert [e["name"] for e in shown["exercises"]] == ["Heel press", "Wall push"]


def test_clips_the_voice_cannot_make_are_a_problem_and_not_asked_for_again(studio, fake_engine,
                                                                           monkeypatch):
    from audiocoach.errors import AudiocoachError

    def refuse(self, text):
        fake_engine.calls.append(text)
        raise AudiocoachError.engine("the voice model file is damaged",
                                     "add the voice again with `audiocoach voices add`")

    monkeypatch.setattr(fake_engine, "synthesize", refuse)
    client, _ = studio()
    routine = routine_of(client)
    assert client.post("/api/check", json={"routine": routine}).json()["plan"]["estimated"]
    client.session.wait()
    tried = len(fake_engine.calls)
    assert tried >= 1
    answer = client.post("/api/check", json={"routine": routine}).json()
    assert answer["plan"] is None
    assert answer["problems"] == [{"message": "the voice model file is damaged",
                                   "fix": "add the voice again with `audiocoach voices add`",
                                   "line": None, "col": None, "field": "voice"}]
    client.session.wait()
    assert len(fake_engine.calls) == tried


def test_a_file_the_studio_cannot_show_whole_is_refused_before_it_starts(tmp_path, run):
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("title: Übungen\nexercises: []\n".encode("latin-1"))
    result = run("studio", latin, "--no-browser", "--port", "0")
    assert result.exit_code == 1
    assert result.output.strip() == validate_lines(run, latin)[0]
    big = tmp_path / "big.yaml"
    big.write_text("# " + "x" * 1_000_001 + "\ntitle: T\n")
    result = run("studio", big, "--no-browser", "--port", "0")
    assert result.exit_code == 1 and "over 1000 kB" in result.output
    assert big.stat().st_size > 1_000_000
