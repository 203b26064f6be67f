"""The actions of the queue's detail pane, each a core service call in a thread worker.

Claim, release, assign, note, review/follow-up (E3, E9, E10), refer (E5a checks,
E5b, E6, ACTDOC hand-off), ICT Service First number, document (D1, D2, W3, W4),
finalise (F1, F2), reopen and withdraw (F3, E12), who completes the work (W).
A refused action says why (R5); a conflict keeps your typed text (E11).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual import work
from textual.binding import Binding
from textual.message import Message

from screens.widgets.action_dialogs import Field, FormDialog
from screens.queue.detail import offers
from tpsdesk.errors import TpsError
from tpsdesk.services import escalations
from tpsdesk.services.views import EscalationView

if TYPE_CHECKING:
    from screens.app import TpsApp


def _b(key: str, action: str, label: str, tip: str, show: bool = False) -> Binding:
    return Binding(key, action, label, show=show, id=f"queue.{action}", tooltip=tip)


@dataclass
class ActionDone(Message):
    text: str
    escalation_id: int
    error: str = ""


@dataclass
class NextDialog(Message):
    """A worker read what a dialog needs; the handler opens it on the UI side."""

    kind: str  # "refer" or "finalise"
    view: EscalationView
    data: dict[str, Any]
    target: str = ""


class QueueActions:
    """Mixed into QueueScreen: needs ``detail``, ``table``, ``may``, ``load_detail``."""

    ACTION_BINDINGS = [
        _b("c", "claim", "Claim", "Claim the escalation (E11)", show=True),
        _b("l", "release", "Release", "Let go of your claim (E11)"),
        _b("a", "assign", "Assign", "Assign to an SP, SSO or pool member (W5)"),
        _b("n", "note", "Note", "Add a note (D3)", show=True),
        _b("f", "follow_up", "Follow-up", "Record a review or follow-up (E3, E9, E10)"),
        _b("r", "refer", "Refer", "Refer to ICT, the policy advisor, the helpdesk or by ACTDOC (E5, E6)", show=True),
        _b("i", "service_first", "ICT no.", "Record the ICT Service First number (E1, E5)"),
        _b("h", "hand_off", "Hand off", "Hand off by ACTDOC (F1)"),
        _b("d", "document", "Document", "Record D1 and D2 documentation", show=True),
        _b("F", "finalise", "Finalise", "Finalise with a reason (F1, F2)", show=True),
        _b("R", "reopen", "Reopen", "Reopen with a reason (F3)"),
        _b("w", "withdraw", "Withdraw", "Withdraw a mistaken escalation with a reason (E12)"),
        _b("W", "who", "Who completes", "Who completes the work on the record (W1-W4)"),
    ]

    # ------------------------------------------------------------ helpers
    def _app(self) -> TpsApp:
        return self.app  # type: ignore[attr-defined,no-any-return]

    def _target(self) -> EscalationView | None:
        if self.detail is not None:  # type: ignore[attr-defined]
            return self.detail.escalation  # type: ignore[attr-defined,no-any-return]
        return self.table.current  # type: ignore[attr-defined,no-any-return]

    def _allowed(self, name: str) -> EscalationView | None:
        """The target if ``name`` applies to it for this user; else say why (R5) and None."""
        app = self._app()
        view = self._target()
        if view is None:
            app.notify("choose an escalation first (arrows, then Enter)", severity="warning", markup=False)
            return None
        detail = self.detail  # type: ignore[attr-defined]
        if detail is None or detail.escalation.id != view.id:
            return view  # not opened yet: the service decides, and says why if it refuses (R5)
        offer = offers(detail)[name]
        if offer.reason:
            app.notify(f"{offer.label}: {offer.reason}", severity="error", markup=False)
            return None
        return view

    def _after(self, text: str, escalation_id: int) -> None:
        self._app().notify(text, markup=False)
        self.table.reload()  # type: ignore[attr-defined]
        self.load_detail(escalation_id)  # type: ignore[attr-defined]

    def _dialog(
        self,
        view: EscalationView,
        title: str,
        fields: list[Field],
        call: Callable[[dict[str, Any], int], Any],
        done: Callable[[Any], None],
        *,
        intro: str = "",
        dialog_id: str = "form",
    ) -> None:
        """Open a dialog whose Save calls ``call(values, expected_version)`` in a worker."""
        app = self._app()
        version = {"v": view.version}

        def submit(values: dict[str, Any]) -> Any:
            return call(values, version["v"])

        def refetch() -> None:  # after a Conflict: the next Save applies over the fresh row
            version["v"] = escalations.show(app.session.desk, app.session.logon, view.id).escalation.version

        def closed(result: Any) -> None:
            if result is not None:
                done(result)

        app.push_screen(
            FormDialog(f"#{view.id}: {title}", fields, submit, intro=intro, on_conflict=refetch, dialog_id=dialog_id),
            closed,
        )

    @work(thread=True, exit_on_error=False, group="queue-action")
    def _run(self, escalation_id: int, fn: Callable[[], str]) -> None:
        try:
            text = fn()
        except TpsError as exc:
            self.post_message(ActionDone("", escalation_id, str(exc)))  # type: ignore[attr-defined]
            return
        self.post_message(ActionDone(text, escalation_id))  # type: ignore[attr-defined]

    def on_action_done(self, message: ActionDone) -> None:
        if message.error:
            self._app().notify(message.error, severity="error", markup=False)
            self.load_detail(message.escalation_id)  # type: ignore[attr-defined]
            return
        if message.text.startswith("W:"):
            self.completes = message.text[2:]  # type: ignore[attr-defined]
            self._after(self.completes, message.escalation_id)  # type: ignore[attr-defined]
            return
        self._after(message.text, message.escalation_id)

    # ------------------------------------------------------------ direct actions
    def action_claim(self) -> None:
        if view := self._allowed("claim"):
            app = self._app()
            self._run(view.id, lambda: f"claimed #{escalations.claim(app.session.desk, app.session.logon, view.id).id}")

    def action_release(self) -> None:
        if view := self._allowed("release"):
            app = self._app()

            def go() -> str:
                escalations.release(app.session.desk, app.session.logon, view.id, expected_version=view.version)
                return f"released #{view.id}"

            self._run(view.id, go)

    def action_who(self) -> None:
        if view := self._allowed("who"):
            from tpsdesk.services import workflow

            app = self._app()

            def go() -> str:
                w = workflow.who_completes(app.session.desk, app.session.logon, view.id)
                return f"W:{w.who} completes the work ({w.rule}): {w.text}"

            self._run(view.id, go)

    # ------------------------------------------------------------ dialogs
    def action_note(self) -> None:
        if view := self._allowed("note"):
            app = self._app()
            self._dialog(
                view, "Add a note (D3: notes are never edited)", [Field("text", "Note", "area", required=True)],
                lambda v, _ver: escalations.add_note(app.session.desk, app.session.logon, view.id, v["text"]),
                lambda _r: self._after(f"note added to #{view.id}", view.id), dialog_id="note",
            )  # fmt: skip

    def action_follow_up(self) -> None:
        if view := self._allowed("follow_up"):
            app = self._app()
            self._dialog(
                view, "Record a review / follow-up (E3, E9, E10)", [Field("text", "What was found", "area", required=True)],
                lambda v, ver: escalations.record_follow_up(app.session.desk, app.session.logon, view.id, v["text"], expected_version=ver),
                lambda r: self._after(f"follow-up recorded on #{view.id}", view.id), dialog_id="follow-up",
            )  # fmt: skip

    def action_assign(self) -> None:
        if view := self._allowed("assign"):
            app = self._app()
            staff = escalations.assignable(app.session.desk, app.session.logon)  # only those the domain lets work it (W5)
            options = [(f"{s.logon} {s.name} ({s.role}{', W5' if s.w5_group else ''})", s.logon) for s in staff]
            self._dialog(
                view, "Assign (W5)", [Field("to", "Assign to", "select", options=options, required=True)],
                lambda v, ver: escalations.assign(app.session.desk, app.session.logon, view.id, v["to"], expected_version=ver),
                lambda r: self._after(f"#{view.id} assigned to {r.owner}", view.id), dialog_id="assign",
            )  # fmt: skip

    def action_service_first(self) -> None:
        if view := self._allowed("service_first"):
            from tpsdesk.services import workflow

            app = self._app()
            self._dialog(
                view, "ICT Service First number", [Field("number", "Service First number", value=view.service_first, required=True)],
                lambda v, ver: workflow.set_service_first(app.session.desk, app.session.logon, view.id, v["number"], expected_version=ver),
                lambda r: self._after(f"Service First number recorded on #{view.id}", view.id), dialog_id="service-first",
            )  # fmt: skip

    def action_refer(self, target: str | None = None) -> None:
        if view := self._allowed("hand_off" if target == "actdoc" else "refer"):
            self._options(view, target or "")

    def action_hand_off(self) -> None:
        self.action_refer("actdoc")

    @work(thread=True, exit_on_error=False, group="queue-action")
    def _options(self, view: EscalationView, target: str) -> None:
        from tpsdesk.services import workflow

        app = self._app()
        try:
            opts = workflow.referral_options(app.session.desk, app.session.logon, view.id)
        except TpsError as exc:
            self.post_message(ActionDone("", view.id, str(exc)))  # type: ignore[attr-defined]
            return
        self.post_message(NextDialog("refer", view, opts, target))  # type: ignore[attr-defined]

    def _refer_dialog(self, view: EscalationView, opts: dict[str, Any], target: str) -> None:
        from screens.queue.dialogs import refer_call, refer_fields

        targets = [t for t in opts["targets"] if t["allowed"]]
        if target and not any(t["key"] == target for t in targets):
            reason = next((t["reason"] for t in opts["targets"] if t["key"] == target), "not offered here")
            self._app().notify(f"Hand off: {reason}", severity="error", markup=False)
            return
        if not targets:
            why = "; ".join(str(t["reason"]) for t in opts["targets"])
            self._app().notify(f"Refer: {why}", severity="error", markup=False)
            return
        fields, intro = refer_fields(opts, target)
        self._dialog(
            view, "Hand off (ACTDOC)" if target == "actdoc" else "Refer", fields,
            refer_call(self._app().session, view.id, opts), self._referred, intro=intro, dialog_id="refer",
        )  # fmt: skip

    def _referred(self, result: Any) -> None:
        view = result.escalation
        self._after(f"#{view.id} referred to {view.referral_target}", view.id)
        if result.finalise_prompt:  # F1: a hand-off was recorded: offer to finalise now
            self._finalise_dialog(view, result.finalise_prompt, {})

    def action_document(self) -> None:
        if view := self._allowed("document"):
            from screens.queue.dialogs import document_call, document_fields

            app = self._app()
            self._dialog(
                view, "Document (D1, D2, W)", document_fields(app.session, self.detail),  # type: ignore[attr-defined]
                document_call(app.session, view.id), lambda r: self._after(f"documentation saved on #{view.id}", view.id),
                dialog_id="document",
            )  # fmt: skip

    def action_finalise(self) -> None:
        if view := self._allowed("finalise"):
            self._requirements(view)

    @work(thread=True, exit_on_error=False, group="queue-action")
    def _requirements(self, view: EscalationView) -> None:
        from tpsdesk.services import workflow

        app = self._app()
        try:
            missing = workflow.finalise_requirements(app.session.desk, app.session.logon, view.id)
        except TpsError as exc:
            self.post_message(ActionDone("", view.id, str(exc)))  # type: ignore[attr-defined]
            return
        self.post_message(NextDialog("finalise", view, missing))  # type: ignore[attr-defined]

    def on_next_dialog(self, message: NextDialog) -> None:
        if message.kind == "refer":
            self._refer_dialog(message.view, message.data, message.target)
        else:
            self._finalise_dialog(message.view, "", message.data)

    def _finalise_dialog(self, view: EscalationView, reason: str, missing: dict[str, str]) -> None:
        from tpsdesk.services import finalisation, workflow

        app = self._app()
        # F1, E1: the domain's reasons for the category (arrears only by the ICT stop request).
        options = [(label, key) for key, label in finalisation.reasons(app.session.desk, view.category).items()]
        intro = ""
        if missing:
            items = "\n".join(f"  ✗ {name}: {text}" for name, text in missing.items())
            intro = f"Missing before this can be finalised (F2, D1):\n{items}\nCancel (Esc), then press d to document."
        elif reason:
            intro = "A hand-off was recorded: finalise now (F1)?"

        def done(result: Any) -> None:
            w = result.completes_work
            self.completes = f"{w.who} completes the work ({w.rule}): {w.text}"  # type: ignore[attr-defined]
            self._after(f"#{view.id} finalised. {self.completes}", view.id)  # type: ignore[attr-defined]

        self._dialog(
            view, "Finalise (F1)", [Field("reason", "Reason", "select", value=reason, options=options, required=True),
                                    Field("note", "Note (optional)", "area")],
            lambda v, ver: workflow.finalise(app.session.desk, app.session.logon, view.id, v["reason"], note=v["note"], expected_version=ver),
            done, intro=intro, dialog_id="finalise",
        )  # fmt: skip

    def action_reopen(self) -> None:
        if view := self._allowed("reopen"):
            from tpsdesk.services import workflow

            app = self._app()
            self._dialog(
                view, "Reopen (F3)", [Field("reason", "Why reopen", "area", required=True)],
                lambda v, ver: workflow.reopen(app.session.desk, app.session.logon, view.id, v["reason"], expected_version=ver),
                lambda r: self._after(f"#{view.id} reopened", view.id), dialog_id="reopen",
            )  # fmt: skip

    def action_withdraw(self) -> None:
        if view := self._allowed("withdraw"):
            from tpsdesk.services import workflow

            app = self._app()
            self._dialog(
                view, "Withdraw (E12)", [Field("reason", "Why it was raised by mistake", "area", required=True)],
                lambda v, ver: workflow.withdraw(app.session.desk, app.session.logon, view.id, v["reason"], expected_version=ver),
                lambda r: self._after(f"#{view.id} withdrawn", view.id), dialog_id="withdraw",
            )  # fmt: skip
