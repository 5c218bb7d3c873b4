"""Site build: 10,000 generated articles, full build, rebuild after one edit and after one new
article (the corpus's next story, imported alone), peak memory, and Hugo building the same Markdown files with an equally minimal theme.

Goals (issue: the newsroom): full build at most 2x Hugo's time; a rebuild after one edit at
most 1/20 of our full build.

Both write their output from nothing: Hugo into an empty folder, permapress with every block
its builds wrote deleted. Hugo builds every article (``buildFuture``: the corpus runs years past
today, and Hugo leaves future-dated pages out by default); the table checks the count.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import Result, have, measure, run_timed
from benchmarks.corpus import article_text, write_corpus

ARTICLES = int(os.environ.get("PERMAPRESS_BENCH_ARTICLES", "10000"))
RUNS = 3
PERMAPRESS = str(Path(sys.executable).with_name("permapress"))

HUGO_CONFIG = """baseURL = "https://example.org/"
title = "Bench"
disableKinds = []
# the corpus runs years ahead of today: build every article, as permapress does
buildFuture = true
[pagination]
pagerSize = 20
[taxonomies]
category = "categories"
tag = "tags"
"""
HUGO_LAYOUTS = {
    "_default/baseof.html": "<!doctype html><html><head><meta charset=utf-8><title>{{ .Title }}</title>"
    '<link rel=stylesheet href="{{ "site.css" | relURL }}"></head><body><header><a href="{{ "" | relURL }}">'
    '{{ site.Title }}</a></header>{{ block "main" . }}{{ end }}</body></html>',
    "_default/single.html": '{{ define "main" }}<article><h1>{{ .Title }}</h1><time>{{ .Date.Format "2006-01-02" }}</time>'
    '<p>{{ range .Params.categories }}<a href="{{ (print "/categories/" (. | urlize)) | relURL }}">{{ . }}</a> {{ end }}</p>'
    "{{ .Content }}</article>{{ end }}",
    "_default/list.html": '{{ define "main" }}<h1>{{ .Title }}</h1>{{ range .Paginator.Pages }}<h2><a href="{{ .RelPermalink }}">'
    "{{ .Title }}</a></h2><p>{{ .Summary }}</p>{{ end }}{{ end }}",
    "index.html": '{{ define "main" }}{{ range (.Paginate site.RegularPages).Pages }}<h2><a href="{{ .RelPermalink }}">'
    "{{ .Title }}</a></h2><p>{{ .Summary }}</p>{{ end }}{{ end }}",
}


def _run_measured(cmd: list[str]) -> tuple[float, int, str]:
    """Wall seconds, peak RSS in MiB and stdout of one command (rusage of that child alone),
    started after earlier writes reached the disk (os.sync), as every timed command here."""
    os.sync()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err)
        _pid, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode:
            raise RuntimeError(
                f"{' '.join(cmd)} failed: {err.read().decode(errors='replace')[-400:]}"
            )
        return seconds, usage.ru_maxrss // 1024, out.read().decode()


def _block_files(home: Path) -> set[str]:
    return {
        entry.path for d in os.scandir(home / "blocks") if d.is_dir() for entry in os.scandir(d)
    }


def _forget_builds(home: Path, keep: set[str] | None) -> None:
    """Empty the page cache (and with it the build state), and with ``keep`` delete every block
    but those: the next build starts from nothing and writes every page's blocks again."""
    with sqlite3.connect(home / "catalog.sqlite") as db:
        made = db.execute("SELECT 1 FROM sqlite_master WHERE name = 'page_cache'").fetchone()
        if made:  # the page cache's table is made by the first build
            db.execute("DELETE FROM page_cache")
    if keep is not None:
        for path in _block_files(home) - keep:
            os.unlink(path)


def _hugo_site(work: Path, corpus: Path) -> Path:
    site = work / "hugo-site"
    shutil.rmtree(site, ignore_errors=True)
    (site / "content").mkdir(parents=True)
    (site / "content" / "articles").symlink_to(corpus)
    (site / "hugo.toml").write_text(HUGO_CONFIG)
    for name, text in HUGO_LAYOUTS.items():
        path = site / "layouts" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (site / "static").mkdir()
    (site / "static" / "site.css").write_text("body{font-family:serif}")
    return site


def hugo_build(work: Path, corpus: Path, runs: int = 3) -> tuple[float, float]:
    """Hugo's whole build of ``corpus`` (the same pages, see HUGO_LAYOUTS), ``runs`` times from
    an empty output folder: the median seconds and the median CPU seconds."""
    site = _hugo_site(work, corpus)
    public = work / "hugo-public"
    measured = []
    for _ in range(runs):
        shutil.rmtree(public, ignore_errors=True)
        measured.append(measure(["hugo", "--quiet", "-s", str(site), "-d", str(public)]))
    return (
        statistics.median(m.seconds for m in measured),
        statistics.median(m.cpu for m in measured),
    )


def _warm_up(work: Path) -> None:
    """One full and one patched build of the demo newsroom, so that Python's bytecode cache holds
    every module a build uses before anything is timed (as after any install)."""
    demo = work / "warm-up"
    shutil.rmtree(demo, ignore_errors=True)
    subprocess.run([PERMAPRESS, "init", str(demo), "--demo"], check=True, stdout=subprocess.DEVNULL)
    for _ in range(2):
        subprocess.run(
            [PERMAPRESS, "build", "--home", str(demo)], check=True, stdout=subprocess.DEVNULL
        )
    shutil.rmtree(demo)


def _same_as_from_scratch(home: Path, built: str, name: str) -> Result:
    """Whether a build from scratch gives the root of the build that printed ``built``."""
    patched_root = json.loads(built)["root_cid"]
    _forget_builds(home, None)
    _seconds, _peak, out = _run_measured([PERMAPRESS, "build", "--home", str(home), "--json"])
    same = json.loads(out)["root_cid"] == patched_root
    return Result(name, float(same), "", "", None, "yes", same)


def _new_article(work: Path, home: Path, full: float) -> list[Result]:
    """One new article (the corpus's next story, newer than all) imported, then the build
    after it: its time against the full build, and its root against a build from scratch."""
    folder = work / "new-article"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir()
    story = folder / f"story-{ARTICLES:05d}.md"
    story.write_text(article_text(ARTICLES), encoding="utf-8")
    subprocess.run([PERMAPRESS, "import", str(story), "--home", str(home)], check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip
    seconds, _peak, out = _run_measured([PERMAPRESS, "build", "--home", str(home), "--json"])
    report = json.loads(out)
    shutil.rmtree(folder)
    return [
        Result(f"rebuild after one new article ({report['mode']}, {report['rendered']} files "
               "rendered)", seconds, "s", "full build", seconds / full),  # fmt: skip
        _same_as_from_scratch(home, out, "  its root equals a build from scratch"),
    ]


def run(work: Path) -> list[Result]:
    results: list[Result] = []
    corpus = write_corpus(work / f"corpus-{ARTICLES}", ARTICLES)
    _warm_up(work)
    home = work / "bench-newsroom"
    shutil.rmtree(home, ignore_errors=True)
    subprocess.run(
        [PERMAPRESS, "init", str(home), "--name", "Bench Courier"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    seconds = run_timed([PERMAPRESS, "import", str(corpus), "--home", str(home), "--json"])
    results.append(Result(f"import {ARTICLES} articles (bundles rendered)", seconds, "s"))
    # Three full builds (nothing cached before each) and three one-edit rebuilds: medians.
    fulls, peaks = [], []
    imported = _block_files(home)
    for _ in range(RUNS):
        _forget_builds(home, imported)
        seconds, peak, out = _run_measured([PERMAPRESS, "build", "--home", str(home), "--json"])
        fulls.append(seconds)
        peaks.append(peak)
    full = statistics.median(fulls)
    report = json.loads(out)
    results.append(Result(f"full site build (median of {RUNS})", full, "s"))
    _forget_builds(home, None)
    stored, _peak, _out = _run_measured([PERMAPRESS, "build", "--home", str(home), "--json"])
    results.append(Result("  the same with its blocks already stored", stored, "s"))
    results.append(Result("pages per second (full build)", report["pages"] / full, "pages/s"))
    results.append(Result("peak memory (full build)", max(peaks), "MiB"))
    rebuilds, rendered, modes = [], [], set()
    for number in range(42, 42 + RUNS):
        edited = corpus / f"story-{number:05d}.md"
        original = edited.read_text(encoding="utf-8")
        try:
            edited.write_text(original + "\nA correction was added to this story.\n", "utf-8")
            subprocess.run(
                [PERMAPRESS, "import", str(edited), "--home", str(home)],
                check=True,
                stdout=subprocess.DEVNULL,
            )
            seconds, _peak, out = _run_measured(
                [PERMAPRESS, "build", "--home", str(home), "--json"]
            )
        finally:
            edited.write_text(original, encoding="utf-8")
        rebuilds.append(seconds)
        rendered.append(json.loads(out)["rendered"])
        modes.add(json.loads(out)["mode"])
    rebuild = statistics.median(rebuilds)
    results.append(
        Result(
            f"rebuild after one edit ({'/'.join(sorted(modes))}, {max(rendered)} files rendered)",
            rebuild,
            "s",
            "full build",
            rebuild / full,
            "<= 0.05",
            rebuild / full <= 0.05,
        )
    )
    # The rebuilt site must be the site a build from scratch makes.
    results.append(_same_as_from_scratch(home, out, "rebuilt root equals a build from scratch"))
    results += _new_article(work, home, full)
    if have("hugo"):
        site = _hugo_site(work, corpus)
        public = work / "hugo-public"
        runs = []
        for _ in range(RUNS):  # each into an empty folder, as permapress writes its blocks anew
            shutil.rmtree(public, ignore_errors=True)
            runs.append(_run_measured(["hugo", "--quiet", "-s", str(site), "-d", str(public)])[0])
        hugo = statistics.median(runs)
        results.append(Result(f"hugo build of the same corpus (median of {RUNS})", hugo, "s"))
        built = sum(1 for d in (public / "articles").iterdir() if d.is_dir() and d.name != "page")
        results.append(
            Result("hugo article pages", built, "", "", None, f"= {ARTICLES}", built == ARTICLES)
        )
        results.append(
            Result(
                "permapress full build vs hugo",
                full,
                "s",
                "hugo",
                full / hugo,
                "<= 2",
                full / hugo <= 2,
            )
        )
    else:
        results.append(Result("hugo not installed: `make bench` installs it", 0, "", met=False))
    return results
