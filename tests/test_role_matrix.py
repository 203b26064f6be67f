"""R5, R6: every role against every action on every path (issue 8, "How it is checked").

The expected answers are the rulebook's R6 table, copied below by hand (with W5's two
groups, S4's arrears exceptions and E7's confirmers): they are never computed from
``tpsdesk.domain.access`` or the policy data, so a test fails when the code and the
rulebook disagree.

Each cell is (actor, action, path):
- ``service``: the service call; a refusal is ``PermissionDenied``;
- ``cli``: ``tpsdesk`` in-process; exit 0, or exit 3 with one line starting "error:";
- ``offered``: for an action on an escalation, what ``escalation show --json`` lists in
  "actions" and what the queue detail renders (``offers(detail)``) must both match the table;
  an item the actor may not see is refused to them on both (nothing is offered).
An allowed act succeeds and changes the data as it should; a refused act changes nothing
(every table's row count, and the escalation's version, owner, status, notes and events);
a refusal about an item the actor may not see names nothing of it (R5).

Left out: "set up the floor: Centres, sites, staff, demo reset" (R6's last row, R7's admin
flag) is being rebuilt; its cells belong in this table as a ``setup`` column (TL: admin
flag only) with acts for ``centre add``, ``site add``, ``staff add`` and ``demo --reset``.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from role_matrix_world import ACTS, OFFER_ITEM, Target, Who, World, hidden_words, offer_item, queue_has

from tpsdesk.errors import PermissionDenied

# ---------------------------------------------------------------- R6, as the rulebook writes it
# yes: allowed. -: not allowed. arrears: only for incorrect arrears (raise: S4, an SO raises
# arrears only; work: S4, a comp-recovery TL assists the SO to stop incorrect arrears).
# own-centre: within the actor's own Centre. TPS/<group>: a TPS in a W5 group (W5: "pool
# only" is either group; both may process the Centre's escalations and see its queue).
# Columns: contact = record a contact (as requester); outcome = record a contact's outcome;
# doc = build a stop-payment DOC; raise = escalate; work = claim, work, refer, review,
# finalise; direct = refer directly to ICT under E5b; reassign = reassign, release another's
# claim; concern = raise a concern about a TPS's information; confirm = record that incorrect
# information was given (E7: SP and TL in smart-centre, SSO in comp-recovery; never the
# raiser); see_all = see all of the Centre's queue; dashboard = dashboard, shift export.
R6_TABLE = """
channel        role                 contact outcome doc raise   work    direct reassign   concern confirm see_all dashboard
smart-centre   SO                   yes     -       yes arrears -       -      -          yes     -       -       -
smart-centre   TPS                  yes     yes     yes yes     -       yes    -          yes     -       -       -
smart-centre   TPS/high-performing  yes     yes     yes yes     yes     yes    -          yes     -       yes     -
smart-centre   TPS/sp-pool          yes     yes     yes yes     yes     yes    -          yes     -       yes     -
smart-centre   SP                   yes     yes     yes yes     yes     yes    own-centre yes     yes     yes     yes
smart-centre   SSO                  yes     yes     yes yes     yes     yes    own-centre yes     -       yes     yes
smart-centre   TL                   yes     yes     yes yes     -       -      yes        yes     yes     yes     yes
comp-recovery  SO                   yes     -       yes arrears -       -      -          yes     -       -       -
comp-recovery  TPS                  yes     yes     yes yes     -       yes    -          yes     -       -       -
comp-recovery  TPS/high-performing  yes     yes     yes yes     yes     yes    -          yes     -       yes     -
comp-recovery  TPS/sp-pool          yes     yes     yes yes     yes     yes    -          yes     -       yes     -
comp-recovery  SP                   yes     yes     yes yes     yes     yes    own-centre yes     -       yes     yes
comp-recovery  SSO                  yes     yes     yes yes     yes     yes    own-centre yes     yes     yes     yes
comp-recovery  TL                   yes     yes     yes yes     arrears -      yes        yes     -       yes     yes
"""


def _parse(text: str) -> dict[tuple[str, str], dict[str, str]]:
    header, *rows = [line.split() for line in text.strip().splitlines()]
    return {(r[0], r[1]): dict(zip(header[2:], r[2:], strict=True)) for r in rows}


R6 = _parse(R6_TABLE)

# The officers under test: the conftest floor's logons, and those role_matrix_world adds.
ACTORS = [
    Who("smart-centre", "SO", "so1"),
    Who("smart-centre", "TPS", "tps1"),
    Who("smart-centre", "TPS/high-performing", "tps_hp"),
    Who("smart-centre", "TPS/sp-pool", "tps2"),
    Who("smart-centre", "SP", "sp1"),
    Who("smart-centre", "SSO", "sso1"),
    Who("smart-centre", "TL", "tl1"),
    Who("comp-recovery", "SO", "crso1"),
    Who("comp-recovery", "TPS", "crtps1"),
    Who("comp-recovery", "TPS/high-performing", "crtps_hp"),
    Who("comp-recovery", "TPS/sp-pool", "crtps_pool"),
    Who("comp-recovery", "SP", "crsp1"),
    Who("comp-recovery", "SSO", "crsso1"),
    Who("comp-recovery", "TL", "crtl1"),
]
# R3, R5: the SP (comp-recovery: the helpdesk SSO) of another Centre, on this Centre's items.
OTHERS = [
    Who("smart-centre", "SP", "sp_mel", other_centre=True),
    Who("comp-recovery", "SSO", "crsso_adl", other_centre=True),
]

# Actions on the Centre's own objects: contacts, concerns and escalations raised by another
# officer of the Centre (so only those who see the whole Centre's queue see them, R1, R4, W5).
OWN_ACTS = ["contact", "doc", "raise-arrears", "raise-review", "concern", "dashboard", "shift-export"]
CENTRE_ACTS = [
    "outcome", "refer-direct-intake", "confirm", "confirm-own", "see-own", "see-centre", "claim",
    "claim-arrears", "note", "note-as-holder", "document", "refer", "refer-arrears", "follow-up",
    "finalise", "finalise-arrears", "refer-direct", "release-other", "reassign", "work-on-anothers-claim",
]  # fmt: skip
# Acts by the holder of a claimed item: only for those who may claim one.
HOLDER_ACTS = {"note-as-holder"}
# The acts of another Centre's officer: R3's own-Centre rows and R5's visibility.
OTHER_ACTS = ["outcome", "confirm", "see-centre", "claim", "note", "document", "release-other", "reassign"]


def expected(who: Who, action: str) -> bool:
    """The rulebook's answer for one cell, from R6_TABLE and the rules named."""
    if who.other_centre:
        return False  # R3, R5: another Centre's contacts, concerns and escalations are not theirs
    r = R6[who.channel, who.role]
    yes = {k: v == "yes" for k, v in r.items()}
    sees = yes["see_all"]  # the item was raised by another officer of the Centre
    works = yes["work"]
    works_arrears = r["work"] in ("yes", "arrears")  # S4
    reassigns = r["reassign"] in ("yes", "own-centre")  # the floor's own Centre
    return {
        "contact": yes["contact"],
        "doc": yes["doc"],
        "raise-arrears": r["raise"] in ("yes", "arrears"),
        "raise-review": yes["raise"],
        "concern": yes["concern"],
        "dashboard": yes["dashboard"],
        "shift-export": yes["dashboard"],
        "outcome": yes["outcome"],
        "refer-direct-intake": yes["outcome"] and yes["direct"],  # I8: an outcome that refers under E5b
        "confirm": yes["confirm"],  # the concern was raised by the Centre's SO
        "confirm-own": False,  # E7: the raiser never confirms their own concern
        "see-own": True,  # R1: everyone sees what they raised
        "see-centre": sees,
        "claim": sees and works,
        "claim-arrears": sees and works_arrears,
        "note": sees,  # F3, D3: anyone who may see an item may add a note; it is not R6's "work"
        "note-as-holder": works,  # only those who may claim can hold an item (cells for the others are left out)
        "document": sees and works,
        "refer": sees and works,  # to ICT, with E5a's checks
        "refer-arrears": sees and works_arrears,  # E1: asking ICT to stop the arrears (S4: the CR TL too)
        "follow-up": sees and works,
        "finalise": sees and works,
        "finalise-arrears": sees and works_arrears,
        "refer-direct": yes["direct"],  # on an item they raised (an SO: their arrears)
        "release-other": sees and reassigns,
        "reassign": sees and reassigns,
        "work-on-anothers-claim": False,  # E11: only the holder works a claimed item; others reassign first
    }[action]


def expected_offer(who: Who, action: str) -> bool:
    """What the show/detail offers list says for the action: the cell's answer, except that
    R4 and E6 let a comp-recovery TL refer to the Compensation Helpdesk, so Refer is offered
    to them on any item they see (the refer act itself, to ICT, stays refused)."""
    helpdesk_tl = who.channel == "comp-recovery" and who.role == "TL" and not who.other_centre
    if action in ("refer", "refer-direct") and helpdesk_tl:
        return True
    return expected(who, action)


def hides(who: Who, action: str) -> bool:
    """The actor may not see the object acted on, so a refusal must name nothing of it (R5)."""
    if who.other_centre:
        return True
    if action in OWN_ACTS or action in ("see-own", "refer-direct", "confirm-own", "note-as-holder"):
        return False
    return R6[who.channel, who.role]["see_all"] != "yes"


@dataclass(frozen=True)
class Cell:
    who: Who
    action: str
    path: str

    @property
    def id(self) -> str:
        return f"{self.who.key}-{self.action}-{self.path}"


def _cells(path: str) -> list[Cell]:
    out = []
    for who in [*ACTORS, *OTHERS]:
        for action in OTHER_ACTS if who.other_centre else [*OWN_ACTS, *CENTRE_ACTS]:
            act = ACTS[action]
            if action in HOLDER_ACTS and not expected(who, "claim"):
                continue  # nobody can make them the holder: R6 lets them claim nothing
            if (path == "cli" and act.cli is None) or (path == "offered" and act.offer is None):
                continue
            out.append(Cell(who, action, path))
    return out


def _fast_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A memory-backed folder where the system has one (Linux /dev/shm): the module makes
    about a thousand commits, each an fsync on disk; else pytest's temporary folder."""
    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        return Path(tempfile.mkdtemp(prefix="tpsdesk-matrix-", dir=shm))
    return tmp_path_factory.mktemp("matrix")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, template_db: Path) -> Iterator[World]:
    folder = _fast_folder(tmp_path_factory)
    w = World.build(folder, template_db)
    with pytest.MonkeyPatch.context() as mp:
        w.share_engine(mp)
        yield w
    w.desk.store.dispose()
    shutil.rmtree(folder, ignore_errors=True)


def _refusal_names_nothing(who: Who, action: str, message: str) -> None:
    if hides(who, action):
        for word in hidden_words(who.channel):
            assert word not in message, f"R5: the refusal names {word!r}: {message}"


def _check_outcome(cell: Cell, allowed: bool, before: dict[str, Any], after: dict[str, Any]) -> None:
    act = ACTS[cell.action]
    if not allowed or not act.writes or (cell.path == "cli" and act.cli_prints):
        assert after == before, "the data changed"
        return
    assert after != before, "an allowed act changed nothing"
    if act.done is not None:
        assert act.done(before, after, cell.who), f"not done as it should be: {before} -> {after}"


def _target(world: World, cell: Cell, allowed: bool) -> Target:
    act = ACTS[cell.action]
    return world.target(
        cell.action, cell.who, lambda: act.target(world, cell.who), refused=not allowed, shared=not act.per_actor
    )


@contextmanager
def _spoils(world: World, cell: Cell) -> Iterator[None]:
    try:
        yield
    except BaseException:
        world.forget(cell.action, cell.who)
        raise


def _queue_shows(world: World, cell: Cell, target: Target, allowed: bool) -> None:
    """R1, R4, W5: the queue (the TUI's and ``escalation list``) holds the item exactly when
    the actor may see it."""
    if cell.action in ("see-own", "see-centre"):
        assert target.escalation is not None
        assert queue_has(world, cell.who, target.escalation) is allowed, "the queue disagrees with R6"


@pytest.mark.parametrize("cell", _cells("service"), ids=lambda c: c.id)
def test_r5_r6_role_matrix_service(world: World, cell: Cell) -> None:
    act = ACTS[cell.action]
    allowed = expected(cell.who, cell.action)
    target = _target(world, cell, allowed)
    before = world.snapshot(target)
    with _spoils(world, cell):
        if allowed:
            act.service(world, cell.who, target)
        else:
            with pytest.raises(PermissionDenied) as refused:
                act.service(world, cell.who, target)
            _refusal_names_nothing(cell.who, cell.action, str(refused.value))
        _check_outcome(cell, allowed, before, world.snapshot(target))
    _queue_shows(world, cell, target, allowed)


@pytest.mark.parametrize("cell", _cells("cli"), ids=lambda c: c.id)
def test_r5_r6_role_matrix_cli(world: World, cell: Cell) -> None:
    act = ACTS[cell.action]
    assert act.cli is not None
    allowed = expected(cell.who, cell.action)
    target = _target(world, cell, allowed)
    before = world.snapshot(target)
    with _spoils(world, cell):
        proc = world.cli(cell.who, *act.cli(world, cell.who, target))
        if allowed:
            assert proc.returncode == 0, f"refused, expected allowed: exit {proc.returncode}: {proc.stderr}"
        else:
            assert proc.returncode == 3, (
                f"expected a refusal (exit 3), got {proc.returncode}: {proc.stdout} {proc.stderr}"
            )
            err = proc.stderr.strip()
            assert err.startswith("error:") and "\n" not in err and "Traceback" not in err, err
            _refusal_names_nothing(cell.who, cell.action, err)
        _check_outcome(cell, allowed, before, world.snapshot(target))
    if cell.action in ("see-own", "see-centre"):
        listed = world.cli(
            cell.who, "escalation", "list", "--status", "all", "--text", str(target.escalation), "--json"
        )
        assert listed.returncode == 0, listed.stderr
        ids = [row["id"] for row in json.loads(listed.stdout)]
        assert (target.escalation in ids) is allowed, "escalation list disagrees with R6"


@pytest.mark.parametrize("cell", _cells("offered"), ids=lambda c: c.id)
def test_r5_e12_role_matrix_offered(world: World, cell: Cell) -> None:
    act = ACTS[cell.action]
    assert act.offer is not None
    eid = offer_item(world, cell.who, OFFER_ITEM[cell.action])
    by_cli, by_screen = world.shown(cell.who, eid)
    want = expected_offer(cell.who, cell.action)
    assert (by_cli is None) == (by_screen is None), "show --json and the queue detail disagree on seeing it"
    if by_cli is None or by_screen is None:
        assert not want, "the item is refused to them, but the rulebook lets them act on it"
        assert hides(cell.who, cell.action), "refused an item the rulebook lets them see"
        return
    assert by_cli[act.offer] is want, f"show --json offers {act.offer}={by_cli[act.offer]}, R6 says {want}"
    assert by_screen[act.offer] is want, f"the queue detail offers {act.offer}={by_screen[act.offer]}, R6 says {want}"
