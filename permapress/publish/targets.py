"""Publishing targets: the ``[publish.<name>]`` tables of ``permapress.toml``.

    [publish.office]                # a Kubo node (or anything speaking the Kubo RPC API)
    type = "kubo"
    url = "http://127.0.0.1:5001"
    token_env = "OFFICE_KUBO_TOKEN" # optional; sent as "Authorization: Bearer …" (auth = "basic"
                                    # sends the "user:password" the variable holds as Basic)
    ipns = true                     # also publish the site's IPNS record through this node

    [publish.pinner]                # an IPFS Pinning Service API 1.0 endpoint
    type = "pinning"
    url = "https://pinning.example/psa"
    token_file = "/etc/permapress/pinner.token"   # outside the newsroom folder
    origins = ["/dns4/news.example.org/tcp/443/https"]

    [publish.cluster]               # an IPFS Cluster REST API
    type = "cluster"
    url = "http://127.0.0.1:9094"
    auth = "basic"                  # the token variable holds "user:password"
    token_env = "CLUSTER_AUTH"
    replication_min = 2
    replication_max = 3

``load_targets(home, table)`` reads them (``table`` is the parsed TOML, so tests need no file);
``read_targets(home)`` reads ``home/permapress.toml``. Secrets are only ever named: a token
written into the toml, or a token file inside the newsroom folder (which is copied, backed up and
shared) is refused with ``ConfigError``. ``secret(target, env)`` reads the token when a command
needs it. No function here prints or stores a secret; ``Target``'s repr holds only references.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from permapress.config import CONFIG_NAME
from permapress.errors import ConfigError

Kind = Literal["kubo", "pinning", "cluster"]
KINDS: tuple[Kind, ...] = ("kubo", "pinning", "cluster")

COMMON_KEYS = {"type", "url", "token_env", "token_file", "auth", "timeout", "retries"}
KIND_KEYS: dict[str, set[str]] = {
    "kubo": {"batch_mib", "ipns", "ipns_lifetime_hours", "ipns_ttl_minutes"},
    "pinning": {"origins", "wait"},
    "cluster": {"replication_min", "replication_max", "wait"},
}
SECRET_KEYS = {
    "token",
    "secret",
    "password",
    "api_key",
    "apikey",
    "key",
    "bearer",
    "auth_token",
    "access_token",
    "authorization",
    "jwt",
}


@dataclass(frozen=True, slots=True)
class Target:
    """One place to publish to. Holds references to secrets, never a secret."""

    name: str
    kind: Kind
    url: str
    token_env: str | None = None
    token_file: Path | None = None
    timeout: float = 60.0
    retries: int = 4
    auth: Literal["bearer", "basic"] = "bearer"
    batch_mib: int = 8
    ipns: bool = False
    ipns_lifetime_hours: int = 48
    ipns_ttl_minutes: int = 5
    origins: tuple[str, ...] | None = None
    wait: float = 300.0
    replication_min: int | None = None
    replication_max: int | None = None


def _where(home: Path, name: str) -> str:
    return f"{home / CONFIG_NAME} [publish.{name}]"


def _int(
    table: Mapping[str, object], key: str, default: int, low: int, high: int, where: str
) -> int:
    value = table.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ConfigError(f"{where}: `{key}` must be a whole number from {low} to {high}")
    return value


def _number(table: Mapping[str, object], key: str, default: float, where: str) -> float:
    value = table.get(key, default)
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 < value <= 86400:
        raise ConfigError(f"{where}: `{key}` must be a number of seconds from 1 to 86400")
    return float(value)


def _optional_int(table: Mapping[str, object], key: str, where: str) -> int | None:
    if key not in table:
        return None
    return _int(table, key, 0, -1, 1000, where)


def _url(value: object, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f'{where}: `url` is required, e.g. url = "http://127.0.0.1:5001"')
    url = value.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{where}: url {value!r} must start with http:// or https://")
    if parts.username or parts.password:
        raise ConfigError(f"{where}: url must not contain a user name or password; use token_env")
    return url


def _token_file(value: object, home: Path, where: str) -> Path:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"{where}: `token_file` must be the path of a file holding the token")
    path = Path(value).expanduser()
    if not path.is_absolute():
        raise ConfigError(
            f"{where}: token_file {value!r} must be an absolute path outside the newsroom"
        )
    if path.resolve().is_relative_to(home.resolve()):
        raise ConfigError(
            f"{where}: token_file {value!r} is inside the newsroom folder, which gets copied and "
            "shared; move the file elsewhere (e.g. ~/.config/permapress/) or use token_env"
        )
    return path


def parse_target(name: str, table: Mapping[str, object], home: Path) -> Target:
    """One ``[publish.<name>]`` table -> ``Target`` (ConfigError naming the key)."""
    where = _where(home, name)
    kind = table.get("type")
    if kind not in KINDS:
        raise ConfigError(f"{where}: `type` must be one of {', '.join(KINDS)} (got {kind!r})")
    assert isinstance(kind, str)
    for key in table:
        if key.lower() in SECRET_KEYS:
            raise ConfigError(
                f"{where}: `{key}` looks like a secret written into permapress.toml; remove it and "
                'name it instead: token_env = "VARIABLE" or token_file = "/path/outside/newsroom"'
            )
    allowed = COMMON_KEYS | KIND_KEYS[kind]
    unknown = sorted(set(table) - allowed)
    if unknown:
        raise ConfigError(
            f"{where}: unknown key {unknown[0]!r}; "
            f"a {kind} target takes {', '.join(sorted(allowed))}"
        )
    token_env = table.get("token_env")
    if token_env is not None and (not isinstance(token_env, str) or not token_env.strip()):
        raise ConfigError(f"{where}: `token_env` must name an environment variable")
    if token_env is not None and "token_file" in table:
        raise ConfigError(f"{where}: use token_env or token_file, not both")
    auth = table.get("auth", "bearer")
    if auth not in ("bearer", "basic"):
        raise ConfigError(f'{where}: `auth` must be "bearer" or "basic"')
    origins_value = table.get("origins")
    origins: tuple[str, ...] | None = None
    if origins_value is not None:
        if not isinstance(origins_value, list) or not all(
            isinstance(o, str) and o.startswith("/") for o in origins_value
        ):
            raise ConfigError(
                f'{where}: `origins` must be a list of multiaddrs like "/dns4/host/tcp/443/https"'
            )
        origins = tuple(origins_value)
    ipns = table.get("ipns", False)
    if not isinstance(ipns, bool):
        raise ConfigError(f"{where}: `ipns` must be true or false")
    return Target(
        name=name,
        kind=kind,
        url=_url(table.get("url"), where),
        token_env=token_env.strip() if isinstance(token_env, str) else None,
        token_file=_token_file(table["token_file"], home, where) if "token_file" in table else None,
        timeout=_number(table, "timeout", 60.0, where),
        retries=_int(table, "retries", 4, 0, 20, where),
        auth=auth,
        batch_mib=_int(table, "batch_mib", 8, 1, 1024, where),
        ipns=ipns,
        ipns_lifetime_hours=_int(table, "ipns_lifetime_hours", 48, 1, 24 * 365, where),
        ipns_ttl_minutes=_int(table, "ipns_ttl_minutes", 5, 0, 24 * 60, where),
        origins=origins,
        wait=_number(table, "wait", 300.0, where),
        replication_min=_optional_int(table, "replication_min", where),
        replication_max=_optional_int(table, "replication_max", where),
    )


def load_targets(home: Path, data: Mapping[str, object]) -> dict[str, Target]:
    """Every target of a parsed permapress.toml, in the order written."""
    section = data.get("publish", {})
    if not isinstance(section, dict):
        raise ConfigError(f"{home / CONFIG_NAME}: [publish] must hold tables like [publish.office]")
    targets: dict[str, Target] = {}
    for name, table in section.items():
        if not isinstance(table, dict):
            raise ConfigError(
                f"{home / CONFIG_NAME}: publish.{name} must be a table "
                f"([publish.{name}] with type and url)"
            )
        targets[name] = parse_target(name, table, home)
    return targets


def read_targets(home: Path) -> dict[str, Target]:
    path = home / CONFIG_NAME
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read as TOML ({exc})") from None
    return load_targets(home, data)


def select(targets: Mapping[str, Target], names: tuple[str, ...]) -> list[Target]:
    """The targets named (all when none), or ConfigError listing the known ones."""
    if not targets:
        raise ConfigError(
            "no publishing targets: add a [publish.<name>] table to permapress.toml "
            "(see docs/publishing.md)"
        )
    if not names:
        return list(targets.values())
    missing = [n for n in names if n not in targets]
    if missing:
        raise ConfigError(f"no target named {missing[0]!r}; known targets: {', '.join(targets)}")
    return [targets[n] for n in names]


def secret(target: Target, env: Mapping[str, str]) -> str | None:
    """The target's token, read now from its variable or file; None when it needs none."""
    if target.token_env is not None:
        value = env.get(target.token_env, "").strip()
        if not value:
            raise ConfigError(
                f"target {target.name}: the environment variable {target.token_env} is not set; "
                "export it with the token before publishing"
            )
        return value
    if target.token_file is not None:
        try:
            value = target.token_file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(
                f"target {target.name}: cannot read token_file {target.token_file} ({exc.strerror})"
            ) from None
        if not value:
            raise ConfigError(f"target {target.name}: token_file {target.token_file} is empty")
        return value
    return None


def gateway_multiaddr(url: str) -> str:
    """The multiaddr of an HTTP(S) gateway, e.g. ``/dns4/news.example.org/tcp/443/https``."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    https = parts.scheme == "https"
    port = parts.port or (443 if https else 80)
    if host.replace(".", "").isdigit():
        proto = "ip4"
    elif ":" in host:
        proto = "ip6"
    else:
        proto = "dns"
    return f"/{proto}/{host}/tcp/{port}/{'https' if https else 'http'}"
