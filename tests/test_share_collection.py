"""A share folder as a collection: routines added, kept, updated and pruned; names and options
refused before anything is built."""

from __future__ import annotations

import json

import feedparser
import pytest

ROUTINE = """\
title: {title}
exercises:
  - name: {title} stretch
    hold: 3s
    countdown: 0
"""


@pytest.fixture
def routines(write_routine):
    """Routine files by stem, each titled after its stem."""
    def make(*stems: str) -> list[str]:
        return [str(write_routine(ROUTINE.format(title=stem.capitalize()), f"{stem}.yaml"))
                for stem in stems]
    return make


def feed_items(site) -> list[tuple[str, str, str]]:
    """(title, guid, enclosure) of every item, as a podcast app reads them."""
    feed = feedparser.parse((site / "feed.xml").read_bytes())
    assert not feed.bozo, feed.bozo_exception
    return [(entry.title, entry.id, entry.enclosures[0].href) for entry in feed.entries]


def index_links(site) -> list[str]:
    import lxml.html

    return lxml.html.fromstring((site / "index.html").read_bytes()).xpath("//h2/a/@href")


def track_files(stem: str) -> set[str]:
    return {f"{stem}.{kind}" for kind in ("mp3", "html", "chapters.json", "vtt", "cover.png")}


def test_sharing_more_routines_into_a_folder_keeps_the_ones_it_held(run, routines, tmp_path):
    site = tmp_path / "site"
    first = run("share", *routines("calves", "toes"), "-o", site)
    assert first.exit_code == 0, first.output
    before = feed_items(site)
    second = run("share", *routines("hips"), "-o", site)
    assert second.exit_code == 0, second.output
    assert ("Kept 2 other routines of the folder: calves, toes (--prune removes those not "
            "named).") in second.stdout
    assert index_links(site) == ["calves.html", "toes.html", "hips.html"]
    items = feed_items(site)
    assert items[:2] == before  # subscribers keep their items, under the same ids
    assert [title for title, _, _ in items] == ["Calves", "Toes", "Hips"]
    for stem in ("calves", "toes", "hips"):
        assert track_files(stem) <= {p.name for p in site.iterdir()}


def test_a_routine_shared_again_is_updated_in_its_place(run, routines, write_routine, tmp_path):
    site = tmp_path / "site"
    assert run("share", *routines("calves", "toes"), "-o", site).exit_code == 0
    guids = [guid for _, guid, _ in feed_items(site)]
    write_routine(ROUTINE.format(title="Calves again"), "calves.yaml")
    result = run("share", tmp_path / "calves.yaml", "-o", site)
    assert result.exit_code == 0, result.output
    items = feed_items(site)
    assert [title for title, _, _ in items] == ["Calves again", "Toes"]
    assert [guid for _, guid, _ in items] == guids


def test_prune_removes_the_routines_not_named_and_only_their_files(run, routines, tmp_path):
    site = tmp_path / "site"
    assert run("share", *routines("calves", "toes", "hips"), "-o", site).exit_code == 0
    (site / "notes.txt").write_text("mine")  # a file audiocoach did not write
    result = run("share", *routines("toes"), "-o", site, "--prune")
    assert result.exit_code == 0, result.output
    assert "Removed calves, hips (10 files)." in result.stdout
    assert index_links(site) == ["toes.html"]
    assert [title for title, _, _ in feed_items(site)] == ["Toes"]
    assert {p.name for p in site.iterdir() if not p.name.startswith(".")} == (
        track_files("toes") | {"index.html", "feed.xml", "notes.txt"})


def test_the_manifest_lists_what_the_folder_holds(run, routines, tmp_path):
    site = tmp_path / "site"
    assert run("share", *routines("calves"), "-o", site, "--title", "Feet first",
               "--base-url", "https://example.org/feet").exit_code == 0
    manifest = json.loads((site / ".audiocoach-share.json").read_text())
    assert manifest["title"] == "Feet first" and manifest["base_url"] == "https://example.org/feet/"
    assert [(r["stem"], r["title"], r["cover"]) for r in manifest["routines"]] == [
        ("calves", "Calves", "calves.cover.png")]
    assert not [p for p in site.iterdir() if p.name.endswith(".part")]  # no temporary left


def test_title_and_base_url_stay_the_folders_until_given_again(run, routines, tmp_path):
    site = tmp_path / "site"
    assert run("share", *routines("calves"), "-o", site, "--title", "Feet first",
               "--base-url", "https://example.org/feet/").exit_code == 0
    result = run("share", *routines("toes"), "-o", site)
    assert result.exit_code == 0, result.output
    feed = feedparser.parse((site / "feed.xml").read_bytes())
    assert feed.feed.title == "Feet first"
    assert [e.enclosures[0].href for e in feed.entries] == [
        "https://example.org/feet/calves.mp3", "https://example.org/feet/toes.mp3"]
    assert "Feed: https://example.org/feet/feed.xml" in result.stdout


@pytest.mark.parametrize("stem, clash", [
    ("index", "overwrite the folder's own index.html"),
    ("Index", "overwrite the folder's own index.html"),  # one file on macOS and Windows disks
    ("feed", "take the name of the folder's own feed.xml"),
])
def test_a_routine_named_like_the_folders_own_files_is_refused_before_building(
        run, routines, tmp_path, fake_engine, stem, clash):
    site = tmp_path / "site"
    assert run("share", *routines("calves"), "-o", site).exit_code == 0
    before = {p.name: p.read_bytes() for p in site.iterdir()}
    fake_engine.calls.clear()
    result = run("share", *routines(stem), "-o", site)
    assert result.exit_code == 2
    assert result.stderr == (f"error: a routine named `{stem}` would {clash} "
                             f"(rename the routine file, e.g. to {stem}-routine.yaml)\n")
    assert fake_engine.calls == []  # nothing synthesized, nothing built
    assert {p.name: p.read_bytes() for p in site.iterdir()} == before


def test_a_routine_whose_name_differs_from_anothers_only_in_case_is_refused(run, routines, tmp_path,
                                                                  fake_engine):
    site = tmp_path / "site"
    assert run("share", *routines("calves"), "-o", site).exit_code == 0
    fake_engine.calls.clear()
    result = run("share", *routines("Calves"), "-o", site)
    assert result.exit_code == 2 and fake_engine.calls == []
    assert result.stderr == ("error: a routine named `Calves` would overwrite the files of the "
                             "shared routine `calves` (rename the routine file, e.g. to "
                             "Calves-routine.yaml)\n")
    # With --prune the old one goes, so the new one may take its name.
    pruned = run("share", *routines("Calves"), "-o", site, "--prune")
    assert pruned.exit_code == 0, pruned.output
    assert index_links(site) == ["Calves.html"] and (site / "Calves.mp3").is_file()


@pytest.mark.parametrize("title, message", [
    ("", "error: --title: is empty (give it a title, e.g. --title 'Morning stretches')"),
    ("   ", "error: --title: is empty (give it a title, e.g. --title 'Morning stretches')"),
    ("Bell\x07", "error: --title: contains the control character U+0007"),
])
def test_a_title_the_feed_cannot_hold_is_refused_before_anything_is_written(
        run, routines, tmp_path, fake_engine, title, message):
    result = run("share", *routines("calves"), "-o", tmp_path / "site", "--title", title)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(message) and "Traceback" not in result.output
    assert fake_engine.calls == [] and not (tmp_path / "site").exists()


def test_a_folder_that_cannot_be_made_is_refused_before_building(run, routines, tmp_path,
                                                                fake_engine):
    (tmp_path / "taken").write_text("a file")
    result = run("share", *routines("calves"), "-o", tmp_path / "taken" / "site")
    assert result.exit_code == 1
    assert result.stderr == (f"{tmp_path / 'taken' / 'site'}: cannot write this folder: Not a "
                             "directory (choose another folder with -o)\n")
    assert fake_engine.calls == []


def test_the_python_api_refuses_a_bad_title_with_the_domain_error(tmp_path):
    from audiocoach.errors import AudiocoachError, Kind
    from audiocoach.publish.share import share

    with pytest.raises(AudiocoachError) as caught:
        share([], tmp_path / "site", title="")
    assert caught.value.kind == Kind.USAGE
    assert str(caught.value) == ("--title: is empty (give it a title, e.g. --title 'Morning "
                                 "stretches')")


def test_two_routines_named_alike_but_for_case_in_one_share_are_refused(run, routines, tmp_path,
                                                                       fake_engine):
    result = run("share", *routines("calves", "CALVES"), "-o", tmp_path / "site")
    assert result.exit_code == 2 and fake_engine.calls == []
    assert result.stderr == ("error: a routine named `CALVES` would overwrite the files of the "
                             "routine `calves` (rename the routine file, e.g. to "
                             "CALVES-routine.yaml)\n")
    assert not (tmp_path / "site").exists()


def test_a_routine_whose_name_starts_with_a_dot_is_refused(run, write_routine, tmp_path):
    path = write_routine(ROUTINE.format(title="Hidden"), ".calves.yaml")
    result = run("share", path, "-o", tmp_path / "site")
    assert result.exit_code == 2
    assert result.stderr == ("error: a routine named `.calves` would have hidden files, which "
                             "many web servers (and `audiocoach serve`) do not serve (rename the "
                             "routine file, e.g. to calves.yaml)\n")


def test_a_routine_that_changes_its_cover_leaves_no_old_cover_behind(run, write_routine, tmp_path):
    from PIL import Image

    Image.new("RGB", (64, 64), "teal").save(tmp_path / "art.jpg")
    site = tmp_path / "site"
    path = write_routine(ROUTINE.format(title="Calves") + "cover: art.jpg\n", "calves.yaml")
    assert run("share", path, "-o", site).exit_code == 0
    assert (site / "calves.cover.jpg").is_file() and not (site / "calves.cover.png").exists()
    write_routine(ROUTINE.format(title="Calves"), "calves.yaml")  # the drawn cover now
    assert run("share", path, "-o", site).exit_code == 0
    assert (site / "calves.cover.png").is_file() and not (site / "calves.cover.jpg").exists()
    assert 'src="calves.cover.png"' in (site / "index.html").read_text()
