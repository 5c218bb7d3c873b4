"""The browser editor: page templates (``templates/``), the routes that serve them
(``pages.py``) and the bundled script and styles (``static/``, built from ``admin-ui/`` by
``make admin-assets``: TinyMDE, MIT, and our own code)."""
