"""A bounded in-process cache of pages that every anonymous visitor sees identically.

Guides change only on deployment, so a guide page or a search result page rendered for one
anonymous visitor is byte-for-byte what the next one gets; rendering it again is wasted work.
Logged-in visitors and anyone with a pending flash message always get a fresh render.
"""

from collections import OrderedDict
from threading import Lock

from flask import current_app, session
from flask_login import current_user

DEFAULT_MAX_ENTRIES = 512


class PageCache:
    """A thread-safe LRU of rendered HTML strings."""

    def __init__(self, max_entries: int = DEFAULT_MAX_ENTRIES):
        self.max_entries = max_entries
        self._entries: OrderedDict[tuple, str] = OrderedDict()
        self._lock = Lock()

    def get_or_render(self, key: tuple, render) -> str:
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
        html = render()
        with self._lock:
            self._entries[key] = html
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)
        return html

    def __len__(self) -> int:
        return len(self._entries)


def anonymous_page(key: tuple, render) -> str:
    """Serve `render()` from the cache when the page cannot differ between visitors."""
    if current_user.is_authenticated or session.get("_flashes") or current_app.config.get("PAGE_CACHE") is False:
        return render()
    return current_app.extensions["page_cache"].get_or_render(key, render)


def init_app(app):
    """Give each app its own cache, so tests and workers never share rendered pages."""
    app.extensions["page_cache"] = PageCache(app.config.get("PAGE_CACHE_MAX_ENTRIES", DEFAULT_MAX_ENTRIES))
