"""R7 on PostgreSQL: the group roles a floor's logins belong to, and a staff member's login.

``tpsdesk_staff`` (NOLOGIN) holds exactly what the app needs: SELECT on every table; INSERT
on the tables work adds to; UPDATE on the rows work changes; the sequences. It has no
UPDATE, DELETE or TRUNCATE on notes and events (D3) and no DELETE anywhere.
``tpsdesk_admin`` is a member of it and adds INSERT and UPDATE on centre, site and staff
(setting up the floor). ``ensure_groups`` runs after every ``tpsdesk db upgrade``, so
tables a migration adds are covered; it revokes first, so the groups hold exactly this.

Roles are cluster-wide; the grants are per database. A login that may not create roles
(neither superuser nor CREATEROLE) gets the SQL a DBA runs instead, and nothing changes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError

STAFF = "tpsdesk_staff"
ADMIN = "tpsdesk_admin"
STAFF_INSERT = ("note", "event", "contact", "escalation", "stop_payment_doc", "feedback", "outbox")
STAFF_UPDATE = ("escalation", "contact", "stop_payment_doc", "feedback", "outbox")
ADMIN_WRITE = ("centre", "site", "staff")
# A login a DBA can type unquoted: lower case letters, digits and _, not PostgreSQL's own pg_.
_PLAIN = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
INSUFFICIENT_PRIVILEGE = "42501"
_RETRIED = {"23505", "XX000", "40001", "40P01"}  # two upgrades creating the cluster's roles at once


@dataclass(frozen=True)
class RoleReport:
    """What was done, or the SQL a DBA runs when this login may not."""

    applied: bool
    sql: tuple[str, ...] = ()
    reason: str = ""
    runs: str = "A DBA (superuser or CREATEROLE)"  # who can run ``sql`` instead

    def to_json(self) -> dict[str, Any]:
        return {"applied": self.applied, "sql": list(self.sql), "reason": self.reason}

    def text(self, done: str) -> str:
        if self.applied:
            return done
        lines = [f"nothing was granted: {self.reason}. {self.runs} runs, in this database:"]
        lines += [f"  {statement};" for statement in self.sql]
        return "\n".join(lines)


def is_plain(name: str) -> bool:
    return bool(_PLAIN.match(name)) and not name.startswith("pg_")


def check_login(name: str) -> str:
    """A login name safe to create: plain, so it needs no quoting (it is quoted anyway)."""
    from tpsdesk.errors import ValidationError

    if not is_plain(name):
        raise ValidationError(
            "--login",
            f"{name!r} is not a plain PostgreSQL login name: lower-case letters, digits and _, not starting with "
            "a digit or pg_, up to 63 (map other logons to such a login in the policy's [identity] logins)",
        )
    return name


def _quote(conn: Connection, name: str) -> str:
    return str(conn.dialect.identifier_preparer.quote_identifier(name))


def _privileges(conn: Connection) -> tuple[str, bool]:
    """The session's login, and whether it may create and grant roles."""
    login, superuser, createrole = conn.execute(
        text("SELECT session_user, rolsuper, rolcreaterole FROM pg_roles WHERE rolname = session_user")
    ).one()
    return str(login), bool(superuser or createrole)


def _exists(conn: Connection, role: str) -> bool:
    return conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first() is not None


def _member(conn: Connection, role: str, group: str) -> bool:
    return (
        conn.execute(
            text(
                "SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
                "JOIN pg_roles r ON r.oid = m.member WHERE g.rolname = :g AND r.rolname = :r"
            ),
            {"g": group, "r": role},
        ).first()
        is not None
    )


def _owns_tables(conn: Connection) -> bool:
    """The session may grant on every table and sequence of the schema: superuser, or member
    of each one's owner."""
    return bool(
        conn.execute(
            text(
                "SELECT (SELECT rolsuper FROM pg_roles WHERE rolname = session_user) OR coalesce(bool_and("
                "pg_has_role(session_user, c.relowner, 'USAGE')), true) FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'S', 'p')"
            )
        ).scalar_one()
    )


def _sqlstate(exc: DBAPIError) -> str:
    return str(getattr(exc.orig, "sqlstate", "") or "")


def _create_group(name: str) -> str:
    return (
        f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{name}') "
        f"THEN CREATE ROLE {name} NOLOGIN; END IF; END $$"
    )


def group_sql(conn: Connection) -> tuple[list[str], list[str]]:
    """(statements that need CREATEROLE, the grants the tables' owner may run) for this database."""
    schema = _quote(conn, str(conn.execute(text("SELECT current_schema()")).scalar_one()))
    database = _quote(conn, str(conn.execute(text("SELECT current_database()")).scalar_one()))
    roles: list[str] = [_create_group(g) for g in (STAFF, ADMIN) if not _exists(conn, g)]
    if roles or not _member(conn, ADMIN, STAFF):
        roles.append(f"GRANT {STAFF} TO {ADMIN}")

    def tables(names: tuple[str, ...]) -> str:
        return ", ".join(f"{schema}.{name}" for name in names)

    grants = [
        f"GRANT CONNECT ON DATABASE {database} TO {STAFF}",
        f"GRANT USAGE ON SCHEMA {schema} TO {STAFF}",
        f"REVOKE ALL ON ALL TABLES IN SCHEMA {schema} FROM {STAFF}, {ADMIN}",
        f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA {schema} FROM {STAFF}, {ADMIN}",
        f"GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {STAFF}",
        f"GRANT INSERT ON {tables(STAFF_INSERT)} TO {STAFF}",
        f"GRANT UPDATE ON {tables(STAFF_UPDATE)} TO {STAFF}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {STAFF}",
        f"GRANT INSERT, UPDATE ON {tables(ADMIN_WRITE)} TO {ADMIN}",
    ]
    return roles, grants


def ensure_groups(engine: Engine, attempts: int = 3) -> RoleReport:
    """After the migrations: the two group roles and their grants, exactly (idempotent)."""
    login, roles, grants = "", list[str](), list[str]()
    for attempt in range(attempts):
        try:
            with engine.begin() as conn:  # one transaction: all of it or none
                conn.execute(text("SELECT pg_advisory_xact_lock(hashtext('tpsdesk-roles'))"))
                login, may = _privileges(conn)
                roles, grants = group_sql(conn)
                if roles and not may:
                    return RoleReport(False, (*roles, *grants), f"login {login!r} may not create roles (no CREATEROLE)")
                if not _owns_tables(conn):  # GRANT by a non-owner warns and grants nothing
                    reason = f"login {login!r} does not own the floor's tables"
                    return RoleReport(False, (*roles, *grants), reason, "The database's owner (or a superuser)")
                for statement in roles + grants:
                    conn.exec_driver_sql(statement)
                return RoleReport(True, (*roles, *grants))
        except DBAPIError as exc:
            state = _sqlstate(exc)
            if state == INSUFFICIENT_PRIVILEGE:
                return RoleReport(False, (*roles, *grants), f"login {login!r} may not grant them ({_first_line(exc)})")
            if state not in _RETRIED or attempt == attempts - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def after_upgrade(engine: Engine, data: Mapping[str, Any], text: str) -> tuple[dict[str, Any], str]:
    """``tpsdesk db upgrade``'s report with the group roles' (JSON key ``roles``)."""
    report = ensure_groups(engine)
    done = f"PostgreSQL group roles {STAFF} and {ADMIN} hold their grants"
    return {**data, "roles": report.to_json()}, f"{text}\n{report.text(done)}"


def _first_line(exc: DBAPIError) -> str:
    return str(exc.orig).strip().splitlines()[0] if exc.orig is not None else type(exc).__name__


def _apply(conn: Connection, statements: list[str], login: str, may: bool) -> RoleReport:
    """Run ``statements`` in a savepoint of the caller's transaction when the login may."""
    if not may:
        return RoleReport(False, tuple(statements), f"login {login!r} may not create or grant roles (no CREATEROLE)")
    if not _exists(conn, STAFF):
        return RoleReport(
            False,
            tuple(statements),
            f"the group role {STAFF} does not exist yet: run 'tpsdesk db upgrade' as the owner",
        )
    try:
        with conn.begin_nested():
            for statement in statements:
                conn.exec_driver_sql(statement)
    except DBAPIError as exc:
        if _sqlstate(exc) != INSUFFICIENT_PRIVILEGE:
            raise
        return RoleReport(False, tuple(statements), f"login {login!r} may not ({_first_line(exc)})")
    return RoleReport(True, tuple(statements))


def provide_login(conn: Connection, name: str, *, admin: bool) -> RoleReport:
    """A staff member's login: created (LOGIN, in the groups) or granted the groups."""
    check_login(name)
    login, may = _privileges(conn)
    role = _quote(conn, name)
    groups = f"{STAFF}, {ADMIN}" if admin else STAFF
    if _exists(conn, name):
        statements = [f"GRANT {STAFF} TO {role}"] + ([f"GRANT {ADMIN} TO {role}"] if admin else [])
    else:
        statements = [f"CREATE ROLE {role} LOGIN IN ROLE {groups}"]
    return _apply(conn, statements, login, may)


def set_admin_login(conn: Connection, name: str, *, admin: bool) -> RoleReport | None:
    """The admin group follows the staff record's flag; None when the login role does not exist."""
    if not is_plain(name) or not _exists(conn, name):
        return None
    if _member(conn, name, ADMIN) == admin:
        return RoleReport(True)
    login, may = _privileges(conn)
    role = _quote(conn, name)
    statement = f"GRANT {ADMIN} TO {role}" if admin else f"REVOKE {ADMIN} FROM {role}"
    return _apply(conn, [statement], login, may)
