"""A deterministic corpus of news articles for the build benchmarks.

``write_corpus(folder, n)`` writes n Markdown articles with front matter (permapress and Hugo
read the same files). The same n gives the same bytes on every machine.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from pathlib import Path

CATEGORIES = [
    "Politics",
    "Economy",
    "Health",
    "Science",
    "Environment",
    "Culture",
    "Sport",
    "Education",
]
WORDS = [
    "council", "harbour", "budget", "river", "flood", "court", "ruling", "election", "recount",
    "hospital", "staff", "seed", "bank", "research", "minister", "report", "vote", "school",
    "teachers", "market", "prices", "farmers", "drought", "museum", "festival", "league",
    "season", "coach", "coast", "storm", "bridge", "rail", "transport", "energy", "grid",
    "solar", "wind", "water", "police", "inquiry", "witness", "evidence", "mayor", "residents",
    "housing", "rent", "workers", "union", "strike", "talks", "agreement",
]


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(8, 18))]
    return " ".join(words).capitalize() + "."


def article_text(i: int) -> str:
    rng = random.Random(i)
    date = datetime(2023, 1, 1, 8, 0) + timedelta(hours=7 * i)
    headline = " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 9))).title() + f" {i}"
    cats = rng.sample(CATEGORIES, rng.randint(1, 2))
    paragraphs = [
        "\n".join([" ".join(_sentence(rng) for _ in range(rng.randint(3, 6)))])
        for _ in range(rng.randint(4, 9))
    ]
    front = [
        "---",
        f'title: "{headline}"',
        f"date: {date.isoformat()}Z",
        "categories: [" + ", ".join(cats) + "]",
        f"tags: [{rng.choice(WORDS)}, {rng.choice(WORDS)}]",
        f'author: "Reporter {i % 40}"',
        f'summary: "{_sentence(rng)}"',
        f"slug: story-{i:05d}",
        "---",
        "",
    ]
    return "\n".join(front) + "\n\n".join(paragraphs) + "\n"


def write_corpus(folder: Path, n: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        (folder / f"story-{i:05d}.md").write_text(article_text(i), encoding="utf-8")
    return folder


def ensure_corpus(folder: Path, n: int) -> Path:
    """``write_corpus(folder, n)`` unless the folder already holds exactly that corpus (its n
    files, the first and the last as they would be written): 100,000 files are not written
    again for every run."""
    names = [f"story-{i:05d}.md" for i in (0, n - 1)]
    try:
        same = sum(1 for _ in folder.glob("story-*.md")) == n and all(
            (folder / name).read_text(encoding="utf-8") == article_text(i)
            for name, i in zip(names, (0, n - 1), strict=True)
        )
    except OSError:
        same = False
    return folder if same else write_corpus(folder, n)
