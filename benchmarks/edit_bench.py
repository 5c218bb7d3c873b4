"""One edited file: `permapress import <the file>` then `permapress build`, against Hugo's whole
build of the same 3,000 Markdown files; and the start-up of the command line (`--help`).

The newsroom (3,000 generated articles, imported and built once) is kept in the work folder
between runs, so this group takes about a minute once it exists. Each round appends a line to
one article's body, imports that file and builds (the quick path, "patched"); the table gives
the median of the rounds, in wall time and in CPU time, the import and the build apart too.

The edit loop too (`permapress import <the corpus folder> --watch`, one warm process): the
watcher is started on the same newsroom, and each round appends a line to the file and waits for
the round's line; the table gives the median of the rounds: wall time from the save to the line,
and the watcher's CPU time for the round (from /proc/<pid>/stat, before the save and after the
line).

Goal (issue: the site build): one edited file, import + build, at most 0.1x Hugo's build of the
whole site (goal 0.02).
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import statistics
import subprocess
import threading
import time
from pathlib import Path
from typing import IO

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


def _cpu(pid: int) -> float:
    """CPU seconds of process ``pid`` so far, its waited-for children included (/proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(f) for f in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def _lines(stream: IO[str]) -> queue.Queue[str]:
    got: queue.Queue[str] = queue.Queue()

    def read() -> None:
        for line in stream:
            got.put(line)
        got.put("")

    threading.Thread(target=read, daemon=True).start()
    return got


def _loop(corpus: Path, edited: Path, original: str, home: Path) -> list[tuple[float, float]]:
    """Rounds of the edit loop watching ``corpus``: (wall from the save to the round's line,
    the watcher's CPU for the round) each."""
    process = subprocess.Popen(
        [PERMAPRESS, "import", str(corpus), "--watch", "--json", "--home", str(home)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stdout is not None and process.stderr is not None
    out, err = _lines(process.stdout), _lines(process.stderr)
    rounds: list[tuple[float, float]] = []
    try:
        out.get(timeout=600)  # round 0: the whole folder (unchanged but the edited file)
        if not err.get(timeout=60).startswith("Watching"):
            raise RuntimeError("the edit loop did not start watching")
        for number in range(ROUNDS):
            time.sleep(0.3)  # idle, as between two saves
            cpu = _cpu(process.pid)
            start = time.perf_counter()
            edited.write_text(f"{original}\nLoop edit {number} of this story.\n",
                              encoding="utf-8")  # fmt: skip
            line = out.get(timeout=120)
            wall = time.perf_counter() - start
            done = json.loads(line)
            if done["mode"] != "patched":
                raise RuntimeError(f"a loop round went the {done['mode']} way, not patched")
            rounds.append((wall, _cpu(process.pid) - cpu))
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        edited.write_text(original, encoding="utf-8")
    return rounds


def run(work: Path) -> list[Result]:
    corpus = ensure_corpus(work / f"edit-corpus-{ARTICLES}", ARTICLES)  # its own: edited here
    home = _newsroom(work, corpus)
    edited = corpus / EDITED
    original = edited.read_text(encoding="utf-8")
    rounds = [_round(edited, original, home, number) for number in range(ROUNDS)]
    imports = [i for i, _b in rounds]
    builds = [b for _i, b in rounds]
    loop = _loop(corpus, edited, original, home)
    loop_wall = statistics.median(w for w, _c in loop)
    loop_cpu = statistics.median(c for _w, c in loop)
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
    results.append(Result(f"import --watch at {ARTICLES}: one save, to its line", loop_wall, "s"))
    results.append(Result(f"import --watch at {ARTICLES}: one save, CPU", loop_cpu, "s"))
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
        Result(f"import --watch at {ARTICLES}: one save vs hugo", loop_wall, "s", "hugo",
               loop_wall / hugo, "<= 0.1 (0.02)", loop_wall / hugo <= 0.1),  # fmt: skip
        Result(f"import --watch at {ARTICLES}: one save, CPU vs hugo", loop_cpu, "s", "hugo",
               loop_cpu / hugo_cpu, "<= 0.1 (0.02)", loop_cpu / hugo_cpu <= 0.1),  # fmt: skip
    ]
