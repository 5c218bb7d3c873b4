"""The SQLite catalog of articles and versions (see ``db.py``)."""

from permapress.catalog.db import ArticleRow, Catalog, MediaRow, VersionRow

__all__ = ["ArticleRow", "Catalog", "MediaRow", "VersionRow"]
