"""``tpsdesk overdue`` and ``tpsdesk escalation ...``: the queue from the command line.

Every command goes through ``tpsdesk.services.escalations`` (permissions R5/R6,
one transaction per change, typed errors -> exit codes in ``cli.main``). Times
are shown to people in the site's local time (C1, C9) and printed as ISO 8601
in JSON. Lists mask the CRN (X2: bulk output is an export); ``show`` and the
result of a change give it in full, as the screens do.

The workflow commands (refer, review, finalise, ...) live in
``tpsdesk/commands/workflow.py`` and join this group lazily when present.
"""

from __future__ import annotations

import importlib
from typing import Any

import click

from tpsdesk.cli import Context, emit
from tpsdesk.commands.escalation_text import Clockface, changed_text, list_json, list_text, overdue_text, show_text
from tpsdesk.commands.params import ESCALATION_ID, ESCALATION_VERSION, NOTE_ID
from tpsdesk.domain.vocab import OPEN_FILTER, STATUS_FILTERS, Action
from tpsdesk.errors import NotFound, ValidationError

WORKFLOW_MODULE = "tpsdesk.commands.workflow"
# name -> attribute of WORKFLOW_MODULE ("-" becomes "_").
WORKFLOW_COMMANDS = ("refer", "review", "finalise", "reopen", "withdraw", "document", "service-first")
JSON = click.option("--json", "as_json", is_flag=True, help="Print JSON.")
ID = click.argument("escalation_id", type=ESCALATION_ID, metavar="ID")
VERSION = click.option(
    "--expected-version",
    type=ESCALATION_VERSION,
    metavar="N",
    help="Refuse (exit 4) if the escalation changed since you read version N.",
)
# The lifecycle action (E12) each command that acts on one escalation takes: the
# command asks the domain through its service and offers nothing of its own.
ACTION_OF_COMMAND: dict[str, Action] = {
    "claim": Action.CLAIM,
    "release": Action.RELEASE,
    "assign": Action.ASSIGN,
    "note": Action.NOTE,
    "followup": Action.FOLLOW_UP,
    "review": Action.FOLLOW_UP,
    "refer": Action.REFER,
    "service-first": Action.SERVICE_FIRST,
    "document": Action.DOCUMENT,
    "finalise": Action.FINALISE,
    "reopen": Action.REOPEN,
    "withdraw": Action.WITHDRAW,
}


class EscalationGroup(click.Group):
    """Built-in commands plus the workflow ones, imported only when asked for."""

    def _workflow(self, name: str) -> click.Command | None:
        if name not in WORKFLOW_COMMANDS:
            return None
        try:
            module = importlib.import_module(WORKFLOW_MODULE)
        except ModuleNotFoundError as exc:
            if exc.name == WORKFLOW_MODULE:
                return None  # not built in this version
            raise
        command = getattr(module, name.replace("-", "_"), None)
        return command if isinstance(command, click.Command) else None

    def list_commands(self, ctx: click.Context) -> list[str]:
        names = set(super().list_commands(ctx))
        for name in WORKFLOW_COMMANDS:
            try:
                if self._workflow(name) is not None:
                    names.add(name)
            except Exception:  # a broken workflow module must not break --help
                break
        return sorted(names)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        return super().get_command(ctx, name) or self._workflow(name)


# ---------------------------------------------------------------- reading
def _plain(filters: Any) -> bool:
    """Every filter value already as the services' input boundary would leave it (``text.clean``,
    within the length): the direct path may read with it; anything else takes the full path,
    which cleans or refuses it."""
    from dataclasses import astuple

    from tpsdesk.text import clean

    return all(len(v) <= 200 and clean(v) == v for v in astuple(filters) if isinstance(v, str))


@click.command()
@click.option("--limit", type=click.IntRange(1, 10_000), default=100, show_default=True, help="At most this many.")
@click.option("--text", metavar="Q", help="Only items matching an id, a CRN or summary text.")
@JSON
@click.pass_obj
def overdue(obj: Context, limit: int, text: str | None, as_json: bool) -> None:
    """Open escalations whose next action has passed: urgent arrears first (S3), then most overdue (E12)."""
    from tpsdesk import quickread

    if not text:  # the direct read path answers a plain lookup on a SQLite floor when it can
        with quickread.floor(obj.db, obj.requested_user, obj.now()) as floor:
            views = quickread.answer(floor, lambda f: quickread.overdue(f, limit))
            if floor is not None and views is not None:
                if as_json:
                    emit(list_json(views, floor.now), True)
                else:
                    emit(
                        None, False, overdue_text(views, Clockface.of(floor.zones, floor.viewer_zone, floor.now), floor)
                    )
                return
    from tpsdesk.services import escalations

    desk = obj.desk()
    views = escalations.overdue(desk, obj.user, limit=limit, text=text)
    if as_json:
        emit(list_json(views, desk.now()), True)
        return
    emit(None, False, overdue_text(views, Clockface(desk, obj.user), desk))


@click.group(cls=EscalationGroup)
def escalation() -> None:
    """Escalations: list, show, raise, claim, release, assign, note, follow up."""


@escalation.command("list")
@click.option(
    "--status",
    default=OPEN_FILTER,
    show_default=True,
    help=", ".join(STATUS_FILTERS) + ".",
)
@click.option("--category", metavar="C", help="Only this category.")
@click.option("--overdue", "only_overdue", is_flag=True, help="Only overdue items.")
@click.option("--mine", is_flag=True, help="Only items I own.")
@click.option("--owner", metavar="LOGON", help="Only items owned by LOGON ('none' for unclaimed).")
@click.option("--site", "site_code", metavar="CODE", help="Only items raised at this site.")
@click.option("--text", metavar="Q", help="An id, a CRN or summary text.")
@click.option("--limit", type=click.IntRange(1, 1000), default=100, show_default=True, help="At most this many.")
@JSON
@click.pass_obj
def list_(
    obj: Context,
    status: str,
    category: str | None,
    only_overdue: bool,
    mine: bool,
    owner: str | None,
    site_code: str | None,
    text: str | None,
    limit: int,
    as_json: bool,
) -> None:
    """The queue in its order: urgent arrears first, then after-hours, then by next action (S3)."""
    from tpsdesk.domain.queue import Filters

    if mine and owner:
        raise ValidationError("--owner", "give --mine or --owner, not both")
    site = site_code.strip().upper() if site_code else None
    filters = Filters(
        status=status.strip().lower(),
        category=category.strip().lower() if category else None,
        owner=owner,
        mine=mine,
        overdue=only_overdue,
        site=site,
        text=text,
    )
    if not text and _plain(filters):  # the direct read path answers on a SQLite floor when it can
        from tpsdesk import quickread

        with quickread.floor(obj.db, obj.requested_user, obj.now()) as floor:
            views = quickread.answer(floor, lambda f: quickread.queue_page(f, filters, limit))
            if floor is not None and views is not None:
                face = Clockface.of(floor.zones, floor.viewer_zone, floor.now)
                emit(list_json(views, floor.now), as_json, list_text(views, face, floor))
                return
    from tpsdesk.services import escalations

    desk = obj.desk()
    face = Clockface(desk, obj.user)
    if site and site not in face.zones:
        raise NotFound(f"--site: no site with code {site_code!r} (tpsdesk site list)")
    if owner and owner != "none":
        from tpsdesk.services import setup

        if not any(s.logon == owner for s in setup.list_staff(desk)):
            raise NotFound(f"--owner: no staff member with logon {owner!r} (tpsdesk staff list)")
    views = escalations.list_page(desk, obj.user, filters, limit=limit)
    emit(list_json(views, face.now), as_json, list_text(views, face, desk))


@escalation.command()
@ID
@JSON
@click.pass_obj
def show(obj: Context, escalation_id: int, as_json: bool) -> None:
    """One escalation: fields, the due-time working (C8), deadlines, notes and history."""
    from tpsdesk.services import escalations
    from tpsdesk.services.setup import viewer_zone

    desk = obj.desk()
    viewer = viewer_zone(desk, obj.user)  # C9: times in the zone of the reader's site
    detail = escalations.show(desk, obj.user, escalation_id, viewer_zone=viewer)
    out = detail.to_json()
    out["viewer_zone"] = viewer
    out["display_status"] = detail.escalation.display_status(desk.now())
    out["overdue"] = detail.escalation.is_overdue(desk.now())
    emit(out, as_json, show_text(detail, desk, desk.now(), viewer))


# ---------------------------------------------------------------- changing
def _done(obj: Context, desk: Any, verb: str, view: Any, as_json: bool) -> None:
    if as_json:
        emit(view.to_json(), True)
    else:
        emit(None, False, changed_text(verb, view, Clockface(desk, obj.user)))


@escalation.command()
@ID
@click.option("--note", metavar="TEXT", help="A first note; it counts as the first action (E12).")
@VERSION
@JSON
@click.pass_obj
def claim(obj: Context, escalation_id: int, note: str | None, expected_version: int | None, as_json: bool) -> None:
    """Take ownership of ID; refused (exit 4) if someone else holds it (E11)."""
    from tpsdesk.services import escalations

    desk = obj.desk()
    view = escalations.claim(desk, obj.user, escalation_id, note=note, expected_version=expected_version)
    _done(obj, desk, "claimed", view, as_json)


@escalation.command()
@ID
@VERSION
@JSON
@click.pass_obj
def release(obj: Context, escalation_id: int, expected_version: int | None, as_json: bool) -> None:
    """Let go of ID (an SP, SSO or TL may release another's claim)."""
    from tpsdesk.services import escalations

    desk = obj.desk()
    view = escalations.release(desk, obj.user, escalation_id, expected_version=expected_version)
    _done(obj, desk, "released", view, as_json)


@escalation.command()
@ID
@click.option("--to", "to", required=True, metavar="LOGON", help="The SP, SSO or pool member to own it (W5).")
@VERSION
@JSON
@click.pass_obj
def assign(obj: Context, escalation_id: int, to: str, expected_version: int | None, as_json: bool) -> None:
    """Give ID to another officer (SP, SSO, TL; W5)."""
    from tpsdesk.services import escalations

    desk = obj.desk()
    view = escalations.assign(desk, obj.user, escalation_id, to.strip(), expected_version=expected_version)
    _done(obj, desk, "assigned", view, as_json)


@escalation.command()
@ID
@click.argument("text", nargs=-1, required=True)
@click.option(
    "--corrects", type=NOTE_ID, metavar="NOTE", help="This note corrects note NOTE (D3: notes are never edited)."
)
@click.option("--file-note", is_flag=True, help="The escalation file note on the customer's record was updated (D4).")
@JSON
@click.pass_obj
def note(
    obj: Context, escalation_id: int, text: tuple[str, ...], corrects: int | None, file_note: bool, as_json: bool
) -> None:
    """Add a note to ID (append-only, D3); allowed on finalised items too (F3).

    A note never conflicts and does not change the escalation's version (E11), so it takes no
    --expected-version.
    """
    from dataclasses import asdict

    from tpsdesk.services import escalations
    from tpsdesk.services.views import jsonable

    desk = obj.desk()
    if corrects is not None and file_note:
        raise ValidationError("--file-note", "a correction refers to a note; record the file-note update on its own")
    kind = "correction" if corrects is not None else "file-note" if file_note else "note"
    added = escalations.add_note(desk, obj.user, escalation_id, " ".join(text), kind=kind, refers_to=corrects)
    emit(
        jsonable(asdict(added)) | {"escalation_id": escalation_id},
        as_json,
        f"added note #{added.id} to escalation {escalation_id}",
    )


@escalation.command()
@ID
@click.argument("text", nargs=-1, required=True)
@VERSION
@JSON
@click.pass_obj
def followup(
    obj: Context, escalation_id: int, text: tuple[str, ...], expected_version: int | None, as_json: bool
) -> None:
    """Record a follow-up or review of ID (E3, E9, E10); sets the next one."""
    from tpsdesk.services import escalations

    desk = obj.desk()
    view = escalations.record_follow_up(
        desk, obj.user, escalation_id, " ".join(text), expected_version=expected_version
    )
    _done(obj, desk, "followed up", view, as_json)


@escalation.command()
@JSON
@click.pass_obj
def sweep(obj: Context, as_json: bool) -> None:
    """Mark items whose follow-up fell due as awaiting follow-up (E12), as the system."""
    from tpsdesk.services import escalations

    desk = obj.desk()
    moved = escalations.sweep(desk)
    emit({"moved": moved}, as_json, f"{moved} escalation(s) now awaiting follow-up")


@escalation.command("raise")
@click.option(
    "--category", required=True, metavar="C", help="arrears, review, death, fcso, system, policy, feedback, q999, qol."
)
@click.option("--crn", default="", help="Customer Reference Number: nine digits and a letter.")
@click.option("--summary", default="", help="What it is about (becomes the first note).")
@click.option("--site", "site_code", metavar="CODE", help="Raising site (default: the global --site, else yours).")
@click.option("--eped", metavar="DATE", help="The customer's EPED (E10).")
@click.option(
    "--service-first", default="", metavar="NUMBER", help="ICT Service First number, if already referred (E5b)."
)
@click.option("--nnu", default="", metavar="REF", help="The Network News Update it relates to.")
@JSON
@click.pass_obj
def raise_(
    obj: Context,
    category: str,
    crn: str,
    summary: str,
    site_code: str | None,
    eped: str | None,
    service_first: str,
    nnu: str,
    as_json: bool,
) -> None:
    """Raise an escalation; prints its id and due time."""
    from tpsdesk.services import escalations
    from tpsdesk.services.setup import parse_date

    day = parse_date("--eped", eped)
    desk = obj.desk()
    code = (site_code or obj.site or "").strip().upper() or None
    view = escalations.raise_escalation(
        desk,
        obj.user,
        category=category.strip().lower(),
        crn=crn,
        summary=summary,
        site=code,
        eped=day,
        service_first=service_first,
        nnu_ref=nnu,
    )
    if as_json:
        emit(view.to_json(), True)
        return
    face = Clockface(desk, obj.user)
    due = f"; due {face.fmt(view.site, view.due_at)}" if view.due_at else ""
    flag = " (after hours: act at once)" if view.after_hours else ""
    emit(None, False, f"raised escalation {view.id} ({view.category}) at {view.site}{due}{flag}")
