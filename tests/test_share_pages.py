"""What the shared pages, feed and transcript say: links that reach their files whatever the
routine is called, the routine's language, and text shown as text."""

from __future__ import annotations

import html
import re
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import feedparser
import lxml.html
import pytest
from lxml import etree

ROUTINE = """\
title: {title}
exercises:
  - name: Calf stretch
    hold: 3s
    countdown: 0
"""
ODD_STEMS = ["my stretch #1?", "a&b=c", "Füße 100%"]
BASE = "https://example.org/my stretches/"
ENCODED_BASE = "https://example.org/my%20stretches/"
# RFC 3986: what a URI may hold as it is; anything else must be percent-encoded.
URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:"
                 r"(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})*")


def links(page: bytes) -> list[str]:
    """Every address a page asks the browser for, or links to, within the folder."""
    tree = lxml.html.fromstring(page)
    found = tree.xpath("//@href | //@src | //@data-captions")
    return [url for url in found if not url.startswith(("data:", "#"))]


def file_named(site: Path, url: str) -> Path:
    """The folder's file a relative URL reaches, as a browser resolves it."""
    parts = urlsplit(urljoin("http://host/site/", url))
    assert not parts.query and not parts.fragment, url
    assert parts.path.startswith("/site/"), url
    return site / unquote(parts.path.removeprefix("/site/"))


@pytest.fixture
def odd_site(run, write_routine, tmp_path):
    paths = [write_routine(ROUTINE.format(title=f"Routine {n}"), f"{stem}.yaml")
             for n, stem in enumerate(ODD_STEMS)]
    result = run("share", *paths, "-o", tmp_path / "site", "--base-url", BASE)
    assert result.exit_code == 0, result.output
    return tmp_path / "site"


def test_page_links_reach_files_named_with_spaces_hash_ampersand_percent_and_umlauts(odd_site):
    for page in ["index.html", *(f"{stem}.html" for stem in ODD_STEMS)]:
        urls = links((odd_site / page).read_bytes())
        assert urls
        for url in urls:
            assert file_named(odd_site, url).is_file(), (page, url)
    index = links((odd_site / "index.html").read_bytes())
    assert {unquote(url) for url in index} >= {f"{stem}.{kind}" for stem in ODD_STEMS
                                               for kind in ("html", "mp3", "cover.png")}


def test_feed_urls_are_valid_absolute_uris_of_the_files(odd_site):
    root = etree.fromstring((odd_site / "feed.xml").read_bytes())
    urls = root.xpath("//link/text() | //enclosure/@url | //*[local-name()='image']/@href"
                      " | //*[local-name()='chapters' or local-name()='transcript']/@url")
    assert len(urls) == 2 + 5 * len(ODD_STEMS)  # the channel's link and image, five per item
    for url in urls:
        assert URI.fullmatch(url), url
        assert url.startswith(ENCODED_BASE), url
        assert (odd_site / unquote(url.removeprefix(ENCODED_BASE))).is_file(), url
    feed = feedparser.parse((odd_site / "feed.xml").read_bytes())
    assert [entry.enclosures[0].href for entry in feed.entries] == [
        ENCODED_BASE + "my%20stretch%20%231%3F.mp3", ENCODED_BASE + "a%26b%3Dc.mp3",
        ENCODED_BASE + "F%C3%BC%C3%9Fe%20100%25.mp3"]


def test_serve_answers_every_link_of_the_pages(odd_site):
    from conftest import serving
    from test_serve import request

    with serving(odd_site) as port:
        for url in links((odd_site / "index.html").read_bytes()):
            if url == "feed.xml":
                continue
            response, body = request(port, "GET", "/" + url)
            assert response.status == 200, url
            assert body == file_named(odd_site, url).read_bytes(), url


@pytest.mark.parametrize("base, expected", [
    ("https://example.org/stretch", "https://example.org/stretch/"),
    ("https://example.org/Übungen/", "https://example.org/%C3%9Cbungen/"),
    ("https://example.org/a%20b/", "https://example.org/a%20b/"),  # already encoded: kept
    ("https://Bücher.example/x/", "https://xn--bcher-kva.example/x/"),
    ("HTTP://example.org:8080", "http://example.org:8080/"),
])
def test_a_base_url_becomes_the_absolute_address_of_a_folder(base, expected):
    from audiocoach.publish.share import web_address

    assert web_address(base) == expected


@pytest.mark.parametrize("base, message", [
    ("example.org/x", "--base-url: example.org/x is not a web address (start it with https://)"),
    ("ftp://example.org/", "--base-url: ftp://example.org/ is not a web address"),
    ("https://example.org/x?a=1", "--base-url: https://example.org/x?a=1 has a query or fragment"),
    ("https://example.org:99999/",
     "--base-url: https://example.org:99999/ has no valid host and port"),
])
def test_a_base_url_that_is_no_folder_address_is_refused(base, message):
    from audiocoach.errors import AudiocoachError, Kind
    from audiocoach.publish.share import web_address

    with pytest.raises(AudiocoachError) as caught:
        web_address(base)
    assert str(caught.value).startswith(message) and caught.value.kind == Kind.USAGE


GERMAN = """\
title: Waden an der Wand
voice: {language: de}
exercises:
  - name: Wadendehnung
    sides: both
    hold: 3s
    countdown: 0
"""


def test_a_german_routine_makes_german_pages_and_feed(run, write_routine, tmp_path):
    from audiocoach import load
    from audiocoach.speech.languages import load_pack
    from audiocoach.speech.script import dose_summary

    path = write_routine(GERMAN, "waden.yaml")
    result = run("share", path, "-o", tmp_path / "site")
    assert result.exit_code == 0, result.output
    page = lxml.html.fromstring((tmp_path / "site" / "waden.html").read_bytes())
    index = lxml.html.fromstring((tmp_path / "site" / "index.html").read_bytes())
    assert page.get("lang") == "de" and index.get("lang") == "de"
    (exercise,) = load(path).exercises
    (dose,) = page.xpath("//p[@class='dose']/text()")
    assert dose == dose_summary(exercise, load_pack("de"))  # the German pack's words
    assert dose != dose_summary(exercise, load_pack("en"))
    assert page.xpath("//*[@id='caption']/@lang") == ["de"]  # the transcript's lines as captions
    feed = feedparser.parse((tmp_path / "site" / "feed.xml").read_bytes())
    assert feed.feed.language == "de"


def test_a_german_routine_counts_its_exercises_in_german_in_the_feed_and_on_the_pages(
        run, write_routine, tmp_path):
    path = write_routine(GERMAN, "waden.yaml")
    assert run("share", path, "-o", tmp_path / "site").exit_code == 0
    site = tmp_path / "site"
    (entry,) = feedparser.parse((site / "feed.xml").read_bytes()).entries
    length = re.fullmatch(r"Waden an der Wand: 1 Übung, (\d+:\d\d)\.", entry.description)
    assert length, entry.description
    for page in ("waden.html", "index.html"):
        tree = lxml.html.fromstring((site / page).read_bytes())
        assert tree.xpath("//p[@class='meta']/text()") == [f"{length.group(1)} · 1 Übung"], page


def test_the_pages_own_words_are_the_routines_language(run, write_routine, tmp_path):
    path = write_routine(GERMAN, "waden.yaml")
    assert run("share", path, "-o", tmp_path / "site").exit_code == 0
    page = lxml.html.fromstring((tmp_path / "site" / "waden.html").read_bytes())
    assert page.xpath("//h2/text()") == ["Kapitel", "Übungen", "Transkript"]
    assert page.xpath("//button[@id='play']/@aria-label") == ["Abspielen"]
    assert page.xpath("//button[@id='play']/@data-pause") == ["Pause"]
    assert page.xpath("//p[@class='back']/a/text()") == ["Alle Programme"]
    assert page.xpath("//*[@lang='en']") == []  # nothing left marked as English
    index = lxml.html.fromstring((tmp_path / "site" / "index.html").read_bytes())
    assert index.xpath("//main/p[1]/a/text()") == ["Podcast-Feed"]
    assert index.xpath("//audio/@aria-label") == ["Waden an der Wand abspielen"]
    feed = feedparser.parse((tmp_path / "site" / "feed.xml").read_bytes())
    assert feed.feed.description == "Gesprochen angeleitete Übungsprogramme, erstellt mit audiocoach."


def test_a_german_folder_gets_a_german_title_and_sizes_with_a_decimal_comma(run, write_routine, tmp_path):
    path = write_routine(GERMAN, "waden.yaml")
    site = tmp_path / "site"
    assert run("share", path, "-o", site).exit_code == 0
    index = lxml.html.fromstring((site / "index.html").read_bytes())
    assert index.xpath("//title/text()") == ["Übungsprogramme"] and index.xpath("//h1/text()") == [
        "Übungsprogramme"]
    assert feedparser.parse((site / "feed.xml").read_bytes()).feed.title == "Übungsprogramme"
    page = lxml.html.fromstring((site / "waden.html").read_bytes())
    (download,) = [p.text_content() for p in page.xpath("//p") if "herunterladen" in p.text_content()]
    megabytes = (site / "waden.mp3").stat().st_size / 1_000_000
    assert f"MP3 herunterladen ({megabytes:.1f} MB)".replace(".", ",") in download
    # A title the user gives stays, in any language, also when the folder is shared again.
    assert run("share", path, "-o", site, "--title", "Meine Übungen").exit_code == 0
    assert run("share", path, "-o", site).exit_code == 0
    assert feedparser.parse((site / "feed.xml").read_bytes()).feed.title == "Meine Übungen"


def test_an_english_folder_keeps_its_english_title_and_decimal_point(run, write_routine, tmp_path):
    path = write_routine(GERMAN.replace("{language: de}", "{language: en}"), "calf.yaml")
    assert run("share", path, "-o", tmp_path / "site").exit_code == 0
    index = lxml.html.fromstring((tmp_path / "site" / "index.html").read_bytes())
    assert index.xpath("//h1/text()") == ["Exercise routines"]
    page = (tmp_path / "site" / "calf.html").read_text(encoding="utf-8")
    assert re.search(r"</a> \(\d+\.\d MB\)", page), page


@pytest.mark.parametrize("code", ["de", "es", "fr", "it", "nl", "pt"])
def test_every_pack_has_the_pages_words_with_the_blanks_of_english(code):
    import string

    from audiocoach.speech.languages import pack_words

    def blanks(text: str) -> set[str]:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}

    english, theirs = pack_words("en", "page"), pack_words(code, "page")
    assert set(theirs) == set(english)
    for key, text in english.items():
        assert theirs[key].strip() and blanks(theirs[key]) == blanks(text), (code, key)


def test_language_from_the_command_line_wins(run, write_routine, tmp_path):
    path = write_routine(GERMAN, "waden.yaml")
    assert run("share", path, "-o", tmp_path / "site", "--language", "fr").exit_code == 0
    page = lxml.html.fromstring((tmp_path / "site" / "waden.html").read_bytes())
    assert page.get("lang") == "fr"


def test_a_mixed_collection_marks_each_routine_with_its_language(run, write_routine, tmp_path):
    paths = [write_routine(GERMAN, "waden.yaml"), write_routine(GERMAN, "knie.yaml"),
             write_routine(ROUTINE.format(title="Calves"), "calves.yaml")]
    assert run("share", *paths, "-o", tmp_path / "site").exit_code == 0
    index = lxml.html.fromstring((tmp_path / "site" / "index.html").read_bytes())
    assert index.get("lang") == "de"  # most of them
    assert index.xpath("//ul[@class='routines']/li/@lang") == ["de", "de", "en"]


MARKUP = """\
title: Knees <b>first</b> & then
intro: Knees < hips & feet --> wall.
exercises:
  - name: A <script>alert(1)</script>
    hold: 3s
    countdown: 0
"""


def test_spoken_lines_with_markup_characters_are_escaped_in_the_transcript(run, write_routine,
                                                                         tmp_path):
    path = write_routine(MARKUP, "markup.yaml")
    assert run("share", path, "-o", tmp_path / "site").exit_code == 0
    text = (tmp_path / "site" / "markup.vtt").read_text()
    cues = text.split("\n\n")[1:]
    lines = [cue.splitlines()[2] for cue in cues if cue.strip()]
    assert "Knees &lt; hips &amp; feet --&gt; wall." in lines
    assert "A &lt;script&gt;alert(1)&lt;/script&gt;." in lines
    for line in lines:  # WebVTT: no `-->`, `<` or bare `&` in a cue's text
        assert "-->" not in line and "<" not in line and not re.search(r"&(?!amp;|lt;|gt;)", line)
    assert "Knees < hips & feet --> wall." in [html.unescape(line) for line in lines]


def test_titles_and_names_with_markup_show_as_text_on_the_pages(run, write_routine, tmp_path):
    path = write_routine(MARKUP, "markup.yaml")
    result = run("share", path, "-o", tmp_path / "site", "--title", "<i>Mine</i> & yours")
    assert result.exit_code == 0, result.output
    page = lxml.html.fromstring((tmp_path / "site" / "markup.html").read_bytes())
    assert page.xpath("//h1")[0].text_content() == "Knees <b>first</b> & then"
    assert page.xpath("//h3")[0].text_content() == "A <script>alert(1)</script>"
    assert len(page.xpath("//script")) == 1 and not page.xpath("//b")  # the player's own script
    index = lxml.html.fromstring((tmp_path / "site" / "index.html").read_bytes())
    assert index.xpath("//h1")[0].text_content() == "<i>Mine</i> & yours" and not index.xpath("//i")
    assert index.xpath("//h2/a")[0].text_content() == "Knees <b>first</b> & then"
