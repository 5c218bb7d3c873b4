"""``permapress ipfs``: import files as UnixFS, check CAR files, unpack them.

    permapress ipfs add PATH [--profile P] [--car FILE] [--only-hash] [--hidden] [--json]
                             [--home DIR]
        Import a file or a folder (the folder's own CID, not wrapped). Blocks go to the
        newsroom's blockstore when run in a newsroom (``--home DIR``, or a current folder holding
        permapress.toml) unless ``--only-hash``; ``--car FILE`` also writes a CARv1 rooted at the
        CID. The profile defaults to the newsroom's, else ``unixfs-v1-2025``. The root CID is
        alone on the last line of stdout; ``--json`` prints {"cid", "size", "blocks", "profile"}.
    permapress ipfs verify FILE.car [--root CID] [--json]
        Exit 0 with ``OK <root>: N blocks, M bytes``, or exit 1 listing every missing, corrupt,
        malformed or unsupported block by CID and path.
    permapress ipfs unpack FILE.car OUTDIR [--root CID] [--max-size SIZE] [--max-files N]
        Verify, then count what would be written, per path (``ipfs.unpack.plan_unpack``), and
        refuse before writing anything when the declared bytes exceed ``--max-size`` (default
        10GiB) or the free space, when there are more than ``--max-files`` entries (default
        1,000,000) or folders nest deeper than 256 levels. Then write the files and folders to
        OUTDIR (a file root becomes the file OUTDIR). Entry names that could escape OUTDIR and
        symlinks pointing outside it are refused; the tree is written to a temporary folder
        beside OUTDIR and renamed into place, and that folder is removed on any failure, Ctrl+C
        or SIGTERM, so nothing half-written is left behind.

    permapress ipfs reindex [BLOCKS] [--home DIR] [--json]
        Make the index of packed blocks (``BLOCKS/packs.sqlite``) again from the pack files
        alone (``Packs.reindex``): after a lost or damaged index, or to take in a pack a crash
        left without rows. BLOCKS defaults to the newsroom's ``blocks/``. Exit 1 naming every
        damaged pack (its good blocks are indexed all the same).

Bad input raises ``PermapressError`` subclasses; ``permapress.cli.main`` prints one line and
exits with 1.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

import click

from permapress.cli.ipfs_add import (
    ByteCounter,
    add_profile,
    folder_of,
    import_progress,
    newsroom_home,
    write_car_file,
)
from permapress.cli.options import echo_json, resolve_home
from permapress.errors import ConfigError, IpfsError, VerifyError
from permapress.ipfs.blockstore import FileBlockstore
from permapress.ipfs.cid import CID
from permapress.ipfs.importer import import_path
from permapress.ipfs.reader import stat
from permapress.ipfs.report import VerifyReport
from permapress.ipfs.sourcecar import SourceBackedStore
from permapress.ipfs.spool import SpoolBlockstore
from permapress.ipfs.unpack import (
    DEFAULT_MAX_ENTRIES,
    check_plan,
    parse_size,
    plan_unpack,
    write_tree,
)
from permapress.ipfs.verify import (
    LoadedCar,
    load_car,
    roots_text,
    verify_dag,
    verify_loaded,
)


@click.group()
def ipfs() -> None:
    """IPFS tools: import files as UnixFS, verify and unpack CAR files, reindex packs."""


# --- add -------------------------------------------------------------------------------------


@ipfs.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--profile", "profile_name", default=None,
              help="Import profile: unixfs-v1-2025 (default), kubo-cid-v1, unixfs-v0-2015.")
@click.option("--car", "car_path", type=click.Path(path_type=Path), default=None,
              help="Also write a CARv1 file rooted at the CID.")
@click.option("--only-hash", is_flag=True, help="Compute the CID; store no blocks.")
@click.option("--hidden", is_flag=True, help="Include names starting with '.'.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.option("--home", type=click.Path(path_type=Path), default=None,
              help="Newsroom folder whose blockstore receives the blocks.")
def add(
    path: Path,
    profile_name: str | None,
    car_path: Path | None,
    only_hash: bool,
    hidden: bool,
    as_json: bool,
    home: Path | None,
) -> None:
    """Import a file or folder as UnixFS and print its CID."""
    if not path.exists() and not path.is_symlink():
        raise ConfigError(f"{path}: no such file or folder")
    newsroom = newsroom_home(home)
    profile = add_profile(profile_name, newsroom)
    store = FileBlockstore(newsroom / "blocks") if newsroom and not only_hash else None
    memory: SourceBackedStore | SpoolBlockstore | None = None
    if car_path is not None:
        folder = folder_of(car_path)
        memory = SourceBackedStore(path) if profile.raw_leaves else SpoolBlockstore(folder)
    seen: set[bytes] = set()
    block_bytes = [0]

    def sink(cid: CID, block: bytes) -> None:
        if cid.multihash not in seen:
            seen.add(cid.multihash)
            block_bytes[0] += len(block)
        if store is not None:
            store.put(cid, block)
        if memory is not None:
            memory.put(cid, block)

    counter = ByteCounter()
    try:
        with import_progress(path, hidden, counter) as progress:
            imported = import_path(path, profile, sink, hidden=hidden, progress=progress)
        if car_path is not None and memory is not None:
            if isinstance(memory, SourceBackedStore):
                memory.locate(imported.cid)
            write_car_file(car_path, imported.cid, memory)
    finally:
        if memory is not None:
            memory.close()
    if as_json:
        click.echo(json.dumps({
            "cid": str(imported.cid),
            "size": counter.total,
            "blocks": len(seen),
            "profile": profile.name,
            "stored": str(store.root) if store is not None else None,
            "car": str(car_path) if car_path is not None else None,
        }))
        return
    where = [f"stored in {store.root}"] if store is not None else []
    if car_path is not None:
        where.append(f"written to {car_path}")
    if not where:
        where = ["not stored (--only-hash)" if only_hash else
                 "not stored: not in a newsroom (use --home DIR or --car FILE)"]
    click.echo(f"{len(seen)} blocks, {block_bytes[0]} bytes, profile {profile.name}: "
               + "; ".join(where))
    click.echo(str(imported.cid))


# --- verify ----------------------------------------------------------------------------------


def _root_option(text: str | None) -> CID | None:
    return None if text is None else CID.parse(text.strip())


def _report_json(report: VerifyReport) -> dict[str, Any]:
    return {
        "ok": report.ok,
        "root": str(report.root),
        "blocks": report.blocks,
        "bytes": report.bytes,
        "extra": report.extra,
        "problems": [
            {"cid": str(p.cid), "path": p.path, "kind": p.kind, "message": p.message}
            for p in report.problems
        ],
        "warnings": [
            {"cid": str(w.cid), "path": w.path, "message": w.message} for w in report.warnings
        ],
        "notes": list(report.notes),
    }


@ipfs.command()
@click.argument("car_file", type=click.Path(path_type=Path))
@click.option("--root", "root_text", default=None, help="Check the DAG under this CID.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
def verify(car_file: Path, root_text: str | None, as_json: bool) -> None:
    """Check every block of a CAR file and that the DAG under its root is complete."""
    root = _root_option(root_text)
    report = verify_loaded(load_car(car_file), root)
    if as_json:
        click.echo(json.dumps(_report_json(report), indent=2))
    else:
        lines = report.lines()
        for line in lines if report.ok else lines[:-1]:
            click.echo(line)
    if not report.ok:
        raise VerifyError(f"{car_file}: {report.summary()}")


# --- unpack ----------------------------------------------------------------------------------


def _pick_root(car: LoadedCar, root: CID | None) -> CID:
    if root is not None:
        return root
    if len(car.roots) != 1:
        raise ConfigError(
            f"the CAR has {len(car.roots)} roots ({roots_text(car.roots)}); choose one with --root"
        )
    return car.roots[0]


def _prepare_outdir(outdir: Path) -> None:
    if outdir.is_symlink() or (outdir.exists() and not outdir.is_dir()):
        raise ConfigError(f"{outdir} already exists; choose a new output path")
    if outdir.is_dir() and any(outdir.iterdir()):
        raise ConfigError(f"{outdir} is not empty; choose a new or empty output folder")


def _free_space(folder: Path) -> int | None:
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return None


def _short(path: str | os.PathLike[str] | None, staging: Path, outdir: Path) -> str:
    """A path inside the staging folder as the user will see it, elided in the middle."""
    if path is None:
        return str(outdir)
    text = os.fsdecode(path)
    inside = str(staging / "content")
    if text.startswith(inside):
        text = str(outdir) + text[len(inside):]
    return text if len(text) <= 120 else f"{text[:50]}…{text[-60:]}"


@contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """While writing, SIGTERM (``kill``) ends the command like Ctrl+C, so cleanup runs."""
    def interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    try:
        previous = signal.signal(signal.SIGTERM, interrupt)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _size_option(_ctx: click.Context, _param: click.Parameter, value: str) -> int:
    return parse_size(value)


@ipfs.command()
@click.argument("car_file", type=click.Path(path_type=Path))
@click.argument("outdir", type=click.Path(path_type=Path))
@click.option("--root", "root_text", default=None, help="Unpack the DAG under this CID.")
@click.option("--max-size", "max_size", default="10GiB", show_default=True,
              callback=_size_option,
              help="Refuse when the files declare more bytes than this (e.g. 500MB, 2TiB).")
@click.option("--max-files", "max_files", default=DEFAULT_MAX_ENTRIES, show_default=True,
              type=click.IntRange(min=1),
              help="Refuse when there are more files, folders and symlinks than this.")
def unpack(
    car_file: Path, outdir: Path, root_text: str | None, max_size: int, max_files: int
) -> None:
    """Verify a CAR file, then write its files and folders to OUTDIR."""
    car = load_car(car_file)
    root = _pick_root(car, _root_option(root_text))
    if root not in car.roots and not car.store.has(root):
        raise VerifyError(f"{root} is neither a root of {car_file} nor a block in it")
    report = verify_dag(root, car.store.get)
    if not report.ok:
        for line in report.lines()[:-1]:
            click.echo(line, err=True)
        raise VerifyError(f"refusing to unpack {car_file}: {report.summary()}")
    kind = stat(root, car.store.get).kind
    if kind == "symlink":
        raise IpfsError(f"the root {root} is a symlink; there is nothing inside it to unpack")
    _prepare_outdir(outdir)
    parent = outdir.absolute().parent
    plan = plan_unpack(root, car.store.get)
    check_plan(plan, max_size, max_files, _free_space(parent) if parent.is_dir() else None)
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{outdir.name}.unpack-", dir=parent))
    except OSError as exc:
        raise ConfigError(f"cannot write to {parent}: {exc.strerror}") from None
    content = staging / "content"
    try:
        with _terminate_as_interrupt():
            written = write_tree(root, car.store.get, content)
        if outdir.is_dir():
            outdir.rmdir()
        os.replace(content, outdir)
    except FileExistsError as exc:
        raise IpfsError(
            f"refusing to unpack: {Path(exc.filename or '?').name[:100]!r} appears twice in a "
            "folder"
        ) from None
    except OSError as exc:
        shown = _short(exc.filename, staging, outdir)
        raise ConfigError(f"cannot write {shown}: {exc.strerror}") from None
    except KeyboardInterrupt:
        from permapress.cli import Interrupted

        shutil.rmtree(staging, ignore_errors=True)
        raise Interrupted(f"interrupted; nothing was written to {outdir}") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    click.echo(
        f"Unpacked {root} to {outdir}: {written.files} files, {written.folders} folders, "
        f"{written.symlinks} symlinks, {written.bytes} bytes"
    )


# --- reindex ---------------------------------------------------------------------------------


@ipfs.command()
@click.argument("blocks", required=False, type=click.Path(path_type=Path))
@click.option("--home", type=click.Path(path_type=Path), default=None,
              help="Newsroom folder whose blocks/ to reindex (default: the current one).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
def reindex(blocks: Path | None, home: Path | None, as_json: bool) -> None:
    """Make the index of packed blocks (blocks/packs.sqlite) again from the pack files."""
    if blocks is None:
        blocks = resolve_home(home) / "blocks"
    if not (blocks / "SHARDING").is_file():
        raise ConfigError(f"{blocks}: not a block store (no SHARDING file); give a blocks folder")
    done = FileBlockstore(blocks).reindex()
    if done.set_aside:
        click.echo(f"{blocks / 'packs.sqlite'} could not be read: moved to packs.sqlite.damaged",
                   err=True)  # fmt: skip
    if as_json:
        echo_json(asdict(done))
    else:
        click.echo(f"Indexed {done.blocks:,} blocks in {done.packs:,} packs "
                   f"({done.added:,} packs had no rows, {done.dropped:,} rows named missing packs)")
    for name, problem in sorted(done.damaged.items()):
        click.echo(f"damaged pack {blocks / 'packs' / name}.pack: {problem}", err=True)
    if done.damaged:
        raise IpfsError(
            f"{len(done.damaged)} damaged pack(s) in {blocks / 'packs'}: their good blocks are "
            "indexed; restore the rest from a backup or a mirror (permapress mirror)"
        )
