"""Fields and service calls of the refer (E5, E6, F1 hand-off) and document (D1, D2, W)
dialogs. The policy data gives every label; nothing here repeats a rule's numbers."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from screens.widgets.action_dialogs import Field
from tpsdesk.services.views import EscalationDetail

if TYPE_CHECKING:
    from screens.context import DeskSession

Call = Callable[[dict[str, Any], int], Any]


def refer_fields(opts: dict[str, Any], target: str) -> tuple[list[Field], str]:
    targets = [t for t in opts["targets"] if t["allowed"]]
    chosen = target or targets[0]["key"]
    fields = [
        Field(
            "target",
            "Refer to",
            "select",
            value=chosen,
            options=[(t["label"], t["key"]) for t in targets],
            required=True,
        )
    ]
    if opts.get("checks_required"):  # E5a: system issues only
        for i, name in enumerate(opts.get("system_checks", [])):
            fields.append(Field(f"check_{i}", f"Checked: {name}", "check"))
    fields += [
        Field("where", "ACTDOC sent to", "select", options=[(w, w) for w in opts.get("actdoc_where", [])]),
        Field("service_first", "ICT Service First number"),
        Field("nnu_ref", "NNU reference (E5b)"),
        Field("form_ref", "Form reference (E6)"),
        Field("eped", "Customer's EPED (YYYY-MM-DD, E10)"),
        Field("note", "Note", "area"),
    ]
    needs = []
    for t in opts["targets"]:
        state = (
            f"needs {', '.join(t['needs'])}"
            if t["allowed"] and t["needs"]
            else "nothing more"
            if t["allowed"]
            else t["reason"]
        )
        needs.append(f"  {t['label']}: {state}")
    intro = "\n".join(needs)
    if opts.get("sp_mailbox"):
        intro += f"\nSend the {opts.get('ict_form') or 'ICT form'} from the SP positional mailbox {opts['sp_mailbox']} (E5a)."
    return fields, intro


def refer_call(session: DeskSession, escalation_id: int, opts: dict[str, Any]) -> Call:
    from tpsdesk.services import setup, workflow

    names = list(opts.get("system_checks", []))

    def call(v: dict[str, Any], version: int) -> Any:
        checks = [name for i, name in enumerate(names) if v.get(f"check_{i}")]
        return workflow.refer(
            session.desk,
            session.logon,
            escalation_id,
            target=v["target"],
            checks=checks,
            service_first=v.get("service_first") or "",
            nnu_ref=v.get("nnu_ref") or "",
            form_ref=v.get("form_ref") or "",
            where=(v.get("where") or "") if v["target"] == "actdoc" else "",
            note=v.get("note") or "",
            eped=setup.parse_date("eped", v.get("eped")),
            expected_version=version,
        )

    return call


D1_KIND = {"action_taken": "area", "resources_used": "area", "so_action": "area", "why_not_day_one": "area"}
TICKS = ["file_note_done", "d2_doc_required", "d2_doc_done", "d2_record_checked", "callback_required",
         "nonstandard_work", "within_so_scope"]  # fmt: skip
KNOWN = {"file_note_done": "file_note"}  # tick -> requirements key, where the detail already says


def _initial(detail: EscalationDetail | None) -> dict[str, bool]:
    req = detail.requirements if detail else {}
    return {tick: bool(req.get(KNOWN.get(tick, tick), False)) for tick in TICKS}


def document_fields(session: DeskSession, detail: EscalationDetail | None) -> list[Field]:
    docs = session.desk.policy.documentation
    done = (detail.requirements.get("d1") if detail else None) or {}
    fields = [
        Field(name, f"{docs.label(name)}{' (recorded; leave blank to keep)' if done.get(name) else ''}", "area")
        for name in docs.d1_fields
    ]
    initial = _initial(detail)
    fields += [Field(tick, docs.label(tick), "check", value=initial[tick]) for tick in TICKS]
    return fields


def document_call(session: DeskSession, escalation_id: int) -> Call:
    from tpsdesk.services import escalations, workflow

    def call(v: dict[str, Any], version: int) -> Any:
        d1 = {k: v[k] for k in D1_KIND if (v.get(k) or "").strip()}  # blank keeps what is recorded
        before = _initial(escalations.show(session.desk, session.logon, escalation_id))
        ticks = {k: v[k] for k in TICKS if k in v and (v[k] != before[k] or v[k])}
        return workflow.document(session.desk, session.logon, escalation_id, **d1, **ticks, expected_version=version)

    return call
