"""The demo newsroom's content: original example articles of a small coastal newsroom.

    demo_articles_path() -> Path    the folder of Markdown articles (with front matter) and
                                    their images in img/, ready for ``permapress import``

The articles and places are fictional. The illustrations in ``articles/img/`` were drawn for
this project with a throwaway script (Pillow is not a dependency of permapress).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def demo_articles_path() -> Path:
    """The folder holding the demo articles, inside the installed package."""
    folder = resources.files(__name__).joinpath("articles")
    return Path(str(folder))
