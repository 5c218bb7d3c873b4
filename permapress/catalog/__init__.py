"""The SQLite catalog of articles and versions (see ``db.py``)."""

from permapress.catalog.db import ArticleRow, CachedPage, Catalog, MediaRow, VersionRow

__all__ = ["ArticleRow", "CachedPage", "Catalog", "MediaRow", "VersionRow"]
