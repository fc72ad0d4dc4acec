"""What the studio page's browser tests share: the fake voice at a rate browsers play, the
studio on a free port, one headless Chromium, and reading what the page shows."""

from __future__ import annotations

import json
import os
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import numpy as np
import pytest
from conftest import MS_PER_CHAR, FakeEngine, free_port, headless_chromium, served
from typer.testing import CliRunner

SCREENSHOT_ENV = "AUDIOCOACH_STUDIO_SCREENSHOT"  # where to copy the README's screenshot
PHONE = {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True}
DESKTOP = {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False}
WIDE = {"width": 1480, "height": 940, "deviceScaleFactor": 1, "mobile": False}

COMMENTED = """\
# Knees, every morning
title: Knee morning   # said first
exercises:
  # warm up before anything else
  - name: Heel press
    hold: 30s       # not longer
    sides: both
  - use: quad-stretch
    hold: 20s
outro: Well done.
"""


class BrowserPlayableVoice(FakeEngine):
    """The fake voice at a sample rate a browser plays (it refuses 1 kHz WAV files)."""

    sample_rate_hz = 16000

    def synthesize(self, text: str) -> np.ndarray:
        FakeEngine.calls.append(text)
        t = np.arange(MS_PER_CHAR * len(text) * self.sample_rate_hz // 1000) / self.sample_rate_hz
        return (0.5 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)


@pytest.fixture(name="voice", scope="module")
def fake_voice(tmp_path_factory):
    """The fake voice for the server and the command line alike, with one clip cache."""
    from audiocoach.voice import engines

    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(engines.ENGINES, "piper", BrowserPlayableVoice)
        patch.setitem(engines.ENGINES, "gtts", BrowserPlayableVoice)
        patch.setattr("audiocoach.pipeline.google_reachable", lambda: False)
        patch.setenv("AUDIOCOACH_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        yield


def cli(*args):
    from audiocoach.cli import app

    return CliRunner().invoke(app, [str(a) for a in args])


@contextmanager
def studio(path: Path, driver, token: str | None = None) -> Iterator[str]:
    """The studio for `path` on a free port of 127.0.0.1, in a thread; yields its address.
    The browser leaves the page before the server stops, closing the page's event stream."""
    from audiocoach.studio.guard import own_hosts
    from audiocoach.studio.server import studio_app

    port = free_port()
    app = studio_app(path, token=token, allowed_hosts=own_hosts("127.0.0.1", port))
    with served(app, port):
        try:
            yield f"http://127.0.0.1:{port}/"
        finally:
            driver.get("about:blank")


@contextmanager
def opened(path: Path, driver) -> Iterator[str]:
    """`studio` for `path`, its page loaded in `driver` and settled; yields the studio's address."""
    with studio(path, driver) as base:
        driver.get(base)
        settled(driver)
        yield base


@pytest.fixture(name="browser", scope="module")
def chromium(voice):
    """Debian's headless Chromium, desktop-sized, logging every request it makes."""
    driver = headless_chromium(log_requests=True)
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", DESKTOP)
    yield driver
    driver.quit()


@pytest.fixture(name="page")
def chromium_page(browser):
    """The browser with its console and network logs emptied of earlier tests', left on a blank
    page afterwards so the studio's event stream closes."""
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", DESKTOP)
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})
    for log in ("browser", "performance"):
        browser.get_log(log)
    yield browser
    browser.get("about:blank")


def wait(driver, condition, seconds: float = 30):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, seconds, poll_frequency=0.05).until(condition)


def settled(driver) -> None:
    """Until the page has checked its latest change with the server."""
    wait(driver, lambda d: d.execute_script(
        "return document.getElementById('studio').getAttribute('aria-busy') === 'false'"))


def exact(driver) -> None:
    """Until the plan is exact: every clip synthesized, nothing marked estimated."""
    wait(driver, lambda d: d.execute_script(
        "const t = document.getElementById('plan-total');"
        "return t.dataset.estimated === 'false' && "
        "document.getElementById('studio').getAttribute('aria-busy') === 'false'"), 60)


def named(scope, name: str):
    """The button a screen reader calls `name`, inside `scope` (the page or a part of it)."""
    from selenium.webdriver.common.by import By

    driver = getattr(scope, "parent", scope)  # a part of the page knows its browser
    # The buttons whose label, labelling elements or text not hidden from screen readers read
    # `name`, found in one call; each is held to the name the browser's accessibility tree gives
    # it, and only when none has it, every button is.
    likely = driver.execute_script("""
        const [scope, name] = arguments;
        const said = text => (text || '').replace(/\\s+/g, ' ').trim();
        const labels = b => (b.getAttribute('aria-labelledby') || '').split(' ').filter(Boolean)
          .map(id => document.getElementById(id)).filter(Boolean).map(e => e.textContent).join(' ');
        const heard = node => node.nodeType === Node.TEXT_NODE ? node.textContent
          : node.nodeType === Node.ELEMENT_NODE && node.getAttribute('aria-hidden') !== 'true'
            ? [...node.childNodes].map(heard).join('') : '';
        return [...(scope || document).querySelectorAll('button')].filter(b =>
          [b.getAttribute('aria-label'), labels(b), heard(b)].some(t => said(t) === name));""",
        None if scope is driver else scope, name)
    for button in [*likely, *scope.find_elements(By.TAG_NAME, "button")]:
        if button.accessible_name == name:
            # in the middle of the window, as a user scrolls to it, not under the sticky bar
            driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", button)
            return button
    raise AssertionError(f"no button named {name!r}")


def labelled(scope, text: str):
    """The field whose label says `text`, inside `scope`."""
    from selenium.webdriver.common.by import By

    label = scope.find_element(By.XPATH, f".//label[normalize-space()='{text}']")
    return scope.find_element(By.ID, label.get_attribute("for")) if label.get_attribute("for") \
        else label.find_element(By.XPATH, ".//input|.//select|.//textarea")


def exercise(driver, name: str):
    """The exercise list's item headed `name` (after its number)."""
    from selenium.webdriver.common.by import By

    for item in driver.find_elements(By.CSS_SELECTOR, "#exercise-list > li"):
        if item.find_element(By.TAG_NAME, "h3").text.split(". ", 1)[1] == name:
            return item
    raise AssertionError(f"no exercise {name!r} in the list")


def problem_of(driver, field) -> str:
    """The problem a field is described by, as a screen reader reaches it (aria-describedby),
    after checking that the field says it is invalid exactly when there is one."""
    return driver.execute_script("""
        const input = arguments[0];
        const said = (input.getAttribute('aria-describedby') || '').split(' ').filter(Boolean)
          .map(id => document.getElementById(id)).filter(e => e.classList.contains('problem'))
          .map(e => e.textContent).join(' ');
        const invalid = input.getAttribute('aria-invalid') === 'true';
        return invalid === Boolean(said) ? said : 'inconsistent: ' + invalid + ' ' + said;""", field)


def retype(element, text: str) -> None:
    from selenium.webdriver.common.keys import Keys

    element.send_keys(Keys.CONTROL, "a")
    element.send_keys(Keys.DELETE)
    element.send_keys(text)


def item_names(driver) -> list[str]:
    return driver.execute_script(
        "return [...document.querySelectorAll('#exercise-list .item h3')]"
        ".map(h => h.textContent.replace(/^\\d+\\. /, ''))")


def plan_shown(driver) -> dict:
    """The plan as the page shows it: total, and each exercise's name, start, length and hold."""
    return driver.execute_script("""
        const seconds = text => text.split(':').reduce((m, s) => 60 * m + Number(s), 0);
        const clean = cell => cell.textContent.replace(/^≈ estimated /, '');
        return {
          total: seconds(clean(document.getElementById('plan-total'))),
          rows: [...document.querySelectorAll('#plan-table tbody tr')].map(row => ({
            name: row.cells[0].firstChild.textContent,
            hold: row.querySelector('.dose') ? parseFloat(row.querySelector('.dose')
              .textContent.replace('hold ', '')) : null,
            start: seconds(row.cells[1].textContent), length: seconds(clean(row.cells[2])),
            estimated: row.cells[2].dataset.estimated === 'true'}))};""")


def shown_plan_total_text(plan: dict) -> str:
    seconds = round(plan["total"])
    return f"{seconds // 60}:{seconds % 60:02d}"


def requested(driver) -> list[str]:
    """Every URL the page asked for since the last call (Chromium's network log)."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def keep_screenshot(driver, tmp_path: Path) -> None:
    """The README's picture of the studio, wide enough for its three columns, at the exercise
    with a problem; copied where $AUDIOCOACH_STUDIO_SCREENSHOT says."""
    from PIL import Image

    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", WIDE)
    driver.execute_script("document.querySelector('#exercise-list [aria-invalid=true]')"
                          ".closest('.item').scrollIntoView()")
    shot = tmp_path / "studio.png"
    assert driver.save_screenshot(str(shot))
    with Image.open(shot) as image:
        assert image.size == (WIDE["width"], WIDE["height"])
    if os.environ.get(SCREENSHOT_ENV):
        shutil.copyfile(shot, os.environ[SCREENSHOT_ENV])
