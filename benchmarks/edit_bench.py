"""One edited file: `permapress import <the file>` then `permapress build`, against Hugo's whole
build of the same 3,000 Markdown files; and the start-up of the command line (`--help`).

The newsroom (3,000 generated articles, imported and built once) is kept in the work folder
between runs, so this group takes about a minute once it exists. Each round appends a line to
one article's body, imports that file and builds (the quick path, "patched"); the table gives
the median of the rounds, in wall time and in CPU time, the import and the build apart too.

Goal (issue: the site build): one edited file, import + build, at most 0.1x Hugo's build of the
whole site.
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
from pathlib import Path

from benchmarks.build_bench import hugo_build
from benchmarks.common import Measured, Result, have, measure
from benchmarks.corpus import ensure_corpus
from benchmarks.import_bench import PERMAPRESS

ARTICLES = 3000
ROUNDS = 7
EDITED = "story-00042.md"


def _newsroom(work: Path, corpus: Path) -> Path:
    """The kept newsroom holding ``corpus``, made (import and build) when it is not there."""
    home = work / f"edit-newsroom-{ARTICLES}"
    if not (home / "permapress.toml").exists():
        shutil.rmtree(home, ignore_errors=True)
        for command in (["init", str(home), "--name", "Bench Courier"],
                        ["import", str(corpus), "--home", str(home)]):  # fmt: skip
            subprocess.run([PERMAPRESS, *command], check=True, stdout=subprocess.DEVNULL)
    # the first build after the code or the templates changed renders what they change
    subprocess.run([PERMAPRESS, "build", "--home", str(home)], check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip
    return home


def _round(edited: Path, original: str, home: Path, number: int) -> tuple[Measured, Measured]:
    edited.write_text(f"{original}\nEdit number {number} of this story.\n", encoding="utf-8")
    try:
        imported = measure([PERMAPRESS, "import", str(edited), "--home", str(home), "--json"])
    finally:
        edited.write_text(original, encoding="utf-8")
    built = measure([PERMAPRESS, "build", "--home", str(home), "--json"])
    mode = json.loads(built.out)["mode"]
    if mode != "patched":
        raise RuntimeError(f"the build after one edited file went the {mode} way, not patched")
    return imported, built


def run(work: Path) -> list[Result]:
    corpus = ensure_corpus(work / f"edit-corpus-{ARTICLES}", ARTICLES)  # its own: edited here
    home = _newsroom(work, corpus)
    edited = corpus / EDITED
    original = edited.read_text(encoding="utf-8")
    rounds = [_round(edited, original, home, number) for number in range(ROUNDS)]
    imports = [i for i, _b in rounds]
    builds = [b for _i, b in rounds]
    helps = [measure([PERMAPRESS, "--help"]) for _ in range(ROUNDS)]
    edit = statistics.median([i.seconds + b.seconds for i, b in rounds])
    edit_cpu = statistics.median([i.cpu + b.cpu for i, b in rounds])
    results: list[Result] = []
    for name, runs in (("permapress --help (start-up)", helps),
                       (f"one file edited at {ARTICLES}: import", imports),
                       (f"one file edited at {ARTICLES}: build", builds)):  # fmt: skip
        results.append(Result(name, statistics.median([r.seconds for r in runs]), "s"))
        results.append(Result(f"{name}, CPU", statistics.median([r.cpu for r in runs]), "s"))
    results.append(Result(f"one file edited at {ARTICLES}: import + build", edit, "s"))
    results.append(Result(f"one file edited at {ARTICLES}: import + build, CPU", edit_cpu, "s"))
    if not have("hugo"):
        return [*results, Result("hugo not installed: `make bench` installs it", 0, "", met=False)]
    hugo, hugo_cpu = hugo_build(work, corpus)
    return [
        *results,
        Result(f"hugo build of the same {ARTICLES} files", hugo, "s"),
        Result(f"hugo build of the same {ARTICLES} files, CPU", hugo_cpu, "s"),
        Result(f"one file edited at {ARTICLES}: import + build vs hugo", edit, "s", "hugo",
               edit / hugo, "<= 0.1", edit / hugo <= 0.1),  # fmt: skip
        Result(f"one file edited at {ARTICLES}, CPU vs hugo", edit_cpu, "s", "hugo",
               edit_cpu / hugo_cpu, "<= 0.1", edit_cpu / hugo_cpu <= 0.1),  # fmt: skip
    ]
