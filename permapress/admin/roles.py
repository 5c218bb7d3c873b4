"""Roles and what each may do, as in Ghost, plus review before publishing.

| action        | contributor            | author     | editor | admin |
|---------------|------------------------|------------|--------|-------|
| create        | yes                    | yes        | yes    | yes   |
| view, save    | own, until published   | own        | any    | any   |
| submit        | own, until published   | own        | any    | any   |
| preview_link  | own, until published   | own        | any    | any   |
| upload_media  | own, until published   | own        | any    | any   |
| publish       | no                     | own        | any    | any   |
| schedule      | no                     | own        | any    | any   |
| correct       | no                     | own        | any    | any   |
| retract       | no                     | no         | any    | any   |
| list_media    | yes                    | yes        | yes    | yes   |
| invite        | no                     | no         | author, contributor | any role |
| manage_users  | no                     | no         | no     | yes   |
| settings      | no                     | no         | no     | yes   |

"Own" means the article's owner (the user who created it in the admin) is the user asking;
an article that came in by ``permapress import`` has no owner, so only editors and admins
touch it. The owner is the first admin; the owner cannot be removed or demoted. ``allowed``
is the one place these rules live: the API refuses with 403 what it says no to, and the
editor's pages show only the buttons it says yes to (``actions_for``).
"""

from __future__ import annotations

from typing import Final

ROLES: Final = ("contributor", "author", "editor", "admin")
ARTICLE_ACTIONS: Final = (
    "view", "save", "submit", "preview_link", "upload_media", "publish", "schedule", "correct",
    "retract",
)  # fmt: skip
_CONTRIBUTOR: Final = frozenset({"view", "save", "submit", "preview_link", "upload_media"})
_AUTHOR: Final = frozenset(ARTICLE_ACTIONS) - {"retract"}
# the roles each role may invite (and so create tokens for, from the API)
INVITES: Final = {
    "contributor": (),
    "author": (),
    "editor": ("contributor", "author"),
    "admin": ROLES,
}


def role_problem(role: str) -> str | None:
    if role not in ROLES:
        return f"role {role!r} is not one of {', '.join(ROLES)}"
    return None


def allowed(role: str, action: str, *, own: bool = False, published: bool = False) -> bool:
    """Whether a user of ``role`` may do ``action`` (on an article that is theirs or not,
    published or not)."""
    if role in ("editor", "admin"):
        if action in ARTICLE_ACTIONS or action in ("create", "list_media"):
            return True
        if action == "invite":
            return True
        return role == "admin" and action in ("manage_users", "settings")
    if action in ("create", "list_media"):
        return role in ROLES
    if action not in ARTICLE_ACTIONS or not own:
        return False
    if role == "author":
        return action in _AUTHOR
    if role == "contributor":
        return action == "view" if published else action in _CONTRIBUTOR
    return False


def may_invite(role: str, invited: str) -> bool:
    return invited in INVITES.get(role, ())


def actions_for(role: str, *, own: bool, published: bool) -> list[str]:
    """The article actions a user may take, in the order the editor shows them."""
    return [a for a in ARTICLE_ACTIONS if allowed(role, a, own=own, published=published)]
