"""Server-sent events to every open page: synthesis and build progress, from any thread."""

from __future__ import annotations

import asyncio
import json
import threading
from typing import AsyncIterator


class Hub:
    """Hands each event to every listening page; events sent with no page listening are dropped."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._listeners: list[tuple[asyncio.AbstractEventLoop, asyncio.Queue]] = []

    def send(self, event: str, data: dict) -> None:
        """Safe from any thread."""
        with self._lock:
            listeners = list(self._listeners)
        for loop, queue in listeners:
            try:
                loop.call_soon_threadsafe(queue.put_nowait, (event, data))
            except RuntimeError:  # that page's loop has closed
                pass

    def listen(self) -> AsyncIterator[dict]:
        """The events from now on, as sse-starlette sends them, until the page goes away.

        The page is listening from this call on, before the response has started, so that an
        event sent right after the page sees the stream open is not lost."""
        entry = (asyncio.get_running_loop(), asyncio.Queue())
        with self._lock:
            self._listeners.append(entry)
        return self._drain(entry)

    async def _drain(self, entry: tuple[asyncio.AbstractEventLoop, asyncio.Queue]
                     ) -> AsyncIterator[dict]:
        try:
            while True:
                event, data = await entry[1].get()
                yield {"event": event, "data": json.dumps(data)}
        finally:
            with self._lock:
                self._listeners.remove(entry)
