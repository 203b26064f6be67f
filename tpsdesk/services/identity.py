"""R7: who is acting, decided here and nowhere else (the CLI's ``Context`` and the TUI's
sign-in both call ``resolve``).

- PostgreSQL (a shared floor): the person is the database login (``session_user``). It is
  the staff logon of the same name unless the policy maps it (``[identity] logins``). A
  ``--user`` or ``TPSDESK_USER`` that names anyone else is refused; the OS user is never
  asked. The database's owner, or a superuser, acting without ``--user`` and mapping to no
  staff member is the floor's owner: it may set the floor up and do nothing else.
- SQLite (one desk, a 0600 file): the file's owner may act as any staff member of it, as
  named by ``--user``, ``TPSDESK_USER`` or else the OS user; acting without either, the
  file's owner is also the floor's owner for setting up.

Setting up (Centres, sites, staff, the admin flag, the demo) asks ``require_setup``, which
applies ``domain.floor.may_set_up`` inside the change's own transaction.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace

from sqlalchemy import text
from sqlmodel import Session, select

from tpsdesk.domain import floor
from tpsdesk.errors import NotFound, PermissionDenied
from tpsdesk.models import Staff
from tpsdesk.services.desk import Desk

POSTGRESQL = "postgresql"
SETUP_COMMANDS = "db upgrade, demo, centre, site, staff"


@dataclass(frozen=True)
class Identity:
    """Who this process acts as."""

    login: str  # PostgreSQL's session_user, or the OS user (recorded on every event)
    logon: str | None  # the staff logon acted as; None: the floor's owner as no staff member
    floor_owner: bool = False  # acting as the floor's owner: may set the floor up (R7)
    owner: bool = False  # the login owns the floor (database owner or superuser; the file's owner)
    backend: str = "sqlite"
    source: str = ""  # what named the logon: --user, TPSDESK_USER, the PostgreSQL login, the OS user
    known: bool = True  # PostgreSQL: a staff member has that logon (SQLite: asked when it is used)

    @property
    def label(self) -> str:
        """For messages and events: "sp1", or "the floor's owner (login postgres)"."""
        if self.logon is None or self.floor_owner:
            return f"the floor's owner (login {self.login})"
        return self.logon

    def staff_logon(self) -> str:
        """The staff logon for work on escalations, contacts and DOCs; the floor's owner as no
        staff member, or a PostgreSQL login no staff member has, is told what to do."""
        if self.logon is None and self.floor_owner:
            raise PermissionDenied(
                f"refused: PostgreSQL login {self.login!r} is the floor's owner and no staff member: it may set up "
                f"the floor only ({SETUP_COMMANDS}); this needs a staff member's own login (R7)"
            )
        if self.logon is None or not self.known:
            raise NotFound(
                f"PostgreSQL login {self.login!r} is no staff member's here (R7): ask an admin to add you "
                "('tpsdesk staff add LOGON ... --login') or to map the login in the policy's [identity] logins"
            )
        return self.logon

    def as_floor_owner(self) -> Identity:
        """The first run on an empty database: only the floor's owner may set it up (R7)."""
        if not self.owner:
            where = "the database's owner or a superuser" if self.backend == POSTGRESQL else "the file's owner"
            raise PermissionDenied(
                f"refused: only the floor's owner ({where}) may set up an empty database (R7); "
                f"you are connected as {self.login!r}"
            )
        return replace(self, floor_owner=True)


def floor_owner(login: str = "owner", backend: str = "sqlite") -> Identity:
    """The floor's owner acting as no staff member (set-up scripts and test fixtures)."""
    return Identity(login, None, floor_owner=True, owner=True, backend=backend, source="owner")


def requested_from(user: str | None, env_user: str | None) -> tuple[str | None, str]:
    """The logon asked for and what asked: ``--user`` first, then ``TPSDESK_USER``."""
    if user and user.strip():
        return user.strip(), "--user"
    if env_user and env_user.strip():
        return env_user.strip(), "TPSDESK_USER"
    return None, ""


def resolve(desk: Desk, *, user: str | None = None, env_user: str | None = None) -> Identity:
    """Who is acting on ``desk``: ``user`` is ``--user``, ``env_user`` is ``TPSDESK_USER``."""
    requested, source = requested_from(user, env_user)
    if desk.store.dialect == POSTGRESQL:
        return _postgres(desk, requested, source)
    return _sqlite(desk, requested, source)


def _postgres(desk: Desk, requested: str | None, source: str) -> Identity:
    with desk.store.engine.connect() as conn:
        login, superuser, db_owner, has_staff = conn.execute(
            text(
                "SELECT session_user, r.rolsuper, d.datdba = r.oid, to_regclass('staff') IS NOT NULL "
                "FROM pg_roles r JOIN pg_database d ON d.datname = current_database() "
                "WHERE r.rolname = session_user"
            )
        ).one()
        mapped = desk.policy.identity.logon_of(login)
        known = False
        if mapped is not None and has_staff:
            known = (
                conn.execute(text("SELECT 1 FROM staff WHERE logon = :logon"), {"logon": mapped}).first() is not None
            )
    owner = bool(superuser or db_owner)
    if requested is not None and requested != mapped:
        if mapped is None:
            who = "no staff member's (its name is mapped to another login in [identity] logins)"
        elif known:
            who = f"staff member {mapped!r}"
        elif owner:
            who = "the floor's owner, no staff member"
        else:
            who = f"no staff member (there is no staff logon {mapped!r})"
        raise PermissionDenied(
            f"refused: {source} {requested!r} is not who is connected: PostgreSQL login {login!r} is {who} (R7); "
            f"leave out {source}, or connect with the login of {requested!r}"
        )
    if requested is None and owner and not known:
        return Identity(login, None, floor_owner=True, owner=True, backend=POSTGRESQL, source="owner", known=False)
    return Identity(login, mapped, owner=owner, backend=POSTGRESQL, source=source or "login", known=known)


def _owns(path: str | None) -> bool:
    """The OS user owns the SQLite file (an in-memory database is its opener's)."""
    if not path or path == ":memory:":
        return True
    getuid = getattr(os, "getuid", None)
    if getuid is None:  # no uids on this OS: whoever can open the file owns it
        return True
    try:
        return bool(os.stat(path).st_uid == getuid())
    except OSError:
        return False


def _sqlite(desk: Desk, requested: str | None, source: str) -> Identity:
    login = desk.store.login
    owner = _owns(desk.store.engine.url.database)
    if requested is not None:
        return Identity(login, requested, owner=owner, source=source)
    return Identity(login, login, floor_owner=owner, owner=owner, source="OS user")


def require_setup(session: Session, who: Identity) -> int | None:
    """R7: refuse anyone but the floor's owner or an admin; the staff id to record on the
    change's event (None: the floor's owner as no staff member)."""
    staff = session.exec(select(Staff).where(Staff.logon == who.logon)).first() if who.logon else None
    refusal = floor.may_set_up(
        logon=who.logon,
        staff=staff is not None,
        active=bool(staff and staff.active),
        admin=bool(staff and staff.admin),
        floor_owner=who.floor_owner,
        role=staff.role if staff is not None else "",
    )
    if refusal is not None:
        raise PermissionDenied(refusal.text)
    return staff.id if staff is not None else None
