"""The words of the rulebook as StrEnums: every status, category, role, channel,
permission, action, referral target, final reason and W5 group the core knows.

No other module spells these as raw strings: it names the member. A StrEnum
compares equal to its value, so rows, JSON and policy data keep plain text.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """E12: the lifecycle of an escalation."""

    NEW = "new"
    IN_PROGRESS = "in-progress"
    REFERRED = "referred"
    AWAITING_FOLLOW_UP = "awaiting-follow-up"
    FINALISED = "finalised"


# What a queue may be filtered to: every open item, one status, or everything.
OPEN_FILTER, ALL_FILTER = "open", "all"
STATUS_FILTERS: tuple[str, ...] = (OPEN_FILTER, *(s.value for s in Status), ALL_FILTER)

OPEN_STATUSES: tuple[Status, ...] = (Status.NEW, Status.IN_PROGRESS, Status.REFERRED, Status.AWAITING_FOLLOW_UP)
REFERRED_STATUSES: tuple[Status, ...] = (Status.REFERRED, Status.AWAITING_FOLLOW_UP)


class Category(StrEnum):
    """E1 to E8: the kinds of escalation."""

    ARREARS = "arrears"
    REVIEW = "review"
    DEATH = "death"
    FCSO = "fcso"
    SYSTEM = "system"
    POLICY = "policy"
    FEEDBACK = "feedback"
    Q999 = "q999"
    QOL = "qol"


class Role(StrEnum):
    SO = "SO"
    TPS = "TPS"
    SP = "SP"
    SSO = "SSO"
    TL = "TL"


class Channel(StrEnum):
    SMART_CENTRE = "smart-centre"
    COMP_RECOVERY = "comp-recovery"


class W5Group(StrEnum):
    """W5: staff other than SPs who may process a Centre's escalations."""

    NONE = ""
    HIGH_PERFORMING = "high-performing"
    SP_POOL = "sp-pool"


class Permission(StrEnum):
    """R6: the columns of the permission matrix in policy data."""

    CONTACT = "contact"
    OUTCOME = "outcome"
    DOC = "doc"
    VERIFY_DOC = "verify_doc"
    RAISE = "raise"
    WORK = "work"
    REFER_DIRECT = "refer_direct"
    REASSIGN = "reassign"
    FEEDBACK = "feedback"
    CONFIRM_FEEDBACK = "confirm_feedback"
    SEE_ALL = "see_all"
    DASHBOARD = "dashboard"


class Grant(StrEnum):
    """R6: the values a cell of the permission matrix may hold."""

    YES = "yes"
    NO = "no"
    POOL = "pool"  # W5: only staff in a W5 group
    ARREARS = "arrears"  # S4: only arrears escalations
    OWN_CENTRE = "own-centre"


class Action(StrEnum):
    """What a person can do to an escalation (E12); the lifecycle decides each."""

    CLAIM = "claim"
    RELEASE = "release"
    ASSIGN = "assign"
    NOTE = "note"
    FOLLOW_UP = "follow_up"
    REFER = "refer"
    SERVICE_FIRST = "service_first"
    HAND_OFF = "hand_off"
    DOCUMENT = "document"
    FINALISE = "finalise"
    REOPEN = "reopen"
    WITHDRAW = "withdraw"
    WHO = "who"


class Target(StrEnum):
    """E5, E6, F1: where an escalation is referred."""

    ICT = "ict"
    POLICY_ADVISOR = "policy-advisor"
    HELPDESK = "helpdesk"
    ACTDOC = "actdoc"


class ReferMode(StrEnum):
    """How the actor refers: working the item, directly to ICT (E5b) or as an extra role (E6)."""

    WORK = "work"
    DIRECT = "direct"
    EXTRA = "extra"


class FinalReason(StrEnum):
    """F1: the reasons an escalation is finalised with."""

    ACTDOC_SENT = "actdoc-sent"
    NNU_NO_WORKAROUND = "nnu-no-workaround"
    ICT_STOP_REQUESTED = "ict-stop-requested"
    RESOLVED = "resolved"
    REVIEW_DECIDED = "review-decided"
    WITHDRAWN = "withdrawn"


class Outcome(StrEnum):
    """I8: the outcomes of a contact."""

    RESOLVED = "resolved"
    TOOK_OVER = "took-over"
    TRANSFERRED_TL = "transferred-tl"
    ESCALATED = "escalated"
    REFERRED_ICT = "referred-ict"


class ContactStatus(StrEnum):
    OPEN = "open"
    COMPLETE = "complete"


class NoteKind(StrEnum):
    NOTE = "note"
    CORRECTION = "correction"
    FILE_NOTE = "file-note"
    RAISED = "raised"
    REVIEW = "review"
    FOLLOW_UP = "follow-up"
    REFERRAL = "referral"
    DOCUMENTATION = "documentation"
    CALLBACK = "callback"
    FINALISED = "finalised"
    REOPENED = "reopened"
    WITHDRAWN = "withdrawn"


class NextAction(StrEnum):
    """E12, E13: what an open item's ``next_action_at`` is for."""

    DUE = "due"  # an unmet deadline of its category (E1, E3, E4)
    FINALISE_ON = "finalise-on"  # E4: the 15th day
    FOLLOW_UP = "follow-up"  # E2, E9, E10
    REVIEW = "review"  # E3
    PROGRESS_CHECK = "progress-check"  # E13
    RECORD_UPDATE = "record-update"  # D4: E13's check in comp-recovery
    NONE = ""  # finalised
