"""D3, C9: each recorded history event reads as a sentence for people, in the policy's words
and the viewer's local time; the same formatter for the queue detail and ``escalation show``.

One case per event kind the services record on an escalation (grep ``record_event`` and
``uow.record`` in tpsdesk/services). The data is as the database stores it: JSON with UTC
times as text (``history.record_event``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from cli_helpers import invoke, ok_json

from tpsdesk.present import EventWords, local_for, when_text
from tpsdesk.services import escalations
from tpsdesk.services.desk import Desk

DUE = "2026-09-26 00:00:00+00:00"  # 10:00 AEST, 08:00 AWST
PERTH, SYDNEY = "Australia/Perth", "Australia/Sydney"
NARROW = "Sat 26 Sep 08:00 +8"  # a Perth viewer of a Sydney item (C9)

CASES: list[tuple[str, dict[str, Any], str | None, str]] = [
    ("raised", {"category": "death", "due": DUE}, "tps1",
     f"tps1 raised it as Notification of death (E3); due {NARROW}."),
    ("follow-up-due", {"due": DUE}, None, f"The follow-up fell due ({NARROW}): now awaiting follow up (E12)."),
    ("claimed", {}, "sp1", "sp1 claimed it."),
    ("claimed", {"by": "action"}, "sp1", "sp1 took it on by acting on it (claimed)."),
    ("released", {"previous_owner": 7}, "sp1", "sp1 released it (held by tps2): unclaimed."),
    ("assigned", {"to": "tps2", "previous_owner": None}, "sp1", "sp1 assigned it to tps2; it was unclaimed."),
    ("assigned", {"to": "sso1", "previous_owner": 7}, "tl1", "tl1 assigned it to sso1; it was held by tps2."),
    ("note", {"note_id": 4, "note_kind": "file-note"}, "sp1", "sp1 added a file note (note #4)."),
    ("review", {"next": DUE}, "sp1", f"sp1 recorded a review; next review {NARROW}."),
    ("follow-up", {"next": DUE}, "sp1", f"sp1 recorded a follow-up; next follow-up {NARROW}."),
    ("referred", {"target": "ict", "mode": "work", "ref": "SF123456", "service_first": "SF123456",
                  "next_follow_up": DUE}, "sp1",
     f"sp1 referred it to {{ict}} (Service First SF123456); next follow-up {NARROW}."),
    ("referred", {"target": "ict", "direct": True, "service_first": "SF1", "nnu_ref": "NNU 12"}, "tps1",
     "tps1 referred it directly (E5b) to {ict} (Service First SF1, NNU NNU 12)."),
    ("service-first", {"number": "SF2", "previous": "SF1"}, "sp1",
     "sp1 recorded the ICT Service First number SF2 (was SF1)."),
    ("documented", {"file_note_done": True}, "sp1", "sp1 documented it ({file_note_done}: yes)."),
    ("finalised", {"reason": "resolved", "completes": "SP", "rule": "W2"}, "sp1",
     "sp1 finalised it: {resolved}; the work is completed by the SP (W2)."),
    ("reopened", {"reason": "customer rang back", "previous_reason": "resolved", "previous_owner": 7}, "sp1",
     "sp1 reopened it: customer rang back (it was finalised: {resolved})."),
    ("withdrawn", {"reason": "wrong customer"}, "tps1", "tps1 withdrew it as raised by mistake: wrong customer."),
    ("contact-outcome", {"contact_id": 3, "outcomes": ["escalated"]}, "tps1",
     "tps1 recorded the outcome of contact 3: Escalated."),
    ("contact-escalated", {"contact_id": 3, "to": "SP"}, "tps1",
     "tps1 escalated contact 3 to a Senior Practitioner of the Centre."),
    ("stop-payment-doc", {"doc_id": 2, "route": ["TPS", "SP"], "replaces": 1}, "so1",
     "so1 built stop-payment DOC 2, replacing DOC 1, routed to TPS then SP (S1)."),
    ("doc-verified", {"doc_id": 2, "note": "all there"}, "tps1", "tps1 verified stop-payment DOC 2 (S4): all there."),
    ("doc-returned", {"doc_id": 2, "missing": "the date range"}, "tps1",
     "tps1 returned stop-payment DOC 2 to the SO (S4): the date range."),
    ("concern-raised", {"feedback_id": 1, "to": "sp1", "about": "tps1"}, "so1",
     "so1 raised a concern about the information tps1 gave (E7), sent to sp1."),
    ("conduct", {"feedback_id": 1, "to": "tl1", "about": "tps1"}, "so1",
     "so1 raised a conduct concern about tps1 with tl1 (I10)."),
    ("concern-unfounded", {"feedback_id": 1, "about": "tps1", "finding": "it was right"}, "sp1",
     "sp1 found tps1 gave no incorrect information (E7): it was right."),
    ("feedback", {"feedback_id": 1, "to": "tl1", "about": "tps1", "raised_by": "so1", "finding": "wrong rate"}, "sp1",
     "sp1 confirmed tps1 gave incorrect information; feedback to tl1 (E7): wrong rate."),
]  # fmt: skip


def _words(policy: Any) -> EventWords:
    return EventWords(policy, lambda at: local_for(at, PERTH, SYDNEY), {7: "tps2"})


def _expected(policy: Any, text: str) -> str:
    return text.format(
        ict=policy.referral.label("ict"),
        resolved=policy.finalise.reasons["resolved"],
        file_note_done=policy.documentation.label("file_note_done"),
    )


@pytest.mark.parametrize(("kind", "data", "actor", "expected"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_d3_c9_each_event_kind_reads_as_a_sentence(
    policy: Any, kind: str, data: dict[str, Any], actor: str | None, expected: str
) -> None:
    text = _words(policy).sentence(kind, data, actor)
    assert text == _expected(policy, expected)
    for internal in ("previous_owner", "outcomes=", "_id", "+00:00", "['"):
        assert internal not in text


def test_d3_every_recorded_kind_has_its_own_sentence(policy: Any) -> None:
    """No kind the services record on an escalation falls back to the generic words."""
    words = _words(policy)
    for kind, _data, _actor, _text in CASES:
        assert callable(getattr(words, "_" + kind.replace("-", "_"), None)), kind


def test_d3_an_unknown_kind_still_reads_without_raw_keys(policy: Any) -> None:
    text = _words(policy).sentence("something-new", {"next_follow_up": DUE, "ref": "X1"}, None)
    assert text == f"The system: something new (next follow up {NARROW}; ref X1)."


def test_c9_times_in_the_sentence_follow_the_callers_form(policy: Any) -> None:
    full = EventWords(policy, lambda at: when_text(at, SYDNEY, PERTH, note_site=True))
    assert full.sentence("review", {"next": DUE}, "sp1") == (
        "sp1 recorded a review; next review Sat 26 Sep 2026 08:00 AWST (UTC+08:00; site AEST UTC+10:00)."
    )
    assert datetime.fromisoformat(DUE) == datetime(2026, 9, 26, tzinfo=UTC)


def test_d3_escalation_show_prints_the_history_in_words_and_json_stays_raw(desk: Desk, db_url: str) -> None:
    from conftest import build_floor

    build_floor(desk)
    esc = escalations.raise_escalation(desk, "tps1", category="death", crn="123456789A").id
    escalations.assign(desk, "sp1", esc, "tps2")
    escalations.release(desk, "sp1", esc)

    text = invoke("escalation", "show", str(esc), db=db_url, user="sp_per")  # a Perth reader (C9)
    assert text.returncode == 0, text.stderr
    history = text.stdout.split("history (3):\n", 1)[1].splitlines()
    assert history[0].endswith("tps1 raised it as Notification of death (E3); due Sat 26 Sep 2026 08:00 AWST "
                               "(UTC+08:00; site AEST UTC+10:00).")  # fmt: skip
    assert history[1].endswith("sp1 assigned it to tps2; it was unclaimed.")
    assert history[2].endswith("sp1 released it (held by tps2): unclaimed.")
    assert history[0].startswith("  Fri 25 Sep 2026 08:00 AWST")
    assert "previous_owner" not in text.stdout and "category=" not in text.stdout

    shown = ok_json(invoke("escalation", "show", str(esc), "--json", db=db_url, user="sp_per"))
    assert [e["kind"] for e in shown["history"]] == ["raised", "assigned", "released"]
    assert isinstance(shown["history"][2]["detail"]["previous_owner"], int)  # machine-readable as stored
