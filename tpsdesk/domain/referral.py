"""Referral rules (E1, E5, E6, F1) over plain values: which ICT referrals need the
E5a checks, the Service First number's form, where an ACTDOC may go, and what
each target needs recorded. The service records; these decide.
"""

from __future__ import annotations

import re

from tpsdesk.domain.vocab import ReferMode, Target
from tpsdesk.policy import Policy
from tpsdesk.text import a_or_an


class ReferralInputError(ValueError):
    """Bad input to a referral: ``field`` names what to fix."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def needs_checks(policy: Policy, category: str, target: str, mode: ReferMode | None) -> bool:
    """E5a: every referral of a problem to ICT needs the six checks, whatever the category,
    except E1's stop-payment request (its own ICT route). A direct referral (E5b) is made
    under an NNU instruction, which is its own check."""
    return target == Target.ICT and mode is not ReferMode.DIRECT and category not in policy.referral.system_check_exempt


def needs(policy: Policy, category: str, target: str, mode: ReferMode | None) -> list[str]:
    """The inputs a referral to ``target`` must carry (for dialogs and ``--help`` alike)."""
    if target == Target.ICT:
        if mode is ReferMode.DIRECT:
            return ["nnu_ref", "service_first"]
        out = ["checks"] if needs_checks(policy, category, target, mode) else []
        if category in policy.referral.system_check_exempt:
            out.append("service_first")  # E1: the stop request is met with its number
        return out
    if target in (Target.POLICY_ADVISOR, Target.HELPDESK):
        return ["form_ref"]
    return ["where"] if target == Target.ACTDOC else []


def checks_recorded(policy: Policy, given: list[str]) -> tuple[list[str], list[str]]:
    """E5a: (recorded, missing), matching the policy's check names case-insensitively."""
    names = list(policy.referral.system_checks)
    by_lower = {n.lower(): n for n in names}
    recorded: list[str] = []
    for raw in given:
        key = raw.strip().lower()
        if key not in by_lower:
            raise ReferralInputError("checks", f"{raw!r} is not one of the E5a checks: {'; '.join(names)}")
        if by_lower[key] not in recorded:
            recorded.append(by_lower[key])
    return recorded, [n for n in names if n not in recorded]


def service_first(policy: Policy, value: str) -> str:
    """An ICT incident number (E1, E5b), by the policy's pattern."""
    number = value.strip()
    if not re.fullmatch(policy.referral.service_first_pattern, number):
        raise ReferralInputError(
            "service_first", f"{number!r} is not a Service First number: give the ICT incident number, e.g. 40012345"
        )
    return number


def actdoc_where(policy: Policy, value: str) -> str:
    """ACTDOC "where" (F1): a policy option, matched loosely ("dm", "service centre")."""
    wanted = value.strip().lower()
    options = list(policy.referral.actdoc_where)
    for option in options:
        short = option.split(" (")[0].lower()
        inner = option[option.find("(") + 1 : option.find(")")].lower() if "(" in option else short
        if wanted in (option.lower(), short, inner):
            return option
    raise ReferralInputError("where", f"say where the ACTDOC went: one of {', '.join(options)} (F1)")


def direct_category_refusal(policy: Policy, category: str | None) -> str | None:
    """E5b: a direct referral is a system-issue escalation only, by whatever path it is
    made (the intake outcome included), and never meets another category's deadline."""
    allowed = policy.referral.direct_categories
    if category is None or category in allowed:
        return None
    kinds = ", ".join(allowed)
    return (
        f"a direct referral to ICT (E5b) is only for a {kinds} issue an NNU covers; {a_or_an(category)} escalation "
        "goes to the SP, who refers it"
    )


def is_stop_request(policy: Policy, category: str) -> bool:
    """E1: a category whose deadline is met by the ICT stop request (arrears)."""
    return any(d.met_by == "ict-request" for d in policy.categories[category].deadlines)
