"""``permapress publish`` and ``permapress status``: the newest site to every target, resumably.

    publish(newsroom, targets, *, env, full=False, reporter=None, poll=1.0) -> list[Outcome]
    status(newsroom, targets) -> list[dict]

``publish`` takes the newest built site root (``Catalog.latest_build``) and, target by target,
makes it pinned there (``kubo.publish_kubo``, ``pinning.publish_pinning``,
``cluster.publish_cluster``). Every step records its progress in ``state.PublishState`` as soon
as the target confirmed it, so running ``publish`` again after an interruption (a kill, a lost
connection, a timeout) continues where it stopped, and nothing is recorded as published that a
target did not confirm. A failing target does not stop the others; its ``Outcome`` carries the
one-line reason. Kubo targets with ``ipns = true`` then get the newsroom's signed IPNS record
pointing at the root (``naming``). ``env`` is where token variables are read (``os.environ``).

The IPNS step is reported on its own: when it fails after the site was pinned, the outcome
stays ``pinned``/``already`` and carries ``ipns_error`` (the reason), so the site is never
reported as unpublished because its name could not be updated. The next ``publish`` retries the
IPNS step alone (the root is already pinned). ``exit_code(outcomes)``: 0 when every target
holds the site (and its IPNS record where asked), 1 when any target failed, else 3 when the site
is pinned everywhere but an IPNS step failed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from permapress.errors import ConfigError, PermapressError
from permapress.handle import Newsroom
from permapress.ipfs.cid import CID
from permapress.publish.cluster import publish_cluster
from permapress.publish.errors import PublishError
from permapress.publish.http import TargetClient
from permapress.publish.kubo import Kubo, publish_kubo
from permapress.publish.naming import current_record, publish_record
from permapress.publish.pinning import publish_pinning
from permapress.publish.state import PublishState
from permapress.publish.targets import Target, gateway_multiaddr, secret
from permapress.trust.keys import load_private_key


class Reporter(Protocol):
    """Progress of one target's upload (the CLI draws it as a bar)."""

    def start(self, target: str, total: int) -> None: ...

    def advance(self, nbytes: int) -> None: ...

    def finish(self) -> None: ...


@dataclass(frozen=True, slots=True)
class Outcome:
    target: str
    kind: str
    root: str
    result: str  # pinned | already | pending | failed
    message: str = ""
    ipns: str | None = None
    seconds: float = 0.0
    ipns_error: str = ""

    @property
    def ipns_result(self) -> str | None:
        """"published" | "failed" | None (not asked for, or the site is not pinned there)."""
        if self.ipns_error:
            return "failed"
        return "published" if self.ipns else None

    def as_dict(self) -> dict[str, object]:
        return {
            "target": self.target,
            "type": self.kind,
            "root": self.root,
            "result": self.result,
            "message": self.message,
            "ipns": self.ipns,
            "ipns_result": self.ipns_result,
            "ipns_error": self.ipns_error,
            "seconds": round(self.seconds, 3),
        }


EXIT_OK, EXIT_FAILED, EXIT_IPNS_FAILED = 0, 1, 3


def exit_code(outcomes: Sequence[Outcome]) -> int:
    """1 when a target failed, else 3 when an IPNS step failed, else 0."""
    if any(o.result == "failed" for o in outcomes):
        return EXIT_FAILED
    if any(o.ipns_error for o in outcomes):
        return EXIT_IPNS_FAILED
    return EXIT_OK


def latest_root(newsroom: Newsroom) -> CID:
    latest = newsroom.catalog.latest_build()
    if latest is None:
        raise ConfigError("nothing to publish yet: run `permapress build` first")
    return CID.parse(latest)


def _origins(target: Target, newsroom: Newsroom) -> tuple[str, ...]:
    if target.origins is not None:
        return target.origins
    base = newsroom.config.base_url
    return (gateway_multiaddr(base),) if base else ()


def _one(
    newsroom: Newsroom,
    state: PublishState,
    target: Target,
    root: CID,
    client: TargetClient,
    *,
    full: bool,
    reporter: Reporter | None,
    poll: float,
) -> str:
    get = newsroom.blocks.get
    label = f"{newsroom.config.name} site"
    advance: Callable[[int], None] | None = reporter.advance if reporter is not None else None
    if target.kind == "kubo":

        def on_total(total: int) -> None:
            if reporter is not None:
                reporter.start(target.name, total)

        return publish_kubo(
            client, root, get, state, full=full, progress=advance, on_total=on_total
        )
    if target.kind == "pinning":
        return publish_pinning(
            client, root, state, origins=_origins(target, newsroom), label=label, poll=poll
        )
    if reporter is not None:
        row = state.root(target.name, str(root))
        if row is None or row.status not in ("pinned", "pinning"):
            reporter.start(target.name, 0)
    return publish_cluster(client, root, get, state, label=label, poll=poll, progress=advance)


def publish_ipns(
    newsroom: Newsroom, state: PublishState, target: Target, root: CID, client: TargetClient
) -> str:
    key = load_private_key(newsroom.config.keys_path)
    row = current_record(
        state,
        key,
        f"/ipfs/{root}",
        lifetime=timedelta(hours=target.ipns_lifetime_hours),
        ttl=timedelta(minutes=target.ipns_ttl_minutes),
    )
    accepted = state.ipns_at(target.name)
    if accepted is None or accepted[0] != row.name or accepted[1] != row.sequence:
        publish_record(Kubo(client), state, row)
    return row.name


def publish(
    newsroom: Newsroom,
    targets: Sequence[Target],
    *,
    env: Mapping[str, str],
    full: bool = False,
    reporter: Reporter | None = None,
    poll: float = 1.0,
) -> list[Outcome]:
    root = latest_root(newsroom)
    outcomes: list[Outcome] = []
    with PublishState.open(newsroom.config.catalog_path) as state:
        for target in targets:
            started = time.monotonic()
            ipns: str | None = None
            ipns_error = ""
            try:
                token = secret(target, env)
                with TargetClient(target, token) as client:
                    try:
                        result = _one(
                            newsroom,
                            state,
                            target,
                            root,
                            client,
                            full=full,
                            reporter=reporter,
                            poll=poll,
                        )
                    finally:
                        if reporter is not None:
                            reporter.finish()
                    if target.ipns and result in ("pinned", "already"):
                        try:
                            ipns = publish_ipns(newsroom, state, target, root, client)
                        except PermapressError as exc:
                            ipns_error = exc.reason if isinstance(exc, PublishError) else str(exc)
                message = (
                    ""
                    if result != "pending"
                    else "the target is still pinning; run publish again later"
                )
            except PermapressError as exc:
                result, message = "failed", str(exc)
            outcomes.append(
                Outcome(
                    target.name,
                    target.kind,
                    str(root),
                    result,
                    message,
                    ipns,
                    time.monotonic() - started,
                    ipns_error,
                )
            )
    return outcomes


def status(newsroom: Newsroom, targets: Sequence[Target]) -> list[dict[str, object]]:
    """Per target: the roots published (pinned), pending (uploading/pinning), failed, replaced;
    the IPNS record it accepted (``ipns``) and, for ``ipns = true`` targets, the newest record
    signed that it has not accepted yet (``ipns_pending``, e.g. after an IPNS failure)."""
    latest = newsroom.catalog.latest_build()
    report: list[dict[str, object]] = []
    with PublishState.open(newsroom.config.catalog_path, readonly=True) as state:
        for target in targets:
            rows = state.roots(target.name)
            ipns = state.ipns_at(target.name)
            newest = state.latest_ipns() if target.ipns else None
            ipns_pending = (
                {"name": newest.name, "sequence": newest.sequence, "value": newest.value}
                if newest is not None
                and (ipns is None or ipns[0] != newest.name or ipns[1] < newest.sequence)
                else None
            )
            report.append(
                {
                    "target": target.name,
                    "type": target.kind,
                    "url": target.url,
                    "latest_root": latest,
                    "latest_published": any(
                        r.root_cid == latest and r.status == "pinned" for r in rows
                    ),
                    "pinned": [r.root_cid for r in rows if r.status == "pinned"],
                    "pending": [
                        {"root": r.root_cid, "status": r.status, "detail": r.detail}
                        for r in rows
                        if r.status in ("uploading", "pinning")
                    ],
                    "failed": [
                        {"root": r.root_cid, "detail": r.detail}
                        for r in rows
                        if r.status == "failed"
                    ],
                    "replaced": [r.root_cid for r in rows if r.status == "replaced"],
                    "blocks_confirmed": len(state.confirmed(target.name))
                    if target.kind == "kubo"
                    else None,
                    "ipns": {"name": ipns[0], "sequence": ipns[1], "published": ipns[2]}
                    if ipns
                    else None,
                    "ipns_pending": ipns_pending,
                }
            )
    return report
