"""Rendering: article bundles, the news site, feeds and sitemaps."""
