"""The actions of the queue's detail pane, each a core service call in a thread worker.

Claim, release, assign, note, review/follow-up (E3, E9, E10), refer (E5a checks,
E5b, E6, ACTDOC hand-off), ICT Service First number, document (D1, D2, W3, W4),
finalise (F1, F2), reopen and withdraw (F3, E12), who completes the work (W).
A refused action says why (R5); a conflict keeps your typed text (E11).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual.binding import Binding

from screens.messages import Acted, ActFailed
from screens.widgets.action_dialogs import Field, FormDialog, assign_field
from tpsdesk.domain.finalise import WorkAssignment
from tpsdesk.domain.vocab import Action
from tpsdesk.services import escalations
from tpsdesk.services.views import EscalationView

if TYPE_CHECKING:
    from screens.app import TpsApp
    from screens.queue.screen import QueueScreen


@dataclass(frozen=True)
class QueueAction:
    """One lifecycle action on the queue: its key, footer label, tooltip and rule id.
    Which apply to an item, and why not, is the domain's (``detail.offered``)."""

    action: Action
    key: str
    label: str
    tooltip: str
    rule: str
    show: bool = False  # in the footer (every one is in the help list and the detail)

    @property
    def name(self) -> str:
        return self.action.value

    def binding(self) -> Binding:
        return Binding(
            self.key,
            f"act('{self.name}')",
            self.label,
            show=self.show,
            id=f"queue.{self.name}",
            tooltip=f"{self.tooltip} ({self.rule})",
        )


# The one registry: it generates the queue's BINDINGS, the help list (read from them)
# and the detail pane's action list. One entry per lifecycle action (tests/test_guards.py).
REGISTRY: tuple[QueueAction, ...] = (
    QueueAction(Action.CLAIM, "c", "Claim", "Claim the escalation", "E11", show=True),
    QueueAction(Action.RELEASE, "l", "Release", "Let go of your claim", "E11"),
    QueueAction(Action.ASSIGN, "a", "Assign", "Assign to an SP, SSO or pool member", "W5"),
    QueueAction(Action.NOTE, "n", "Note", "Add a note", "D3", show=True),
    QueueAction(Action.FOLLOW_UP, "f", "Follow-up", "Record a review or follow-up", "E3, E9, E10"),
    QueueAction(
        Action.REFER, "r", "Refer", "Refer to ICT, the policy advisor, the helpdesk or by ACTDOC", "E5, E6", show=True
    ),
    QueueAction(Action.SERVICE_FIRST, "i", "ICT no.", "Record the ICT Service First number", "E1, E5"),
    QueueAction(Action.HAND_OFF, "h", "Hand off", "Hand off by ACTDOC", "F1"),
    QueueAction(Action.DOCUMENT, "d", "Document", "Record D1 and D2 documentation", "D1, D2", show=True),
    QueueAction(Action.FINALISE, "F", "Finalise", "Finalise with a reason", "F1, F2", show=True),
    QueueAction(Action.REOPEN, "R", "Reopen", "Reopen with a reason", "F3"),
    QueueAction(Action.WITHDRAW, "w", "Withdraw", "Withdraw a mistaken escalation with a reason", "E12"),
    QueueAction(Action.WHO, "W", "Who completes", "Who completes the work on the record", "W1-W4"),
)
BY_ACTION: dict[Action, QueueAction] = {entry.action: entry for entry in REGISTRY}
BY_KEY: dict[str, QueueAction] = {entry.key: entry for entry in REGISTRY}
BY_NAME: dict[str, QueueAction] = {entry.name: entry for entry in REGISTRY}


class QueueActions:
    """The queue's lifecycle actions, each run for the item SHOWN in the detail (or, with
    no detail open, the highlighted row) and answered by typed ``Acted`` / ``ActFailed``
    messages: the screen is passed in, typed; nothing here is mixed into it."""

    def __init__(self, screen: QueueScreen) -> None:
        self.screen = screen
        self._then: dict[int, Callable[[Any], None]] = {}  # generation -> what to do with the answer
        self._asked = itertools.count(1)
        self.handlers: dict[Action, Callable[[], None]] = {
            Action.CLAIM: self.action_claim,
            Action.RELEASE: self.action_release,
            Action.ASSIGN: self.action_assign,
            Action.NOTE: self.action_note,
            Action.FOLLOW_UP: self.action_follow_up,
            Action.REFER: self.action_refer,
            Action.SERVICE_FIRST: self.action_service_first,
            Action.HAND_OFF: self.action_hand_off,
            Action.DOCUMENT: self.action_document,
            Action.FINALISE: self.action_finalise,
            Action.REOPEN: self.action_reopen,
            Action.WITHDRAW: self.action_withdraw,
            Action.WHO: self.action_who,
        }

    def run(self, action: Action) -> None:
        self.handlers[action]()

    def ask(self, act: str, fn: Callable[[], Any], escalation_id: int, then: Callable[[Any], None]) -> None:
        """Run a service call in a worker; ``then(result)`` on the UI thread when it answers."""
        n = next(self._asked)
        self._then[n] = then
        self.screen.call(act, fn, about=escalation_id, generation=n)

    def answered(self, message: Acted[Any]) -> None:
        then = self._then.pop(message.generation, None)
        if then is not None:
            then(message.result)

    def failed(self, message: ActFailed) -> None:
        """Refused or conflicting: say so (the base screen's wording), re-read what is shown."""
        self._then.pop(message.generation, None)
        self.screen.show_error(message.error)
        if message.about is not None:
            self.screen.refresh_detail_of(message.about)

    # ------------------------------------------------------------ helpers
    def _app(self) -> TpsApp:
        return self.screen.tps

    def _target(self) -> EscalationView | None:
        """The item SHOWN in the detail; with no detail open, the highlighted row."""
        if self.screen.detail is not None:
            return self.screen.detail.escalation
        return self.screen.table.current

    def _allowed(self, name: str) -> EscalationView | None:
        """The target if ``name`` applies to it for this user; else say why (R5) and None."""
        app = self._app()
        if self.screen.opening is not None:
            app.notify(
                f"#{self.screen.opening} is still opening: try again in a moment", severity="warning", markup=False
            )
            return None
        view = self._target()
        if view is None:
            app.notify("choose an escalation first (arrows, then Enter)", severity="warning", markup=False)
            return None
        detail = self.screen.detail
        if detail is None or detail.escalation.id != view.id:
            return view  # not opened yet: the service decides, and says why if it refuses (R5)
        offer = next(o for o in detail.offered if o.action.value == name)  # the domain's answer (E12, R5)
        if offer.reason:
            app.notify(f"{offer.label}: {offer.reason}", severity="error", markup=False)
            return None
        return view

    def _after(self, text: str, escalation_id: int) -> None:
        self._app().notify(text, markup=False)
        self.screen.table.reload()
        self.screen.refresh_detail_of(escalation_id)

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

    # ------------------------------------------------------------ direct actions
    def action_claim(self) -> None:
        if view := self._allowed("claim"):
            session = self.screen.session
            self.ask(
                "queue.claim",
                lambda: escalations.claim(session.desk, session.logon, view.id),
                view.id,
                lambda r: self._after(f"claimed #{r.id}", r.id),
            )

    def action_release(self) -> None:
        if view := self._allowed("release"):
            session = self.screen.session
            self.ask(
                "queue.release",
                lambda: escalations.release(session.desk, session.logon, view.id, expected_version=view.version),
                view.id,
                lambda r: self._after(f"released #{view.id}", view.id),
            )

    def action_who(self) -> None:
        if view := self._allowed("who"):
            from tpsdesk.services import workflow

            session = self.screen.session

            def said(w: WorkAssignment) -> None:
                text = f"{w.who} completes the work ({w.rule}): {w.text}"
                self.screen.completes = (view.id, text)
                self._after(text, view.id)

            self.ask("queue.who", lambda: workflow.who_completes(session.desk, session.logon, view.id), view.id, said)

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
            session = self.screen.session
            # W5: only those the domain lets work it, read in a worker (never on the UI thread)
            self.ask(
                "queue.assign.options",
                lambda: escalations.assignable(session.desk, session.logon, view.id),
                view.id,
                lambda staff: self._assign_dialog(view, staff),
            )

    def _assign_dialog(self, view: EscalationView, staff: list[Any]) -> None:
        app = self._app()
        self._dialog(
            view, "Assign (W5)", [assign_field(staff)],
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

    def _options(self, view: EscalationView, target: str) -> None:
        from tpsdesk.services import workflow

        session = self.screen.session
        self.ask(
            "queue.refer.options",
            lambda: workflow.referral_options(session.desk, session.logon, view.id),
            view.id,
            lambda opts: self._refer_dialog(view, opts, target),
        )

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
                view, "Document (D1, D2, W)", document_fields(app.session, self.screen.detail),
                document_call(app.session, view.id), lambda r: self._after(f"documentation saved on #{view.id}", view.id),
                dialog_id="document",
            )  # fmt: skip

    def action_finalise(self) -> None:
        if view := self._allowed("finalise"):
            self._requirements(view)

    def _requirements(self, view: EscalationView) -> None:
        from tpsdesk.services import workflow

        session = self.screen.session
        self.ask(
            "queue.finalise.requirements",
            lambda: workflow.finalise_requirements(session.desk, session.logon, view.id),
            view.id,
            lambda missing: self._finalise_dialog(view, "", missing),
        )

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
            completes = f"{w.who} completes the work ({w.rule}): {w.text}"
            self.screen.completes = (view.id, completes)
            self._after(f"#{view.id} finalised. {completes}", view.id)

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
