"""The newsroom's admin: people, roles, sign-in, the editorial workflow and its JSON API.

Served by ``permapress serve`` on an origin of its own (``--admin-port``, default
127.0.0.1:8001), never on the origin that serves ``/ipfs/`` content, so a page published in
the newsroom can never read an editor's session.

    store.py      admin.sqlite beside the catalog: users, invites, sessions, API tokens,
                  login failures, editable articles and their revisions, preview links, media
    passwords.py  argon2id hashes, TOTP codes, random secrets
    roles.py      the roles (contributor, author, editor, admin; the first admin is the owner)
                  and what each may do: one table, used by the API and the pages alike
    auth.py       who is asking: the session cookie or a Bearer token, CSRF, login rate limits
    workflow.py   draft -> submitted -> published, scheduling, corrections, retractions: the
                  same newsroom operations as the command line, signed into the publisher log
                  with the acting user's id
    media.py      image uploads: the type sniffed from the bytes, size-limited
    api.py        the JSON API under /admin/api/ (see docs/admin-api.md)
    app.py        ``admin_app(home)``: the Starlette app of the admin origin
    ui/           the browser editor's pages and assets (mounted by app.py)
"""
