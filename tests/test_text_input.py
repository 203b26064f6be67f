"""Typed input at the services' boundary (issue 8, items 6 and 7): text that cannot spoof,
a refused length, ids within the integer range and dates within a sane window.

Every field a person types goes through ``text.clean`` where a service receives it
(``services.boundary.typed_input``); the guard test at the end fails when a public
service function takes typed input without it. X2: a CRN disguised with invisible
characters is cleaned on save, so an export masks it like any other.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from datetime import date, timedelta

import pytest
from cli_helpers import fails, invoke, ok_json, run
from conftest import OWNER
from sqlmodel import func, select

import tpsdesk.services as services_pkg
from tpsdesk.bounds import ID_MAX
from tpsdesk.errors import ValidationError
from tpsdesk.models import Event, Note, Staff
from tpsdesk.policy import Policy
from tpsdesk.services import escalations, feedback, finalisation, intake, setup, stop_payment, workflow
from tpsdesk.services.boundary import BOUNDARY
from tpsdesk.services.desk import Desk
from tpsdesk.text import clean, mask_crns_in_text, single_line

BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
TOO_BIG = 2**63


@pytest.fixture
def floor_db(desk: Desk, db_url: str) -> str:
    from conftest import build_floor

    build_floor(desk)
    return db_url


def _raise(desk: Desk, logon: str = "tps1", **kw: object) -> int:
    kw.setdefault("crn", "123456789A")
    kw.setdefault("category", "death")
    return escalations.raise_escalation(desk, logon, **kw).id


def _counts(desk: Desk) -> tuple[int, int]:
    with desk.store.read() as session:
        notes = session.exec(select(func.count()).select_from(Note)).one()
        events = session.exec(select(func.count()).select_from(Event)).one()
    return int(notes), int(events)


# ---------------------------------------------------------------- clean (pure)
@pytest.mark.parametrize("ch", [*BIDI, "\u200e", "\u200f", "\u061c"])
def test_clean_removes_every_bidi_control_and_mark(ch: str) -> None:
    assert clean(f"invoice{ch}fdp.exe") == "invoicefdp.exe"
    assert single_line(f"a{ch}b") == "ab"


def test_clean_keeps_zwj_inside_emoji_and_removes_zero_width_elsewhere() -> None:
    technologist = "👩\u200d💻"
    assert clean(f"done by {technologist} today") == f"done by {technologist} today"
    rainbow, tone = "🏳\ufe0f\u200d🌈", "👨🏽\u200d💻"
    assert clean(rainbow) == rainbow and clean(tone) == tone
    assert clean("ab\u200bc") == "abc"
    for ch in "\u200b\u200c\u200d\u2060\ufeff":
        assert clean(f"a{ch}b") == "ab", repr(ch)
    assert clean("👩\u200d") == "👩" and clean("\u200d💻") == "💻"  # a ZWJ joining nothing
    england = "🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f"
    assert clean(england) == england  # a flag's tags make one emoji
    assert clean("a\U000e0041\U000e0042b") == "ab"  # tags anywhere else hide text


def test_clean_controls_line_breaks_and_nfc() -> None:
    assert clean("one\r\ntwo\rthree\u2028four") == "one\ntwo\nthree\nfour"
    assert clean("x\x00y\x1b[31m\x7f") == "xy[31m"
    assert clean("tab\there") == "tab\there"
    assert clean("a\nb\tc", multiline=False) == "a b c"
    assert clean("Rene\u0301e") == "Renée"  # NFC: the composed form
    assert clean("soft\u00adhyphen") == "softhyphen"
    assert clean("👍\ufe0f\ufe0f\ufe0f") == "👍\ufe0f"  # a run of selectors carries only hidden data
    assert clean("\ud800lone") == "lone"
    assert clean("ٰArabic \u0600١٢") == "ٰArabic \u0600١٢"  # a script's own visible format signs stay


def test_clean_of_a_pasted_megabyte_is_exact() -> None:
    text = ("line of text with ümlauts " * 40_000) + "\u202e"
    out = clean(text)
    assert len(out) == len(text) - 1 and "\u202e" not in out


# ---------------------------------------------------------------- through the services
def test_bidi_and_zero_width_stripped_from_a_stored_note(desk: Desk, floor) -> None:
    esc = _raise(desk)
    added = escalations.add_note(desk, "tps1", esc, f"paid{BIDI} to ab\u200bc by 👩\u200d💻\nsecond line")
    assert added.text == "paid to abc by 👩\u200d💻\nsecond line"
    shown = escalations.show(desk, "tps1", esc)
    assert shown.notes[-1].text == added.text


def test_bidi_stripped_from_an_email_name_and_mailbox(desk: Desk, floor) -> None:
    setup.add_staff(desk, OWNER, "eve1", "Eve\u202e Lyn", "SO", "SYD", email="eve\u2066@example.com\u2069 ")
    setup.add_centre(desk, OWNER, "ZZC", "Z\u200bCentre", "smart-centre", "sp\u202e.zz@example.gov.au")
    with desk.store.read() as session:
        staff = session.exec(select(Staff).where(Staff.logon == "eve1")).one()
        assert (staff.name, staff.email) == ("Eve Lyn", "eve@example.com")
    centre = next(c for c in setup.list_centres(desk) if c.code == "ZZC")
    assert (centre.name, centre.sp_mailbox) == ("ZCentre", "sp.zz@example.gov.au")


def test_every_typed_field_is_cleaned_contact_feedback_doc_refer(desk: Desk, floor, policy) -> None:
    view = intake.open_contact(
        desk, "tps1", reason="status-rate", help_required="rate\u202e wrong\nsee notes", references=["eReference"], confirmed_no_answer=True,
        requester_logon="so1", requester_name="Sam\u2067 Officer",
    )  # fmt: skip
    assert view.help_required == "rate wrong\nsee notes" and view.requester_name == "Sam Officer"
    concern = feedback.raise_concern(desk, "so1", about="tps1\u200b", text="told\u202e wrong", raised_with="sp1")
    assert concern.text == "told wrong"
    esc = _raise(desk, "sp1", category="system", summary="sys\u2066tem down")
    assert escalations.show(desk, "sp1", esc).escalation.summary == "system down"
    referred = workflow.refer(
        desk, "sp1", esc, target="ict", checks=policy.referral.system_checks, note="sent\u202e by form",
        service_first="", nnu_ref="",
    )  # fmt: skip
    assert "sent by form" in escalations.show(desk, "sp1", referred.escalation.id).notes[-1].text


def test_x2_a_crn_disguised_with_invisible_characters_is_masked_after_saving(desk: Desk, floor) -> None:
    esc = _raise(desk, summary="customer 123\u200b456\u2066789A\u2069 called")
    stored = escalations.show(desk, "tps1", esc).escalation.summary
    assert stored == "customer 123456789A called"
    assert mask_crns_in_text(stored) == "customer ******789A called"


def test_a_note_over_the_policy_maximum_is_refused_with_its_length_and_nothing_written(desk: Desk, floor) -> None:
    most = desk.policy.input.max_text_chars
    assert most == 20_000  # the shipped default (data/policy.toml [input])
    esc = _raise(desk)
    before = _counts(desk)
    version = escalations.show(desk, "tps1", esc).escalation.version
    with pytest.raises(ValidationError) as refused:
        escalations.add_note(desk, "tps1", esc, "x" * (most + 1))
    assert str(refused.value) == (
        "text: the note is 20,001 characters; the most is 20,000: shorten it or split it into notes"
    )
    assert _counts(desk) == before
    assert escalations.show(desk, "tps1", esc).escalation.version == version
    escalations.add_note(desk, "tps1", esc, "x" * most)  # the maximum itself is a note


def test_long_free_text_elsewhere_is_refused_with_its_length(desk: Desk, floor) -> None:
    long = "y" * 25_301
    with pytest.raises(ValidationError, match=r"^text: the feedback is 25,301 characters; the most is 20,000"):
        feedback.raise_concern(desk, "so1", about="tps1", text=long)
    with pytest.raises(ValidationError, match=r"^summary: the summary is 25,301 characters"):
        _raise(desk, summary=long)
    cap = desk.policy.intake.max_help_chars
    with pytest.raises(ValidationError, match=f"the help text is {cap + 1:,} characters; the most is {cap:,}"):
        intake.open_contact(
            desk, "tps1", reason="status-rate", help_required="h" * (cap + 1), references=["eReference"], confirmed_no_answer=True,
            requester_logon="so1",
        )  # fmt: skip
    esc = _raise(desk)
    with pytest.raises(ValidationError, match=r"^reason: the reason is 25,301 characters"):
        finalisation.withdraw(desk, "tps1", esc, long)


def test_the_maximum_is_the_policys(desk: Desk, floor, tmp_path) -> None:
    from tpsdesk.policy import load_policy

    centre_file = tmp_path / "policy.toml"
    centre_file.write_text("[input]\nmax_text_chars = 10\n")
    other = Desk(desk.store, policy=load_policy(centre_file), clock=desk.clock)
    esc = _raise(other)
    with pytest.raises(ValidationError, match="the note is 11 characters; the most is 10"):
        escalations.add_note(other, "tps1", esc, "x" * 11)


def test_ids_past_the_integer_range_are_refused_by_the_services(desk: Desk, floor) -> None:
    esc = _raise(desk)
    cases = [
        lambda: escalations.show(desk, "tps1", TOO_BIG),
        lambda: escalations.claim(desk, "tps1", ID_MAX + 1),
        lambda: escalations.add_note(desk, "tps1", esc, "x", kind="correction", refers_to=TOO_BIG),
        lambda: intake.get_contact(desk, "tps1", TOO_BIG),
        lambda: stop_payment.show_doc(desk, "sp1", TOO_BIG),
        lambda: feedback.confirm_concern(desk, "sp1", TOO_BIG, finding="x"),
        lambda: workflow.referral_options(desk, "sp1", 0),
        lambda: feedback.raise_concern(desk, "so1", about="tps1", text="x", escalation_id=-1),
    ]
    for case in cases:
        with pytest.raises(ValidationError, match=r"id must be between 1 and 2147483647"):
            case()


def test_e10_eped_and_dates_outside_their_window_are_refused_by_the_services(desk: Desk, floor) -> None:
    today = desk.now().date()
    with pytest.raises(ValidationError, match=r"^eped: the EPED .* is more than 5 years from today"):
        _raise(desk, eped=today + timedelta(days=6 * 365))
    with pytest.raises(ValidationError, match=r"^eped: 0001-01-01 is outside the years 1900 to 2200"):
        _raise(desk, eped=date(1, 1, 1))
    _raise(desk, eped=today + timedelta(days=4 * 365))  # within the window
    from tpsdesk.services import calendar

    with pytest.raises(ValidationError, match=r"^year: 9999 is outside the years 1900 to 2200"):
        calendar.month(desk, "tps1", 9999, 12)


def test_a_queue_search_for_a_digit_int_refuses_is_text(desk: Desk, floor) -> None:
    _raise(desk, summary="see ² note")
    assert [v.summary for v in escalations.find(desk, "tps1", "²")] == ["see ² note"]


# ---------------------------------------------------------------- through the CLI
def test_cli_note_with_bidi_is_stored_clean(desk: Desk, floor_db: str) -> None:
    esc = _raise(desk)
    added = ok_json(
        run("escalation", "note", str(esc), f"ok{BIDI} ab\u200bc 👩\u200d💻", "--json", db=floor_db, user="tps1")
    )
    assert added["text"] == "ok abc 👩\u200d💻"


def test_cli_a_20001_character_note_is_refused_with_its_length(desk: Desk, floor_db: str) -> None:
    esc = _raise(desk)
    before = _counts(desk)
    err = fails(
        run("escalation", "note", str(esc), "n" * 20_001, db=floor_db, user="tps1"),
        2,
        "the note is 20,001 characters; the most is 20,000",
    )
    assert err.startswith("error: text:")
    assert _counts(desk) == before


def test_cli_staff_add_email_is_cleaned(floor_db: str, desk: Desk) -> None:
    proc = invoke("staff", "add", "zed1", "--name", "Zed\u202e One", "--role", "SO", "--site", "SYD",
                  "--email", "zed\u2066@example.com\u2069", db=floor_db, user="tl1")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    with desk.store.read() as session:
        staff = session.exec(select(Staff).where(Staff.logon == "zed1")).one()
    assert (staff.name, staff.email) == ("Zed One", "zed@example.com")


ID_COMMANDS = [
    ("escalation", "show", "{id}"),
    ("escalation", "claim", "{id}"),
    ("escalation", "release", "{id}"),
    ("escalation", "assign", "{id}", "--to", "sp1"),
    ("escalation", "note", "{id}", "text"),
    ("escalation", "note", "1", "text", "--corrects", "{id}"),
    ("escalation", "followup", "{id}", "text"),
    ("escalation", "refer", "{id}", "--target", "ict"),
    ("escalation", "finalise", "{id}", "--reason", "resolved"),
    ("escalation", "reopen", "{id}", "--reason", "x"),
    ("escalation", "withdraw", "{id}", "--reason", "x"),
    ("escalation", "document", "{id}", "--action-taken", "x"),
    ("escalation", "service-first", "{id}", "12345678"),
    ("contact", "show", "{id}"),
    ("contact", "outcome", "{id}", "--outcome", "resolved"),
    ("doc", "show", "{id}"),
    ("doc", "verify", "{id}"),
    ("doc", "return", "{id}", "--missing", "x"),
    ("doc", "stop-payment", "--contact", "{id}"),
    ("doc", "stop-payment", "--replaces", "{id}"),
    ("feedback", "confirm", "{id}", "--finding", "x"),
    ("feedback", "--about", "tps1", "--text", "x", "--escalation", "{id}"),
]


@pytest.mark.parametrize("value", [str(TOO_BIG), "99999999999999999999", "0"])
@pytest.mark.parametrize(
    "args", ID_COMMANDS, ids=lambda a: " ".join(a[:2]) + (f" {a[-2]}" if a[-2].startswith("--") else "")
)
def test_cli_an_id_past_the_integer_range_is_one_line_exit_2(floor_db: str, args: tuple[str, ...], value: str) -> None:
    argv = [a.replace("{id}", value) for a in args]
    err = fails(invoke(*argv, db=floor_db, user="sp1"), 2, "must be between 1 and 2147483647")
    assert "unexpected" not in err


@pytest.mark.parametrize("value", [str(TOO_BIG), "99999999999999999999", "-1"])
@pytest.mark.parametrize(
    "command", [("escalation", "release", "1"), ("contact", "outcome", "1", "--outcome", "resolved")]
)
def test_cli_a_version_past_the_integer_range_is_one_line_exit_2(
    floor_db: str, command: tuple[str, ...], value: str
) -> None:
    err = fails(invoke(*command, f"--expected-version={value}", db=floor_db, user="sp1"), 2, "--expected-version")
    assert "version must be between 0 and 2147483647" in err


def test_cli_an_id_past_the_range_end_to_end(floor_db: str) -> None:
    fails(run("escalation", "show", "99999999999999999999", db=floor_db, user="sp1"), 2,
          "escalation id must be between 1 and 2147483647")  # fmt: skip
    fails(run("escalation", "show", "-5", db=floor_db, user="sp1"), 2, "-5")  # a usage error is one line too


@pytest.mark.parametrize("when", ["0001-01-01", "9999-12-31", "9999-12-31T23:59+14:00", "1899-12-31T10:00"])
def test_cli_instants_outside_1900_to_2200_are_one_line_exit_2(floor_db: str, when: str) -> None:
    fails(invoke("due", "arrears", "--at", when), 2, "--at", "outside the years 1900 to 2200")
    fails(invoke("due", "death", "--at", "2026-09-25T10:00", "--referred-at", when), 2, "--referred-at")
    fails(invoke("contact", "list", "--since", when, db=floor_db, user="sp1"), 2, "--since", "1900 to 2200")
    fails(invoke("summary", "--from", when, db=floor_db, user="sp1"), 2, "from", "1900 to 2200")
    fails(invoke("escalation", "list", db=floor_db, user="sp1", now=f"{when[:10]}T00:00:00+00:00"), 2,
          "TPSDESK_NOW", "1900 to 2200")  # fmt: skip


def test_cli_the_at_option_end_to_end_year_1_and_9999(floor_db: str) -> None:
    for when in ("0001-01-01", "9999-12-31"):
        err = fails(run("due", "arrears", "--at", when), 2, "--at", when, "1900 to 2200")
        assert "unexpected" not in err


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_cli_typed_dates_outside_the_window_exit_2(floor_db: str, day: str) -> None:
    fails(invoke("escalation", "raise", "--category", "death", "--crn", "123456789A", "--eped", day,
                 db=floor_db, user="tps1"), 2, "--eped", "1900 to 2200")  # fmt: skip
    fails(invoke("due", "death", "--eped", day), 2, "--eped")
    fails(invoke("site", "holidays", "SYD", "--add", day, db=floor_db, user="tl1"), 2, "--add", "1900 to 2200")


def test_cli_e10_an_eped_six_years_ahead_exits_2(desk: Desk, floor_db: str) -> None:
    six = (date(2026, 9, 25) + timedelta(days=6 * 366)).isoformat()
    fails(run("escalation", "raise", "--category", "death", "--crn", "123456789A", "--eped", six,
              db=floor_db, user="tps1"), 2, "more than 5 years from today")  # fmt: skip
    fails(invoke("due", "death", "--eped", six), 2, "--eped", "more than 5 years from today (2026-09-25)")
    esc = _raise(desk, "sp1", category="system")
    fails(invoke("escalation", "refer", str(esc), "--target", "ict", "--eped", six, db=floor_db, user="sp1"), 2,
          "more than 5 years")  # fmt: skip
    contact = intake.open_contact(desk, "tps1", reason="status-rate", help_required="h", references=["eReference"], confirmed_no_answer=True,
                                  requester_logon="so1")  # fmt: skip
    fails(invoke("contact", "outcome", str(contact.id), "--outcome", "escalated", "--category", "review",
                 "--eped", six, db=floor_db, user="tps1"), 2, "--eped", "more than 5 years")  # fmt: skip
    four = (date(2026, 9, 25) + timedelta(days=4 * 365)).isoformat()
    assert invoke("due", "death", "--eped", four).returncode == 0


# ---------------------------------------------------------------- the guard
_INTERNAL = re.compile(
    r"\b(Session|Actor|UnitOfWork|Escalation|Contact|Site|Staff|StopPaymentDoc|Feedback|Item|Refusal|"
    r"SiteCalendar|AgendaItem|DataclassInstance|IntakeGuide|ReasonOption|Store)\b"
)
_TYPED = re.compile(r"\b(str|int|date|datetime|Any|Filters|StopPaymentInput)\b")
# Public functions that take text but are no boundary of their own, and why.
EXEMPT = {
    "boundary.typed_input": "the decorator itself",
    "retry.transaction": "the retry decorator (it takes the function)",
    "desk.open_desk": "a database URL or path, opened as given",
    "intake_outcome.clean_outcomes": "a step of apply_outcome, inside record_outcome's unit of work",
    "intake_rules.requester_logon_for": "a step of open_contact",
    "setup.parse_date": "the commands' date parser (years 1900 to 2200); the service checks what it returns",
    "stop_payment.parse_amount": "a step of validate (single_line)",
    "stop_payment.parse_period_date": "a step of validate (single_line, the policy's period window)",
    "stop_payment.check_reason": "a step of validate (single_line, the policy's cap)",
    "stop_payment.check_payment_type": "a step of validate (single_line, the policy's cap)",
    "stop_payment.format_amount": "output",
    "stop_payment.doc_text": "output: the DOC's text from checked data",
    "views.jsonable": "output",
    "views.parse_detail": "reads a stored event's detail",
    "identity.floor_owner": "names the database or file owner from the system, never typed",
    "identity.requested_from": "reads --user / TPSDESK_USER only to compare it with who is connected; never stored",
    "identity.resolve": "compares a typed logon with the connected login; a logon that matches no one is refused",
    "setup.login_name": "a database login name, refused unless a plain identifier",
    "setup.check_login_name": "a database login name, refused unless a plain identifier",
}


def _public_service_functions() -> list[tuple[str, object]]:
    out = []
    for info in pkgutil.iter_modules(services_pkg.__path__):
        module = importlib.import_module(f"tpsdesk.services.{info.name}")
        for name, fn in vars(module).items():
            target = inspect.unwrap(fn) if callable(fn) else fn
            if name.startswith("_") or not inspect.isfunction(target) or target.__module__ != module.__name__:
                continue
            out.append((f"{info.name}.{name}", target))
    return out


def test_every_public_service_function_taking_typed_input_goes_through_the_boundary() -> None:
    """A new service function that takes text, an id or a date a person typed, and takes no
    already-loaded row or actor (an internal step), must be ``@typed_input``."""
    missing = []
    for short, fn in _public_service_functions():
        params = [p for p in inspect.signature(fn).parameters.values() if p.name not in ("desk", "policy")]
        annotations = " ".join(str(p.annotation) for p in params)
        typed = _TYPED.search(annotations) or any(p.kind is p.VAR_KEYWORD for p in params)
        if not typed or _INTERNAL.search(annotations) or short in EXEMPT:
            continue
        if f"{fn.__module__}.{fn.__qualname__}" not in BOUNDARY:  # type: ignore[attr-defined]
            missing.append(short)
    assert not missing, f"not cleaned at the boundary (add @typed_input or an EXEMPT reason): {missing}"
    assert "escalations.add_note" in {s for s, f in _public_service_functions()}  # the walk finds services


def test_the_guard_would_catch_an_undecorated_function() -> None:
    assert "tpsdesk.services.escalations.add_note" in BOUNDARY
    assert "tpsdesk.services.setup.add_staff" in BOUNDARY
    assert "tpsdesk.services.views.parse_detail" not in BOUNDARY
    assert all(
        name.split(".", 1)[0] in {m.name for m in pkgutil.iter_modules(services_pkg.__path__)} for name in EXEMPT
    )


def test_the_input_policy_section_is_typed(policy: Policy) -> None:
    assert policy.input.max_text_chars == 20_000 and policy.input.eped_max_years == 5
