"""A shared folder's podcast feed: RSS 2.0 with chapters and transcripts, for podcast apps."""

from __future__ import annotations

import uuid
from collections import Counter

from audiocoach.publish.addresses import url
from audiocoach.publish.collection import INDEX, Listing
from audiocoach.publish.pages import count_words, page_words
from audiocoach.routine.durations import timestamp

PODCAST_NAMESPACE = "https://podcastindex.org/namespace/1.0"
PSC_NAMESPACE = "http://podlove.org/simple-chapters"  # Podlove Simple Chapters
PSC_VERSION = "1.2"
CHAPTERS_TYPE = "application/json+chapters"


def collection_language(listings: list[Listing]) -> str:
    """The language most of the routines are in (the first of them on a tie)."""
    counts = Counter(listing.language for listing in listings)
    return counts.most_common(1)[0][0] if counts else "en"


def collection_title(title: str | None, listings: list[Listing]) -> str:
    """The folder's title: the one `share` was given, else "Exercise routines" in the routines'
    language."""
    return title or page_words(collection_language(listings))["title"]


def feed_xml(listings: list[Listing], title: str | None, base_url: str | None) -> bytes:
    """RSS 2.0 with the iTunes, Podcasting 2.0 and Podlove Simple Chapters namespaces, one item
    per routine; links relative to the folder unless `base_url` (from `web_address`) is given."""
    from feedgen.ext.base import BaseEntryExtension, BaseExtension
    from feedgen.feed import FeedGenerator
    from lxml import etree

    class PodcastIndex(BaseExtension):
        def extend_ns(self):
            return {"podcast": PODCAST_NAMESPACE, "psc": PSC_NAMESPACE}

    class PodcastIndexEntry(BaseEntryExtension):
        def __init__(self):
            self.links: list[tuple[str, str, str]] = []  # (tag, url, type)
            self.chapters: tuple[tuple[str, float], ...] = ()

        def extend_rss(self, item):
            for tag, address, kind in self.links:
                etree.SubElement(item, f"{{{PODCAST_NAMESPACE}}}{tag}", url=address, type=kind)
            # gPodder, Spotify and others read Podlove's chapters, not Podcasting 2.0's JSON.
            chapters = etree.SubElement(item, f"{{{PSC_NAMESPACE}}}chapters", version=PSC_VERSION)
            for chapter_title, start in self.chapters:
                etree.SubElement(chapters, f"{{{PSC_NAMESPACE}}}chapter", start=timestamp(start),
                                 title=chapter_title)
            return item

    generator = FeedGenerator()
    generator.load_extension("podcast")
    generator.register_extension("podcastindex", PodcastIndex, PodcastIndexEntry)
    generator.title(collection_title(title, listings))
    generator.link(href=url(base_url, INDEX))
    language = collection_language(listings)
    generator.description(page_words(language)["feed"])
    generator.language(language)
    generator.podcast.itunes_author("audiocoach")
    generator.podcast.itunes_category("Health & Fitness")
    generator.podcast.itunes_explicit("no")
    if listings:
        generator.podcast.itunes_image(url(base_url, listings[0].cover))
    for listing in listings:
        entry = generator.add_entry(order="append")
        guid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"audiocoach:{listing.stem}"))
        entry.guid(guid, permalink=False)
        entry.title(listing.title)
        entry.description(listing.description or f"{listing.title}: "
                          f"{count_words(listing)}, {listing.length}.")
        entry.link(href=url(base_url, listing.page))
        entry.enclosure(url(base_url, listing.mp3), str(listing.size_bytes), "audio/mpeg")
        entry.published(listing.published)
        entry.podcast.itunes_duration(round(listing.seconds))
        entry.podcast.itunes_image(url(base_url, listing.cover))
        entry.podcastindex.links = [
            ("chapters", url(base_url, listing.chapters_file), CHAPTERS_TYPE),
            ("transcript", url(base_url, listing.vtt), "text/vtt")]
        entry.podcastindex.chapters = listing.chapters
    if listings:
        generator.lastBuildDate(max(listing.published for listing in listings))
    return generator.rss_str(pretty=True)
