"""A share is all or nothing: one that fails leaves the folder byte for byte as it was, and one
that would overwrite files `share` did not write, or reads a damaged manifest, is refused."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROUTINE = """\
title: {title}
exercises:
  - name: Calf stretch
    hold: {hold}
    countdown: 0
"""


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file of the folder, hidden ones too, with its bytes."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture
def silent_music(write_routine) -> Path:
    """A routine that loads and plans, but fails once its track is mastered: it asks for a
    loudness its track cannot reach."""
    return write_routine(ROUTINE.format(title="Quiet", hold="5s") + "loudness: -5\n", "qm.yaml")


def test_a_routine_that_fails_leaves_the_tracks_it_shares_with_it_as_they_were(
        run, write_routine, silent_music, tmp_path):
    site = tmp_path / "col2"
    mine = write_routine(ROUTINE.format(title="My routine", hold="6s"), "my routine.yaml")
    assert run("share", mine, "-o", site).exit_code == 0
    before = snapshot(site)
    write_routine(ROUTINE.format(title="My routine", hold="9s"), "my routine.yaml")
    result = run("share", mine, silent_music, "-o", site)
    assert result.exit_code == 1, result.output
    assert "loudness: -5 LUFS is louder than this track can be made" in result.stderr
    assert "Wrote" not in result.stdout
    assert snapshot(site) == before  # the old track, its transcript, page, feed and index


def test_a_share_that_fails_into_a_new_folder_leaves_no_folder(run, write_routine, silent_music,
                                                              tmp_path):
    good = write_routine(ROUTINE.format(title="Hips", hold="6s"), "hip-to-heel.yaml")
    result = run("share", good, silent_music, "-o", tmp_path / "sh2")
    assert result.exit_code == 1, result.output
    assert not (tmp_path / "sh2").exists()
    # and a later share there holds only what it shares: no track of the failed one is left
    other = write_routine(ROUTINE.format(title="Toes", hold="6s"), "toes.yaml")
    assert run("share", other, "-o", tmp_path / "sh2", "--prune").exit_code == 0
    assert {p.name for p in (tmp_path / "sh2").iterdir()} == {
        "index.html", "feed.xml", ".audiocoach-share.json", "toes.mp3", "toes.html",
        "toes.chapters.json", "toes.vtt", "toes.cover.png"}


def test_a_loudness_out_of_reach_leaves_no_folder(run, write_routine, tmp_path):
    path = write_routine(ROUTINE.format(title="Hips", hold="6s"), "hip-to-heel.yaml")
    result = run("share", path, "-o", tmp_path / "sh3", "--loudness", "-5")
    assert result.exit_code == 1, result.output
    assert "-5 LUFS is louder than 'Hips' can be made" in result.stderr
    assert not (tmp_path / "sh3").exists()


def test_a_share_that_fails_into_an_empty_folder_of_the_users_keeps_the_folder(
        run, write_routine, tmp_path):
    (tmp_path / "mine").mkdir()
    path = write_routine(ROUTINE.format(title="Hips", hold="6s"), "hip-to-heel.yaml")
    assert run("share", path, "-o", tmp_path / "mine", "--loudness", "-5").exit_code == 1
    assert (tmp_path / "mine").is_dir() and snapshot(tmp_path / "mine") == {}


def test_a_feed_that_fails_leaves_neither_track_nor_page(run, write_routine, tmp_path,
                                                          monkeypatch):
    from audiocoach.publish import share

    def broken(*args, **kwargs):
        raise OSError("the feed could not be made")

    site = tmp_path / "site"
    path = write_routine(ROUTINE.format(title="Calves", hold="6s"), "calves.yaml")
    assert run("share", path, "-o", site).exit_code == 0
    before = snapshot(site)
    write_routine(ROUTINE.format(title="Calves", hold="8s"), "calves.yaml")
    monkeypatch.setattr(share, "feed_xml", broken)
    result = run("share", path, "-o", site)
    assert isinstance(result.exception, OSError)
    assert snapshot(site) == before


def test_checking_a_new_folder_makes_no_folder(tmp_path):
    from audiocoach.publish.share import prepare

    collection = prepare(tmp_path / "new" / "site", ["calves"])
    assert collection.listings == [] and not (tmp_path / "new").exists()


@pytest.mark.parametrize("name", ["index.html", "feed.xml"])
def test_a_folder_holding_the_users_own_index_or_feed_is_refused_before_building(
        run, write_routine, tmp_path, fake_engine, name):
    site = tmp_path / "site"
    site.mkdir()
    (site / name).write_text("my own page")
    path = write_routine(ROUTINE.format(title="Calves", hold="6s"), "calves.yaml")
    result = run("share", path, "-o", site)
    assert result.exit_code == 2, result.output
    assert result.stderr == (f"{site / name}: is not a file `audiocoach share` wrote, and sharing "
                             "here would overwrite it (choose another folder with -o, or move "
                             "the file away)\n")
    assert fake_engine.calls == []
    assert snapshot(site) == {name: b"my own page"}


def test_a_file_of_the_same_name_the_folders_manifest_does_not_list_is_refused(
        run, write_routine, tmp_path):
    site = tmp_path / "site"
    calves = write_routine(ROUTINE.format(title="Calves", hold="6s"), "calves.yaml")
    assert run("share", calves, "-o", site).exit_code == 0
    (site / "toes.mp3").write_bytes(b"someone else's track")
    toes = write_routine(ROUTINE.format(title="Toes", hold="6s"), "toes.yaml")
    result = run("share", toes, "-o", site)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{site / 'toes.mp3'}: is not a file `audiocoach share` wrote")
    assert (site / "toes.mp3").read_bytes() == b"someone else's track"
    # the folder's own index and feed, and the routines it lists, are share's to rewrite
    assert run("share", calves, "-o", site).exit_code == 0


LISTING = {"stem": "calves", "title": "Calves", "description": "", "seconds": 10.0,
           "size_bytes": 1000, "exercises": 1, "cover": "calves.cover.png", "language": "en",
           "chapters": [{"title": "Calves", "start": 0.0}],
           "published": "2026-01-01T00:00:00+00:00"}


def manifest(**routine) -> str:
    return json.dumps({"audiocoach_share": 1, "title": "T", "base_url": None,
                       "routines": [{**LISTING, **routine}]})


@pytest.mark.parametrize("text, message", [
    ("[]", "it holds a list, not the object `audiocoach share` writes"),
    ('"hello"', "it holds text, not the object `audiocoach share` writes"),
    ("{ not json", (":1:3: the folder's list of shared routines is damaged: it is not JSON: "
                    "expecting property name enclosed in double quotes")),
    ('{"audiocoach_share": 2}', ("it is not version 1 of the list `audiocoach share` writes "
                                 "(its `audiocoach_share` is 2)")),
    ('{"title": "T"}', ("it is not version 1 of the list `audiocoach share` writes (it has no "
                        "`audiocoach_share`)")),
    ('{"audiocoach_share": 1, "title": "T", "base_url": null, "routines": {}}',
     "its `routines` is an object, not a list"),
    (manifest(seconds="long"), "routine 1's `seconds` is text, not a whole number or a number"),
    (manifest(chapters=[{"title": "A"}]), "routine 1's chapter 1 has no `start`"),
    (manifest(stem="../../elsewhere"), ('routine 1\'s `stem` "../../elsewhere" is not a name '
                                        "`audiocoach share` gives a routine")),
    (manifest(cover="../notes.txt"),
     'routine 1\'s `cover` "../notes.txt" is not its cover\'s name'),
    (manifest(published="yesterday"), ('routine 1\'s `published` "yesterday" is not a date and '
                                       "time with its time zone")),
])
def test_a_damaged_manifest_is_described_in_plain_words_with_its_fix(
        run, write_routine, tmp_path, fake_engine, text, message):
    site = tmp_path / "site"
    site.mkdir()
    (site / ".audiocoach-share.json").write_text(text)
    path = write_routine(ROUTINE.format(title="Toes", hold="6s"), "toes.yaml")
    result = run("share", path, "-o", site)
    assert result.exit_code == 1, result.output
    (line,) = result.stderr.splitlines()
    assert line.startswith(str(site / ".audiocoach-share.json"))
    assert message in line
    assert line.endswith("(delete .audiocoach-share.json and share every routine of the folder "
                         "again)")
    assert "Error" not in line and "object has no attribute" not in line
    assert fake_engine.calls == [] and snapshot(site) == {".audiocoach-share.json": text.encode()}
