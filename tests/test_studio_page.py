"""The studio's page in a real headless Chromium against the real server: what a person composes
by the page alone is what `validate` and `plan` say of the saved file."""

from __future__ import annotations

import difflib
import json

import pytest
from studio_page_support import (  # chromium, chromium_page, fake_voice: the fixtures
    COMMENTED,
    PHONE,
    chromium,  # noqa: F401
    chromium_page,  # noqa: F401
    cli,
    exact,
    exercise,
    fake_voice,  # noqa: F401
    item_names,
    keep_screenshot,
    labelled,
    named,
    opened,
    plan_shown,
    problem_of,
    requested,
    retype,
    settled,
    shown_plan_total_text,
    studio,
    wait,
)


def test_a_routine_composed_by_the_page_alone_is_what_validate_and_plan_say(page, tmp_path):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select

    from audiocoach.api import load

    path = tmp_path / "my knees.yaml"  # a new file: the studio writes it on Save
    with studio(path, page) as base:
        requested(page)
        page.get(base)
        settled(page)
        assert page.find_element(By.ID, "status").text == "my knees.yaml is new: it is written when you save."
        page.execute_script(  # every total the page shows, as a screen reader would read it
            "window.totals = [];"
            "new MutationObserver(() => totals.push(document.getElementById('plan-total').textContent))"
            ".observe(document.getElementById('plan-total'), {childList: true, subtree: true});")
        routine = page.find_element(By.XPATH, "//section[h2='Routine']")
        labelled(routine, "Title").send_keys("Knees in the morning")

        catalog = page.find_element(By.XPATH, "//section[h2='Catalog']")
        labelled(catalog, "Search").send_keys("knee")
        Select(labelled(catalog, "Position")).select_by_visible_text("chair")
        listed = json.loads(cli("catalog", "knee", "--position", "chair", "--json").stdout)
        wait(page, lambda d: d.find_element(By.ID, "catalog-count").text
             == f"{len(listed)} exercises found.")
        found = catalog.find_elements(By.CSS_SELECTOR, "li")
        assert [li.find_element(By.TAG_NAME, "strong").text for li in found] == [
            entry["name"] for entry in listed]
        assert all("\nchair · " in li.text for li in found)
        picked = [entry["name"] for entry in listed[:2]]
        for name in picked:
            named(catalog, f"Add {name}").click()
        assert item_names(page) == picked

        named(page, "Add an exercise of my own").click()
        name = page.switch_to.active_element  # the new exercise's name, ready to type over
        assert name == labelled(exercise(page, "My exercise 3"), "Name")
        retype(name, "Wall sit")
        hold = labelled(exercise(page, "Wall sit"), "Hold")
        retype(hold, "30 secs")
        settled(page)
        shown = problem_of(page, hold)
        assert shown == "'30 secs' is not a duration (try 30s)"
        assert page.find_element(By.ID, "problem-count").text == "1 problem."
        named(page, "Save").click()  # an unfinished routine may be saved
        wait(page, lambda d: d.find_element(By.ID, "status").text.startswith("Saved my knees.yaml"))
        validated = cli("validate", path)
        assert validated.exit_code == 1
        assert validated.output.strip().endswith(f"exercises[2].hold: {shown}")

        retype(hold, "45s")
        settled(page)
        assert problem_of(page, hold) == ""
        assert page.find_element(By.ID, "problem-count").text == "No problems."

        edit = named(exercise(page, "Wall sit"), "Close Wall sit")  # its fields are open
        edit.send_keys("")  # focus it
        ActionChains(page).key_down(Keys.ALT).send_keys(Keys.ARROW_UP).key_up(Keys.ALT).perform()
        wait(page, lambda d: d.find_element(By.ID, "announce").get_attribute("textContent")
             == "Wall sit moved to position 2 of 3.")
        assert item_names(page) == [picked[0], "Wall sit", picked[1]]
        assert page.switch_to.active_element.accessible_name == "Close Wall sit"

        exact(page)
        shown_plan = plan_shown(page)
        totals = page.execute_script("return totals")
        named(page, "Save").click()
        wait(page, lambda d: d.find_element(By.ID, "status").text == "Saved my knees.yaml.")
        urls = requested(page)
        errors = [entry for entry in page.get_log("browser") if entry["level"] == "SEVERE"]

    assert errors == []
    assert cli("validate", path).exit_code == 0
    planned = cli("plan", path, "--json")
    assert planned.exit_code == 0, planned.output
    plan = json.loads(planned.stdout)
    assert [row["name"] for row in shown_plan["rows"]] == [c["title"] for c in plan["chapters"]]
    assert [row["name"] for row in shown_plan["rows"]] == [picked[0], "Wall sit", picked[1]]
    assert shown_plan["total"] == pytest.approx(plan["duration_s"], abs=1)
    for row, chapter in zip(shown_plan["rows"], plan["chapters"]):
        assert row["start"] == pytest.approx(chapter["start_s"], abs=1)
        assert row["length"] == pytest.approx(chapter["end_s"] - chapter["start_s"], abs=1)
        assert not row["estimated"]
    holds = [float(e.hold_s) if e.hold_s is not None else None for e in load(path).exercises]
    assert [row["hold"] for row in shown_plan["rows"]] == holds
    assert holds[1] == 45
    # Clips not yet spoken by the voice make an estimate, marked so, until the exact plan
    assert any(total.startswith("≈ estimated ") for total in totals), totals
    assert totals[-1] == shown_plan_total_text(shown_plan), totals
    assert urls and all(url.startswith((base, "data:")) for url in urls), urls


def test_a_commented_routine_saved_after_one_hold_changed_differs_in_that_line_alone(page, tmp_path):
    from selenium.webdriver.common.by import By

    path = tmp_path / "Übungen am Morgen.yaml"
    path.write_text(COMMENTED, encoding="utf-8")
    with opened(path, page):
        named(page, "Edit Heel press").click()
        retype(labelled(exercise(page, "Heel press"), "Hold"), "40s")
        settled(page)
        named(page, "Save").click()
        wait(page, lambda d: d.find_element(By.ID, "status").text == "Saved Übungen am Morgen.yaml.")
    before, after = COMMENTED.splitlines(), path.read_text(encoding="utf-8").splitlines()
    changed = [line for line in difflib.unified_diff(before, after, lineterm="", n=0)
               if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    assert len(changed) == 2, changed
    assert changed[0] == "-    hold: 30s       # not longer"
    assert changed[1].startswith("+    hold: 40s")


def test_an_exercise_played_in_the_page_lasts_its_chapter(page, tmp_path):
    from selenium.webdriver.common.by import By

    path = tmp_path / "knees.yaml"
    path.write_text(COMMENTED, encoding="utf-8")
    plan = json.loads(cli("plan", path, "--json").stdout)
    second = plan["chapters"][1]
    with opened(path, page):
        named(page, "Play Quad stretch").click()
        duration = wait(page, lambda d: d.execute_script(
            "const a = document.getElementById('preview');"
            "return a.readyState >= 1 && a.duration > 0 ? a.duration : null"))
        label = page.find_element(By.ID, "preview-label").text
    assert duration == pytest.approx(second["end_s"] - second["start_s"], abs=0.01)
    assert label.startswith(second["title"] + ", ")


def test_a_build_ends_in_a_player_that_plays_the_mp3(page, tmp_path):
    from selenium.webdriver.common.by import By

    path = tmp_path / "knees.yaml"
    path.write_text(COMMENTED, encoding="utf-8")
    with opened(path, page) as base:
        named(page, "Build MP3").click()
        wait(page, lambda d: d.find_element(By.ID, "player-box").is_displayed(), 60)
        page.execute_script("document.getElementById('player').play()")
        wait(page, lambda d: d.execute_script(
            "const a = document.getElementById('player'); return a.readyState >= 2 && a.currentTime > 0.3"))
        duration = page.execute_script("return document.getElementById('player').duration")
        source = page.execute_script("return document.getElementById('player').currentSrc")
    plan = json.loads(cli("plan", path, "--json").stdout)
    assert source == base + "files/output/knees.mp3"
    assert (tmp_path / "output" / "knees.mp3").stat().st_size > 0
    assert duration == pytest.approx(plan["duration_s"], abs=0.1)


def test_with_a_token_the_page_sends_it_with_every_request_it_makes(page, tmp_path):
    from selenium.webdriver.common.by import By

    path = tmp_path / "knees.yaml"
    path.write_text(COMMENTED, encoding="utf-8")
    with studio(path, page, token="let-me-in") as base:
        requested(page)
        page.get(base + "?token=let-me-in")
        settled(page)
        shown = page.find_element(By.ID, "problem-count").text, item_names(page)
        styled = page.execute_script("return getComputedStyle(document.body).backgroundColor")
        named(page, "Play Heel press").click()
        playable = wait(page, lambda d: d.execute_script(
            "return document.getElementById('preview').readyState >= 1"))
        urls = requested(page)
        page.get(base)
        refused = page.execute_script("return document.body.textContent")
    assert shown == ("No problems.", ["Heel press", "Quad stretch"])
    assert styled == "rgb(251, 250, 246)" and playable
    assert any("/api/events?token=let-me-in" in url for url in urls)
    assert "the studio's token is missing or wrong" in refused  # the page without it


def test_share_writes_the_folder_and_shows_its_address_and_a_qr_code_that_loads(page, tmp_path):
    from selenium.webdriver.common.by import By

    path = tmp_path / "knees.yaml"
    path.write_text(COMMENTED, encoding="utf-8")
    with opened(path, page):
        named(page, "Share").click()
        wait(page, lambda d: d.find_element(By.ID, "share-box").is_displayed(), 60)
        folder = page.find_element(By.ID, "share-folder").text
        link = page.find_element(By.ID, "share-address")
        address, href = link.text, link.get_attribute("href")
        qr = wait(page, lambda d: d.execute_script(
            "const q = document.getElementById('share-qr');"
            "return q.complete && q.naturalWidth ? [q.naturalWidth, q.alt] : null"))
    assert folder == "shared" and (tmp_path / "shared" / "knees.html").is_file()
    assert "knees.mp3" in (tmp_path / "shared" / "index.html").read_text(encoding="utf-8")
    assert address == href and address.startswith("http://") and address.endswith(":8000/")
    assert qr[0] > 100 and qr[1] == f"QR code of {address}"


def test_undo_and_redo_bring_back_and_take_away_a_deleted_exercise(page, tmp_path):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    path = tmp_path / "knees.yaml"
    path.write_text(COMMENTED, encoding="utf-8")
    with opened(path, page):
        names = item_names(page)
        named(page, "Delete Heel press").click()
        assert item_names(page) == names[1:]
        ActionChains(page).key_down(Keys.CONTROL).send_keys("z").key_up(Keys.CONTROL).perform()
        assert item_names(page) == names
        ActionChains(page).key_down(Keys.CONTROL).key_down(Keys.SHIFT).send_keys("z") \
            .key_up(Keys.SHIFT).key_up(Keys.CONTROL).perform()
        assert item_names(page) == names[1:]
        named(page, "Undo").click()
        settled(page)
        yaml = page.find_element(By.ID, "yaml").get_attribute("value")
    assert yaml == COMMENTED  # undone all the way: the file's own text


def test_an_edit_in_the_yaml_view_reaches_the_form_and_the_plan(page, tmp_path):
    from selenium.webdriver.common.by import By

    path = tmp_path / "knees.yaml"
    path.write_text(COMMENTED, encoding="utf-8")
    with opened(path, page):
        text = page.find_element(By.ID, "yaml")
        page.execute_script("arguments[0].value = arguments[1];"
                            "arguments[0].dispatchEvent(new Event('input'))",
                            text, COMMENTED.replace("hold: 30s", "hold: 1m"))
        settled(page)
        named(page, "Edit Heel press").click()
        hold = labelled(exercise(page, "Heel press"), "Hold").get_attribute("value")
        rows = plan_shown(page)["rows"]
        broken = COMMENTED.replace("hold: 30s", "hold: [1m")
        page.execute_script("arguments[0].value = arguments[1];"
                            "arguments[0].dispatchEvent(new Event('input'))", text, broken)
        settled(page)
        problems = page.find_element(By.ID, "yaml-problems").text
    assert hold == "1m" and rows[0]["hold"] == 60
    (tmp_path / "broken.yaml").write_text(broken, encoding="utf-8")
    said = cli("validate", tmp_path / "broken.yaml").output.strip()
    line, col, words = said.split(":", 3)[1:]
    assert problems == f"line {line}, column {col}:{words}"


@pytest.mark.parametrize("scheme, paper", [("light", "rgb(251, 250, 246)"), ("dark", "rgb(18, 25, 28)")])
def test_axe_finds_no_serious_violation(page, tmp_path, scheme, paper):
    from axe_selenium_python import Axe
    from selenium.webdriver.common.by import By

    path = tmp_path / "knees.yaml"
    path.write_text(COMMENTED, encoding="utf-8")
    page.execute_cdp_cmd("Emulation.setEmulatedMedia",
                         {"features": [{"name": "prefers-color-scheme", "value": scheme}]})
    with opened(path, page):
        for name in item_names(page):
            named(page, f"Edit {name}").click()
        named(page, "Play Heel press").click()
        named(page, "Share").click()
        wait(page, lambda d: d.find_element(By.ID, "preview-box").is_displayed()
             and d.find_element(By.ID, "share-box").is_displayed(), 60)
        hold = labelled(exercise(page, "Quad stretch"), "Hold")
        retype(hold, "20 secs")  # a problem shown at its field
        settled(page)
        assert problem_of(page, hold) == "'20 secs' is not a duration (try 20s)"
        assert page.execute_script("return getComputedStyle(document.body).backgroundColor") == paper
        assert page.find_element(By.ID, "problem-count").text == "1 problem."
        axe = Axe(page)
        axe.inject()
        results = axe.run()
        if scheme == "light":
            keep_screenshot(page, tmp_path)
    bad = [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
           for v in results["violations"] if v["impact"] in ("serious", "critical")]
    assert bad == [], json.dumps([v for v in results["violations"] if v["impact"] in ("serious", "critical")])[:3000]


def test_a_phone_sized_window_needs_no_sideways_scrolling(page, tmp_path):

    path = tmp_path / "a routine with a long name, to see where it wraps.yaml"
    path.write_text(COMMENTED, encoding="utf-8")
    page.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", PHONE)
    with opened(path, page):
        for name in item_names(page):
            named(page, f"Edit {name}").click()
        settled(page)
        sizes = page.execute_script(
            "return [innerWidth, document.documentElement.scrollWidth, document.body.scrollWidth]")
        wide = page.execute_script(
            "return [...document.querySelectorAll('body *')].filter(e => "
            "e.getBoundingClientRect().right > innerWidth + 0.5 && e.offsetParent !== null)"
            ".map(e => e.id || e.className || e.tagName).slice(0, 5)")
    assert sizes == [390, 390, 390] and wide == []


def test_a_file_that_is_not_yaml_is_fixed_in_the_text_view_and_saved_as_typed(page, tmp_path):
    from selenium.webdriver.common.by import By

    path = tmp_path / "knees.yaml"
    broken = COMMENTED.replace("hold: 30s", "hold: [30s")
    path.write_text(broken, encoding="utf-8")
    said = cli("validate", path).output.strip()
    with opened(path, page):
        problems = page.find_element(By.ID, "yaml-problems").text
        closed = page.execute_script("return [editor.inert, catalog.inert]")
        warned = page.find_element(By.ID, "yaml-broken").is_displayed()
        text = page.find_element(By.ID, "yaml")
        page.execute_script("arguments[0].value = arguments[1];"
                            "arguments[0].dispatchEvent(new Event('input'))", text, COMMENTED)
        settled(page)
        unlocked = page.execute_script("return [editor.inert, catalog.inert]"), item_names(page)
        named(page, "Save").click()
        wait(page, lambda d: d.find_element(By.ID, "status").text == "Saved knees.yaml.")
    line, col, words = said.split(":", 3)[1:]
    assert problems == f"line {line}, column {col}:{words}"
    assert closed == [True, True] and warned
    assert unlocked == ([False, False], ["Heel press", "Quad stretch"])
    assert path.read_text(encoding="utf-8") == COMMENTED


def test_an_item_that_is_no_mapping_shows_validates_problem_at_its_place(page, tmp_path):

    path = tmp_path / "knees.yaml"
    path.write_text(COMMENTED.replace("  - use: quad-stretch\n", "  - Plank\n  - use: quad-stretch\n"),
                    encoding="utf-8")
    said = cli("validate", path).output.strip()
    with opened(path, page):
        shown = page.execute_script(
            "return document.querySelectorAll('#exercise-list .item')[1].querySelector('.problem')"
            ".textContent")
        count = len(item_names(page))
        severe = [e for e in page.get_log("browser") if e["level"] == "SEVERE"]
    assert said.endswith(f"exercises[1]: {shown}") and count == 3
    assert severe == [], severe
