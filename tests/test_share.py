"""The shared folder: feed, sidecars and pages, read the way podcast apps and players read them."""

from __future__ import annotations

import json
import re

import feedparser
import pytest
from conftest import headless_chromium
from typer.testing import CliRunner

from audiocoach.cli import app

ROUTINES = {
    "calves": """\
title: Calves at the wall
description: Two calf stretches.
intro: Stand facing a wall.
exercises:
  - use: wall-calf-stretch
    hold: 6s
    reps: 1
    prepare: 3s
  - name: Heel raises
    tempo: 2s
    reps: 3
outro: Well done.
""",
    "toes": """\
title: Toe presses
exercises:
  - {name: Toe presses, tempo: 2s, reps: 3, sets: 2, set_rest: 4s}
""",
}


@pytest.fixture(scope="module")
def shared(tmp_path_factory, fake_voice_in_module):
    folder = tmp_path_factory.mktemp("share")
    paths = []
    for stem, text in ROUTINES.items():
        (folder / f"{stem}.yaml").write_text(text)
        paths.append(str(folder / f"{stem}.yaml"))
    common = ["--engine", "piper", "--cache-dir", str(folder / "cache")]
    runner = CliRunner()
    result = runner.invoke(app, ["share", *paths, "-o", str(folder / "site"), *common])
    assert result.exit_code == 0, result.output
    plans = {}
    for stem, path in zip(ROUTINES, paths):
        plan = runner.invoke(app, ["plan", path, "--json", *common])
        plans[stem] = json.loads(plan.stdout)
    return folder, folder / "site", plans, paths, common


def test_the_folder_holds_every_file_for_every_routine(shared):
    _, site, _, _, _ = shared
    expected = {"index.html", "feed.xml", ".audiocoach-share.json"}
    for stem in ROUTINES:
        expected |= {f"{stem}.mp3", f"{stem}.html", f"{stem}.chapters.json", f"{stem}.vtt",
                     f"{stem}.cover.png"}
    assert {p.name for p in site.iterdir()} == expected


def test_the_feed_reads_as_a_podcast(shared):
    _, site, plans, _, _ = shared
    feed = feedparser.parse((site / "feed.xml").read_bytes())
    assert not feed.bozo, feed.bozo_exception
    assert [entry.title for entry in feed.entries] == [plans[s]["title"] for s in ROUTINES]
    for stem, entry in zip(ROUTINES, feed.entries):
        (enclosure,) = entry.enclosures
        assert enclosure.href == f"{stem}.mp3" and enclosure.type == "audio/mpeg"
        assert int(enclosure.length) == (site / f"{stem}.mp3").stat().st_size
        assert int(entry.itunes_duration) == round(plans[stem]["duration_s"])
        assert entry.id and not entry.guidislink
        assert entry.image.href == f"{stem}.cover.png"
    xml = (site / "feed.xml").read_text()
    for stem in ROUTINES:
        for tag, name, kind in (("chapters", f"{stem}.chapters.json", "application/json+chapters"),
                                ("transcript", f"{stem}.vtt", "text/vtt")):
            assert f'<podcast:{tag} url="{name}" type="{kind}"/>' in xml
            assert (site / name).is_file()


def test_gpodders_parser_lists_every_items_chapters_from_podlove_simple_chapters(shared):
    import io

    import podcastparser
    from lxml import etree

    _, site, plans, _, _ = shared
    feed = io.BytesIO((site / "feed.xml").read_bytes())
    parsed = podcastparser.parse("https://example.org/feed.xml", feed)
    episodes = {episode["title"]: episode for episode in parsed["episodes"]}  # newest first there
    assert sorted(episodes) == sorted(plans[s]["title"] for s in ROUTINES)
    for stem in ROUTINES:
        episode = episodes[plans[stem]["title"]]
        # podcastparser keeps whole seconds of the start written to the millisecond
        assert [(c["title"], c["start"]) for c in episode["chapters"]] == [
            (c["title"], round(c["start_s"] * 1000) // 1000) for c in plans[stem]["chapters"]]
    root = etree.fromstring((site / "feed.xml").read_bytes())
    psc = "{http://podlove.org/simple-chapters}"
    for stem, item in zip(ROUTINES, root.iter("item")):
        (chapters,) = item.iter(f"{psc}chapters")
        assert chapters.get("version") == "1.2"
        starts = [chapter.get("start") for chapter in chapters.iter(f"{psc}chapter")]
        assert starts == [vtt_clock(c["start_s"]) for c in plans[stem]["chapters"]]


def vtt_clock(seconds: float) -> str:
    """HH:MM:SS.mmm, written out here independently of the code under test."""
    millis = round(seconds * 1000)
    hours, minutes, seconds = millis // 3_600_000, millis // 60_000 % 60, millis // 1000 % 60
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{millis % 1000:03d}"


def test_chapters_json_and_vtt_hold_the_plan_to_the_millisecond(shared):
    _, site, plans, _, _ = shared
    for stem, plan in plans.items():
        chapters = json.loads((site / f"{stem}.chapters.json").read_text())
        assert chapters["version"].startswith("1.")
        assert [(c["title"], round(c["startTime"], 3), round(c["endTime"], 3))
                for c in chapters["chapters"]] == [
            (c["title"], round(c["start_s"], 3), round(c["end_s"], 3)) for c in plan["chapters"]]
        assert all(c["endTime"] > c["startTime"] for c in chapters["chapters"])
        text = (site / f"{stem}.vtt").read_text()
        assert text.startswith("WEBVTT\n")
        cues = re.findall(r"\n\d+\n(\d\d):(\d\d):(\d\d)\.(\d{3}) --> (\d\d):(\d\d):(\d\d)\.(\d{3})\n(.+)\n",
                          text)

        def seconds(h, m, s, ms):
            return int(h) * 3600 + int(m) * 60 + int(s) + int(ms) / 1000

        speech = [e for e in plan["events"] if e["kind"] == "speech"]
        assert [(round(seconds(*c[:4]), 3), round(seconds(*c[4:8]), 3), c[8]) for c in cues] == [
            (round(e["start_s"], 3), round(e["end_s"], 3), e["text"]) for e in speech]


def test_the_pages_show_the_routine_and_its_cautions_with_nothing_from_outside(shared):
    _, site, plans, _, _ = shared
    page = (site / "calves.html").read_text()
    assert "<h1>Calves at the wall</h1>" in page and 'src="calves.mp3"' in page
    import lxml.html

    starts = lxml.html.fromstring(page).xpath("//ol[@id='chapters']//button/@data-start")
    assert [float(start) for start in starts] == pytest.approx(
        [c["start_s"] for c in plans["calves"]["chapters"]], abs=0.0005)
    assert "Take care" in page  # the catalog entry's cautions
    index = (site / "index.html").read_text()
    assert 'href="calves.html"' in index and 'href="toes.html"' in index
    for html in (page, index):
        assert not re.search(r'(src|href)="(https?:)?//', html)  # no CDN, font or script from outside


def test_sharing_again_rewrites_nothing_and_keeps_the_guids(shared):
    folder, site, _, paths, common = shared
    before = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in site.iterdir()}
    guids = [entry.id for entry in feedparser.parse((site / "feed.xml").read_bytes()).entries]
    result = CliRunner().invoke(app, ["share", *paths, "-o", str(site), *common])
    assert result.exit_code == 0, result.output
    assert "Wrote 0 files" in result.stdout and "(13 unchanged)" in result.stdout
    assert {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in site.iterdir()} == before
    assert [e.id for e in feedparser.parse((site / "feed.xml").read_bytes()).entries] == guids


def test_a_base_url_makes_every_feed_link_absolute(shared, tmp_path):
    folder, _, _, paths, common = shared
    result = CliRunner().invoke(app, ["share", paths[1], "-o", str(tmp_path / "site"),
                                      "--base-url", "https://example.org/stretch/", *common])
    assert result.exit_code == 0, result.output
    (entry,) = feedparser.parse((tmp_path / "site" / "feed.xml").read_bytes()).entries
    assert entry.enclosures[0].href == "https://example.org/stretch/toes.mp3"
    assert entry.link == "https://example.org/stretch/toes.html"
    bad = CliRunner().invoke(app, ["share", paths[1], "-o", str(tmp_path / "x"), "--base-url", "example"])
    assert bad.exit_code == 2 and "is not a web address" in bad.stderr


def test_build_sidecars_writes_the_same_two_files_beside_a_build(shared, tmp_path):
    folder, site, _, paths, common = shared
    result = CliRunner().invoke(app, ["build", paths[1], "-o", str(tmp_path / "toes.mp3"), "--sidecars",
                                      *common])
    assert result.exit_code == 0, result.output
    for name in ("toes.chapters.json", "toes.vtt"):
        assert (tmp_path / name).read_bytes() == (site / name).read_bytes()


@pytest.fixture(scope="module")
def chromium():
    """Debian's headless Chromium, or a skip that says what is missing: one for the module."""
    driver = headless_chromium()
    yield driver
    driver.quit()


@pytest.fixture
def browser(chromium):
    """The browser phone-sized, its console emptied of earlier tests' messages, and left on a
    blank page afterwards."""
    # A phone's viewport (iPhone 12 to 15): 390 x 844 CSS pixels.
    chromium.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                             {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True})
    chromium.get_log("browser")
    yield chromium
    chromium.get("about:blank")


def test_the_player_page_in_a_real_browser(shared, browser, tmp_path):
    from conftest import serving
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    _, site, plans, _, _ = shared
    plan = plans["calves"]
    with serving(site) as port:
        base = f"http://127.0.0.1:{port}/"
        browser.get(base + "calves.html")
        WebDriverWait(browser, 10).until(
            lambda d: d.execute_script("return document.getElementById('audio').readyState >= 1"))
        duration = browser.execute_script("return document.getElementById('audio').duration")
        assert duration == pytest.approx(plan["duration_s"], abs=0.1)
        third = browser.find_elements(By.CSS_SELECTOR, "#chapters button")[2]
        third.click()
        WebDriverWait(browser, 5).until(lambda d: third.get_attribute("aria-current") == "true")
        current = browser.execute_script("return document.getElementById('audio').currentTime")
        assert current == pytest.approx(plan["chapters"][2]["start_s"], abs=0.1)
        assert [b.get_attribute("aria-current") for b in
                browser.find_elements(By.CSS_SELECTOR, "#chapters button")] == [None, None, "true"]
        browser.execute_script("document.getElementById('audio').pause()")
        assert browser.save_screenshot(str(tmp_path / "player.png"))
        assert browser.execute_script("return [innerWidth, innerHeight]") == [390, 844]
        resources = browser.execute_script(
            "return performance.getEntriesByType('resource').map(e => e.name)")
        errors = [entry for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
    from PIL import Image

    with Image.open(tmp_path / "player.png") as shot:
        assert shot.size == (390, 844)
    assert errors == []
    assert resources and all(url.startswith(base) or url.startswith("data:") for url in resources), resources


def test_the_pages_work_opened_from_disk(shared, browser):
    from selenium.webdriver.common.by import By

    _, site, _, _, _ = shared
    for page in ("index.html", "calves.html"):
        browser.get((site / page).as_uri())
        assert browser.find_element(By.TAG_NAME, "h1").text
        severe = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
        assert severe == [], (page, severe)


def test_a_german_page_gives_its_captions_the_pages_language(run, write_routine, browser, tmp_path):
    from conftest import serving
    from selenium.webdriver.support.ui import WebDriverWait

    path = write_routine("title: Waden\nvoice: {language: de}\nexercises:\n"
                         "  - {name: Wadendehnung, hold: 3s, countdown: 0}\n", "meine waden.yaml")
    assert run("share", path, "-o", tmp_path / "site").exit_code == 0
    plan = json.loads(run("plan", path, "--json").stdout)
    speech = [e["text"] for e in plan["events"] if e["kind"] == "speech"]
    with serving(tmp_path / "site") as port:
        browser.get(f"http://127.0.0.1:{port}/meine%20waden.html")
        cues = WebDriverWait(browser, 10).until(lambda d: d.execute_script(
            "var t = document.querySelector('#audio track');"
            "return t && t.track.cues && t.track.cues.length ? "
            "[t.srclang, Array.from(t.track.cues).map(c => c.text)] : null"))
    assert cues == ["de", speech]


def test_a_german_pages_play_button_and_captions_speak_german(run, write_routine, browser,
                                                              tmp_path):
    from conftest import serving
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    path = write_routine("title: Waden\nvoice: {language: de}\nexercises:\n"
                         "  - {name: Wadendehnung, hold: 3s, countdown: 0}\n", "waden.yaml")
    assert run("share", path, "-o", tmp_path / "site").exit_code == 0
    with serving(tmp_path / "site") as port:
        browser.get(f"http://127.0.0.1:{port}/waden.html")
        play = browser.find_element(By.ID, "play")

        def shown(_) -> tuple[str, str]:
            return play.text, play.get_attribute("aria-label")

        assert shown(browser) == ("▶\nAbspielen", "Abspielen")
        play.click()
        WebDriverWait(browser, 10).until(lambda d: shown(d) == ("❚❚\nPause", "Pause"))
        play.click()
        WebDriverWait(browser, 10).until(lambda d: shown(d) == ("▶\nAbspielen", "Abspielen"))
        label = browser.execute_script("return document.querySelector('#audio track').label")
    assert label == "Transkript"
