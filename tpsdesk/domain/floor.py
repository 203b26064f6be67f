"""R7: who may set up the floor (Centres, sites, staff and their admin flag, a demo load
or reset).

Two kinds of authority, nothing else: the floor's owner (the database's owner or a
superuser on PostgreSQL, the file's owner on SQLite, acting as no staff member), and a
Team Leader whose staff record carries the admin flag (R6's table gives "set up the
floor" to the TL column only, with the admin flag). The flag is floor-wide, across Centres.
"""

from __future__ import annotations

from tpsdesk.domain.access import Refusal, Why
from tpsdesk.domain.vocab import Role

RULE = "R7"
WHAT = "setting up the floor (Centres, sites, staff, the demo)"


def _article(role: str) -> str:
    """ "an SP", "a TPS": the article of a role's initials as they are spoken."""
    return "an" if role[:1] in "AEFHILMNORSX" else "a"


def may_hold_admin(role: str) -> Refusal | None:
    """R6: the admin flag is a Team Leader's."""
    if role == Role.TL:
        return None
    return Refusal(
        Why.RULE,
        f"the admin flag is for Team Leaders only (R6, {RULE}): {_article(role)} {role} cannot set up the floor",
        "admin",
    )


def may_set_up(
    *, logon: str | None, staff: bool, active: bool, admin: bool, floor_owner: bool, role: str = Role.TL
) -> Refusal | None:
    """None when allowed. ``staff``: ``logon`` is a staff member here; ``admin``: their flag;
    ``role``: theirs (R6: the flag counts only on a Team Leader)."""
    if floor_owner or (staff and active and admin and may_hold_admin(role) is None):
        return None
    if logon is None or not staff:
        who = f"{logon!r} is not a staff member here" if logon else "you are not a staff member here"
        return Refusal(
            Why.PERMISSION,
            f"refused: {WHAT} needs the floor's owner or a staff member with the admin flag ({RULE}); {who}",
        )
    if not active:
        return Refusal(Why.PERMISSION, f"refused: {logon} is inactive; {WHAT} needs an active admin ({RULE})")
    if may_hold_admin(role) is not None:
        return Refusal(
            Why.PERMISSION,
            f"refused: {WHAT} needs the admin flag ({RULE}), which only a Team Leader holds (R6); "
            f"{logon} is {_article(role)} {role}: ask an admin or the floor's owner",
        )
    return Refusal(
        Why.PERMISSION,
        f"refused: {WHAT} needs the admin flag on your staff record ({RULE}); {logon} has none: "
        f"ask an admin or the floor's owner to run 'tpsdesk staff admin {logon}'",
    )
