"""Site build: 10,000 generated articles, full build, rebuild after one edit, peak memory, and
Hugo building the same Markdown files with an equally minimal theme.

Goals (issue: the newsroom): full build at most 2x Hugo's time; a rebuild after one edit at
most 1/20 of our full build.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.common import Result, have, run_timed
from benchmarks.corpus import write_corpus

ARTICLES = int(os.environ.get("PERMAPRESS_BENCH_ARTICLES", "10000"))
PERMAPRESS = str(Path(sys.executable).with_name("permapress"))

HUGO_CONFIG = """baseURL = "https://example.org/"
title = "Bench"
disableKinds = []
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
    """Wall seconds, peak RSS in MiB and stdout of one command (rusage of that child alone)."""
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


def run(work: Path) -> list[Result]:
    results: list[Result] = []
    corpus = write_corpus(work / f"corpus-{ARTICLES}", ARTICLES)
    home = work / "bench-newsroom"
    shutil.rmtree(home, ignore_errors=True)
    subprocess.run(
        [PERMAPRESS, "init", str(home), "--name", "Bench Courier"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    seconds = run_timed([PERMAPRESS, "import", str(corpus), "--home", str(home), "--json"])
    results.append(Result(f"import {ARTICLES} articles (bundles rendered)", seconds, "s"))
    full, peak, out = _run_measured([PERMAPRESS, "build", "--home", str(home), "--json"])
    report = json.loads(out)
    results.append(Result("full site build", full, "s"))
    results.append(Result("pages per second (full build)", report["pages"] / full, "pages/s"))
    results.append(Result("peak memory (full build)", peak, "MiB"))
    edited = corpus / "story-00042.md"
    original = edited.read_text(encoding="utf-8")
    try:
        edited.write_text(original + "\nA correction was added to this story.\n", encoding="utf-8")
        subprocess.run(
            [PERMAPRESS, "import", str(edited), "--home", str(home)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        rebuild, _peak, out = _run_measured([PERMAPRESS, "build", "--home", str(home), "--json"])
    finally:
        edited.write_text(original, encoding="utf-8")
    rendered = json.loads(out)["rendered"]
    results.append(
        Result(
            f"rebuild after one edit ({rendered} files rendered)",
            rebuild,
            "s",
            "full build",
            rebuild / full,
            "<= 0.05",
            rebuild / full <= 0.05,
        )
    )
    if have("hugo"):
        site = _hugo_site(work, corpus)
        hugo = run_timed(["hugo", "--quiet", "-s", str(site), "-d", str(work / "hugo-public")])
        results.append(Result("hugo build of the same corpus (anchor)", hugo, "s"))
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
