"""People and API tokens of the newsroom's admin: ``permapress users`` and ``permapress tokens``.

    users add EMAIL --role contributor|author|editor|admin   prints a one-time invite link
    users list | remove EMAIL | reset EMAIL | role EMAIL ROLE
    tokens create --user EMAIL                               prints the token alone on its last line
    tokens revoke TOKEN|ID  /  tokens revoke --user EMAIL

They write admin.sqlite in the newsroom folder (created on first use, mode 0600); the admin
served by ``permapress serve --admin-port`` reads it (docs/admin-api.md).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from permapress.cli.options import home_option, json_option, resolve_home

if TYPE_CHECKING:
    from permapress.admin.store import AdminStore

F = TypeVar("F", bound=Callable[..., Any])
ADMIN_URL = "http://127.0.0.1:8001"


def _store(home: Path | None) -> AdminStore:
    from permapress.admin.store import AdminStore
    from permapress.config import load_config

    config = load_config(resolve_home(home))
    return AdminStore.open(config.home)


def _url_option(func: F) -> F:
    return click.option(
        "--url", default=ADMIN_URL, show_default=True,
        help="Where the admin is served (the start of the invite link).",
    )(func)  # fmt: skip


def _when(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%d %H:%M UTC")


@click.group()
def users() -> None:
    """The people who write, edit and publish in the admin, and their roles."""


@users.command(name="add")
@click.argument("email")
@click.option("--role", required=True,
              type=click.Choice(["contributor", "author", "editor", "admin"]),
              help="contributor: drafts; author: publishes own; editor: anyone's; admin: all.")
@click.option("--name", default="", help="The name shown in the admin (and as byline).")
@_url_option
@home_option
def users_add(email: str, role: str, name: str, url: str, home: Path | None) -> None:
    """Invite EMAIL: prints a one-time sign-in link that expires after 7 days."""
    from permapress.admin.people import add_user

    with _store(home) as store:
        invite = add_user(store, email, role, name=name)
    owner = " (the newsroom's owner)" if invite.user.owner else ""
    click.echo(f"Invited {invite.user.email} as {role}{owner}, user id {invite.user.id}.")
    click.echo(f"Send them this link (it works once, until {_when(invite.expires)}):")
    click.echo(invite.link(url))


@users.command(name="list")
@home_option
@json_option
def users_list(home: Path | None, as_json: bool) -> None:
    """List the people, their roles and whether they have signed in."""
    with _store(home) as store:
        people = [u for u in store.users() if u.status != "removed"]
    if as_json:
        click.echo(json.dumps([u.as_json() for u in people], ensure_ascii=False, indent=2))
        return
    if not people:
        click.echo("No people yet. Invite someone with `permapress users add EMAIL --role admin`.")
        return
    for user in people:
        marks = ("owner" if user.owner else "", "2FA" if user.totp else "",
                 user.status if user.status != "active" else "")  # fmt: skip
        flags = ", ".join(f for f in marks if f)
        click.echo(f"{user.id}  {user.role:<11}  {user.email}" + (f"  ({flags})" if flags else ""))


@users.command(name="remove")
@click.argument("email")
@home_option
def users_remove(email: str, home: Path | None) -> None:
    """Remove EMAIL: signed out, tokens revoked; what they did stays on the record."""
    from permapress.admin.people import remove_user

    with _store(home) as store:
        user = remove_user(store, email)
    click.echo(f"Removed {user.email} ({user.id}); their sessions and tokens no longer work.")


@users.command(name="reset")
@click.argument("email")
@_url_option
@home_option
def users_reset(email: str, url: str, home: Path | None) -> None:
    """Sign EMAIL out everywhere, clear password and second factor, print a new link."""
    from permapress.admin.people import reset_user

    with _store(home) as store:
        invite = reset_user(store, email)
    click.echo(f"Reset {invite.user.email}: signed out, password and second factor cleared.")
    click.echo(f"Send them this link (it works once, until {_when(invite.expires)}):")
    click.echo(invite.link(url))


@users.command(name="role")
@click.argument("email")
@click.argument("role", type=click.Choice(["contributor", "author", "editor", "admin"]))
@home_option
def users_role(email: str, role: str, home: Path | None) -> None:
    """Give EMAIL another role."""
    from permapress.admin.people import set_role

    with _store(home) as store:
        user = set_role(store, email, role)
    click.echo(f"{user.email} is now {user.role}.")


@click.group()
def tokens() -> None:
    """API tokens for scripts (sent as 'Authorization: Bearer TOKEN')."""


@tokens.command(name="create")
@click.option("--user", "email", required=True, help="The account the token acts as.")
@home_option
def tokens_create(email: str, home: Path | None) -> None:
    """Create a token acting as --user (with that person's role); printed once."""
    from permapress.admin.people import create_token

    with _store(home) as store:
        token_id, token = create_token(store, email)
    click.echo(f"Token {token_id} for {email.strip()} (shown once; revoke with "
               f"`permapress tokens revoke {token_id}`):")  # fmt: skip
    click.echo(token)


@tokens.command(name="revoke")
@click.argument("token", required=False)
@click.option("--user", "email", default=None, help="Revoke every token of this account.")
@home_option
def tokens_revoke(token: str | None, email: str | None, home: Path | None) -> None:
    """Revoke TOKEN (the token or its id), or every token of --user."""
    from permapress.admin.people import revoke_token, revoke_user_tokens
    from permapress.errors import ConfigError

    if (token is None) == (email is None):
        raise ConfigError("give a token (or its id) or --user EMAIL, one of the two")
    with _store(home) as store:
        count = revoke_token(store, token) if token else revoke_user_tokens(store, email or "")
    if token and not count:
        raise ConfigError(f"no active token {token!r}; it may be revoked already")
    click.echo(f"Revoked {count} token(s).")


COMMANDS = (users, tokens)


def register(group: click.Group) -> None:
    for command in COMMANDS:
        group.add_command(command)
