"""Stop-payment DOCs through the services (S0 to S5, E1, C6), with careless and hostile input."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func
from sqlmodel import select

from tpsdesk.errors import ValidationError
from tpsdesk.models import Contact, Escalation, Event, StopPaymentDoc
from tpsdesk.policy import Policy, merge
from tpsdesk.services import escalations as esc_svc
from tpsdesk.services import intake
from tpsdesk.services import stop_payment as sp

TODAY = date(2026, 9, 25)  # the fixtures' Friday in Sydney
GOOD_REASON = "Customer returned to full-time work on 3 August 2026 and income exceeds the cut-out"
GOOD = sp.StopPaymentInput(
    crn="123 456 789a",
    payment_type="age pension",
    amount="$1,234.5",
    period_from="2026-08-01",
    period_to="2026-08-31",
    reason=GOOD_REASON,
    ar_checked=True,
)


def errors(policy, **changes) -> dict[str, str]:
    return sp.field_errors(policy, replace(GOOD, **changes), today=TODAY)


def rows(desk) -> dict[str, int]:
    with desk.store.read() as s:
        return {
            m.__name__: int(s.exec(select(func.count()).select_from(m)).one())
            for m in (StopPaymentDoc, Escalation, Event, Contact)
        }


def test_valid_doc_has_no_errors(policy) -> None:
    assert errors(policy) == {}


def test_field_errors_lists_every_field_at_once(policy) -> None:
    assert list(sp.field_errors(policy, sp.StopPaymentInput(), today=TODAY)) == list(sp.FIELDS)


# ---------------------------------------------------------------- S0
def test_s0_activity_results_screen_must_be_checked(desk, floor, policy) -> None:
    assert "Activity Results" in errors(policy, ar_checked=False)["ar_checked"]
    before = rows(desk)
    for escalate in (False, True):
        with pytest.raises(ValidationError, match="Activity Results") as err:
            sp.save(desk, floor.so, replace(GOOD, ar_checked=False), escalate=escalate)
        assert err.value.field == "ar_checked"
    assert rows(desk) == before


# ---------------------------------------------------------------- S1 fields
# X2 (second edition): dashed and dotted CRNs are accepted forms now (tests/test_x2_crn_forms.py).
@pytest.mark.parametrize("crn", ["", "12345678A", "1234567890", "123456789", "１２３４５６７８９A", "A123456789"])
def test_s1_crn_form(policy, crn) -> None:
    assert "crn" in errors(policy, crn=crn)


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("1234.5", 123450),
        ("1,234.50", 123450),
        ("$1,234.50", 123450),
        ("$ 12", 1200),
        (" 0.01 ", 1),
        (".5", 50),
        ("007.10", 710),
        ("999999.99", 99999999),
    ],
)
def test_s1_amount_accepted_forms(text, cents) -> None:
    assert sp.parse_amount(text) == cents


@pytest.mark.parametrize(
    "text",
    ["", "0", "0.00", "$0", "-5", "-$5", "$-5", "(5.00)", "\u22125", "1.234", "12.", "NaN", "nan", "Infinity", "inf", "1e5", "1E5",
     "0x10", "1_000", "١٢٣", "１２３", "12,34.00", "1,2345", "1 234", "$", "abc", "5 dollars", "AUD 5", "1000000.00", "9" * 40],
)  # fmt: skip
def test_s1_amount_refused(policy, text) -> None:
    assert "amount" in errors(policy, amount=text)


def test_s1_amount_over_policy_max(policy) -> None:
    assert "over the limit" in errors(policy, amount="1,000,000")["amount"]
    lower = Policy(merge(policy.raw, {"stop_payment": {"max_amount": "500.00"}}))
    assert "over the limit of $500.00" in sp.field_errors(lower, GOOD, today=TODAY)["amount"]


def test_s1_payment_type_from_list_or_free_text(policy, desk, floor) -> None:
    assert sp.check_payment_type(policy, "  AGE   pension ") == "Age Pension"
    assert sp.check_payment_type(policy, "Pension Supplement") == "Pension Supplement"
    for bad in ["", "   ", "Other", "n/a", "!!!", "123", "x" * 81, "[bold][/bold]"]:
        assert "payment_type" in errors(policy, payment_type=bad), bad


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        ("2026-09-01", "2026-08-31", "period_to"),  # from after to
        ("01/09/2026", "2026-09-30", "period_from"),
        ("2026-9-1", "2026-09-30", "period_from"),
        ("20260901", "2026-09-30", "period_from"),
        ("2026-W36-1", "2026-09-30", "period_from"),
        ("2026-02-30", "2026-03-30", "period_from"),  # not a real date
        ("1900-01-01", "2026-09-30", "period_from"),  # absurd: too far back
        ("2026-09-01", "2099-01-01", "period_to"),  # absurd: too far ahead
        ("２０２６-09-01", "2026-09-30", "period_from"),
        ("", "2026-09-30", "period_from"),
        ("2026-09-01", "", "period_to"),
    ],
)
def test_s1_period_dates(policy, start, end, field) -> None:
    assert field in errors(policy, period_from=start, period_to=end)


def test_s1_period_of_one_day_and_window_from_policy(policy) -> None:
    assert errors(policy, period_from="2026-08-01", period_to="2026-08-01") == {}
    assert errors(policy, period_from="2021-01-01") == {}
    narrow = Policy(merge(policy.raw, {"stop_payment": {"period_max_years_before": 1}}))
    assert "period_from" in sp.field_errors(narrow, replace(GOOD, period_from="2021-01-01"), today=TODAY)


# ---------------------------------------------------------------- S2 reason
VAGUE = [
    "Customer not entitled", "customer not entitled", "Customer NOT entitled!!!", "CUSTOMER NOT ENTITLED.", "not   eligible.",
    "N/A", "n/a", "NA", "na.", "Not entitled", "The customer is not entitled.", "customer is not entitled", "Customer not eligible",
    "ineligible", "Incorrect", "incorrect arrears", "Arrears incorrect!", "The arrears are incorrect", "wrong", "Overpayment",
    "overpaid", "nil", "None", "unknown", "error", "System error.", "no entitlement", "Customer not entitled to the arrears",
]  # fmt: skip


@pytest.mark.parametrize("reason", VAGUE)
def test_s2_vague_reasons_refused(policy, reason) -> None:
    message = errors(policy, reason=reason)["reason"]
    assert "exactly why" in message


@pytest.mark.parametrize(
    "reason",
    [
        "",
        "   ",
        "...",
        "!!! ??? ---",
        "the customer is not entitled to the payment because",
        "please stop the payment",
        "\x00\x01\x1b",
    ],
)
def test_s2_nothing_left_after_filler_refused(policy, reason) -> None:
    assert "reason" in errors(policy, reason=reason)


@pytest.mark.parametrize(
    "reason",
    [
        "income too high",
        "blah blah blah blah blah",  # a word repeated counts once
        "a b c d e f g",  # stray letters are not words
        "over income test",
        "income income the the",
    ],
)
def test_s2_fewer_words_than_policy_minimum_refused(policy, reason) -> None:
    assert "at least 4" in errors(policy, reason=reason)["reason"]


def test_s2_numbers_alone_say_nothing(policy) -> None:
    assert "nothing specific" in errors(policy, reason="not entitled 1 2 3 4")["reason"]


@pytest.mark.parametrize(
    "reason",
    [
        "income exceeds the limit",  # 4 words, one a filler
        "the customer has income",  # 4 words, three fillers
        "Customer is not eligible for rent assistance",  # "rent assistance" is what is left
        "not entitled: partner income",  # vague words plus something added
    ],
)
def test_s2_every_word_counts_fillers_included(policy, reason) -> None:
    assert errors(policy, reason=reason) == {}


def test_s2_exactly_the_minimum_with_fillers_passes_one_fewer_fails(policy) -> None:
    strict = Policy(merge(policy.raw, {"stop_payment": {"min_reason_words": 5}}))

    def error(reason: str) -> str | None:
        return sp.field_errors(strict, replace(GOOD, reason=reason), today=TODAY).get("reason")

    assert error("the income exceeds a cut") is None  # five words, two of them fillers
    assert error("the income exceeds the cut") is not None  # "the" twice: four different words
    assert "at least 5" in (error("the income exceeds cut") or "")


@pytest.mark.parametrize(
    "reason",
    [
        "the customer is simply not entitled to this payment at all",  # vague + fillers, many words
        "please stop: the customer is not eligible for the arrears",
        "wrong wrong wrong wrong",  # a vague word repeated adds nothing
        "incorrect arrears, system error, customer not entitled",  # vague reasons combined
        "[b]customer[/b] is\u200b nоt еntitlеd to any of the arrears",  # hostile + filler
    ],
)
def test_s2_vague_reason_with_filler_is_still_refused(policy, reason) -> None:
    message = errors(policy, reason=reason)["reason"]
    assert "exactly why" in message and "at least" not in message  # refused as vague, not as short


def test_s2_minimum_words_from_policy(policy) -> None:
    assert errors(policy, reason="income exceeds cut out") == {}
    strict = Policy(merge(policy.raw, {"stop_payment": {"min_reason_words": 8}}))
    message = sp.field_errors(strict, replace(GOOD, reason="income exceeds cut out"), today=TODAY)["reason"]
    assert "at least 8" in message


@pytest.mark.parametrize(
    "reason",
    [
        "[bold]Customer not entitled[/bold]",  # markup cannot pad a vague reason
        "[b]not[/b] [i]eligible[/i]",
        "[red]N/A[/]",
        "ｎｏｔ ｅｎｔｉｔｌｅｄ",  # fullwidth
        "ＣＵＳＴＯＭＥＲ ＮＯＴ ＥＮＴＩＴＬＥＤ",
        "nоt еntitlеd",  # Cyrillic о, е
        "Сustomer nоt eligible",
        "not\u200b entitled",  # zero-width space
        "\u202enot entitled",  # bidi override
        "not\x00 entitled\x07",
        "nót entítled",  # accents
        "not\tentitled\n",
    ],
)
def test_s2_hostile_forms_of_vague_reasons_refused(policy, reason) -> None:
    assert "reason" in errors(policy, reason=reason)


def test_s2_very_long_reason_refused_not_truncated(policy) -> None:
    cap = policy.stop_payment.max_reason_chars
    long = ("Customer returned to full-time work and income exceeds the limit " * 100)[: cap + 1]
    assert f"the reason is {cap + 1:,} characters; the most is {cap:,}" in errors(policy, reason=long)["reason"]
    assert errors(policy, reason=long[:cap]) == {}


def test_s2_specific_reason_kept_as_typed_but_cleaned(desk, floor) -> None:
    typed = "[bold]Customer\x1b[31m returned to\u200b full-time work[/bold]\n on 3 August 2026 "
    result = sp.save(desk, floor.so, replace(GOOD, reason=typed), escalate=False)
    with desk.store.read() as s:
        row = s.get(StopPaymentDoc, result.doc_id)
    assert row.reason == "[bold]Customer[31m returned to full-time work[/bold] on 3 August 2026"
    assert "\x1b" not in row.text and "\u200b" not in row.text


# ---------------------------------------------------------------- S5 layout
def test_s5_render_and_save_give_the_same_standard_text(desk, floor) -> None:
    text = sp.render(desk, floor.so, GOOD)
    assert text.splitlines() == [
        "STOP PAYMENT REQUEST",
        "CRN: 123456789A",
        "Payment type/component: Age Pension",
        "Amount to be stopped: $1,234.50",
        "Period: 01 Aug 2026 to 31 Aug 2026",
        f"Reason the customer is not entitled: {GOOD_REASON}",
        "Activity Results screen checked: Yes",
        "Recorded by: Sam Officer (so1) Fri 25 Sep 2026 10:00 AEST",
        "Action: referred for stop payment before COB Fri 25 Sep 2026 17:00 AEST.",
    ]
    result = sp.save(desk, floor.so, GOOD, escalate=True)
    assert result.text == text
    with desk.store.read() as s:
        row = s.get(StopPaymentDoc, result.doc_id)
    assert (row.text, row.amount_cents, row.crn, row.period_from, row.escalation_id) == (
        text,
        123450,
        "123456789A",
        date(2026, 8, 1),
        result.escalation.id,
    )


def test_s5_render_stores_nothing_and_raises_first_error(desk, floor) -> None:
    before = rows(desk)
    sp.render(desk, floor.so, GOOD)
    with pytest.raises(ValidationError) as err:
        sp.render(desk, floor.so, replace(GOOD, amount="-1", reason="n/a"))
    assert err.value.field == "amount"
    assert rows(desk) == before


def test_s5_user_braces_are_not_template_fields(desk, floor) -> None:
    text = sp.render(desk, floor.so, replace(GOOD, reason="Income {title} from {crn} employment exceeds the limit"))
    assert "Income {title} from {crn} employment" in text


# ---------------------------------------------------------------- E1, S3, C6, S4
def test_e1_s3_escalation_due_before_cob_and_tops_the_queue(desk, floor) -> None:
    older = esc_svc.raise_escalation(desk, floor.tps, category="death", crn="987654321B")
    result = sp.save(desk, floor.so, GOOD, escalate=True)
    esc = result.escalation
    assert (esc.category, esc.crn, esc.status, esc.raised_by) == ("arrears", "123456789A", "new", "so1")
    assert result.due_at == datetime(2026, 9, 25, 7, 0, tzinfo=UTC) and not result.after_hours  # 17:00 AEST
    queue = esc_svc.list_page(desk, floor.sp)
    assert [v.id for v in queue][:2] == [esc.id, older.id]
    with desk.store.read() as s:
        assert s.get(Escalation, esc.id).doc_id == result.doc_id


def test_c6_after_cob_due_next_business_day_flagged_after_hours(desk, floor, clock) -> None:
    clock.advance(hours=7.5)  # Fri 17:30 AEST
    result = sp.save(desk, floor.so, GOOD, escalate=True)
    assert result.after_hours and result.due_at == datetime(2026, 9, 28, 7, 0, tzinfo=UTC)  # Mon 17:00 AEST
    assert "Mon 28 Sep 2026 17:00" in result.text


def test_s4_smart_centre_routes_to_local_sso_or_tl(desk, floor) -> None:
    result = sp.save(desk, floor.so, GOOD, escalate=True)
    assert result.route == ["SSO", "TL"] and "SSO or Team Leader" in result.route_text


def test_s4_comp_recovery_tl_assists_the_so(desk, floor) -> None:
    result = sp.save(desk, floor.cr_so, GOOD, escalate=True)
    assert result.route == ["TL"] and "Team Leader assists" in result.route_text
    assert result.escalation.centre == "CRC"
    assert result.due_at == datetime(2026, 9, 25, 7, 0, tzinfo=UTC)  # 17:00 AEST in Brisbane


def test_save_without_escalation_stores_only_the_doc(desk, floor) -> None:
    before = rows(desk)
    result = sp.save(desk, floor.so, GOOD, escalate=False)
    assert result.escalation is None and result.doc_id
    after = rows(desk)
    assert after["StopPaymentDoc"] == before["StopPaymentDoc"] + 1 and after["Escalation"] == before["Escalation"]


def test_save_links_contact_and_is_one_transaction(desk, floor) -> None:
    c = intake.open_contact(
        desk,
        floor.so,
        reason="incorrect-arrears",
        help_required="arrears on finalised activity",
        references=[intake.NONE],  # I1 second edition: I2.7 records "none", never an empty checklist
        crn="111222333C",
    )
    before = rows(desk)
    with pytest.raises(ValidationError, match="111222333C") as err:
        sp.save(desk, floor.so, GOOD, escalate=True, contact_id=c.id)  # a different customer
    assert err.value.field == "crn"
    assert rows(desk) == before
    result = sp.save(desk, floor.so, replace(GOOD, crn="111222333C"), escalate=True, contact_id=c.id)
    assert intake.get_contact(desk, floor.so, c.id).escalation_id == result.escalation.id
    before = rows(desk)
    with pytest.raises(ValidationError, match="already escalated"):
        sp.save(desk, floor.so, replace(GOOD, crn="111222333C"), escalate=True, contact_id=c.id)
    assert rows(desk) == before  # the DOC of the failed save was rolled back too


def test_r6_so_may_raise_only_arrears_and_it_is_recorded(desk, floor) -> None:
    result = sp.save(desk, floor.per_so, GOOD, escalate=True)
    assert result.escalation.site == "PER"
    with desk.store.read() as s:
        kinds = [e.kind for e in s.exec(select(Event).where(Event.escalation_id == result.escalation.id)).all()]
    assert kinds == ["raised", "stop-payment-doc"]


def test_s1_pasted_page_is_not_echoed_back(policy) -> None:
    message = errors(policy, crn="9" * 100_000)["crn"]
    assert len(message) < 200


def test_policy_errors_name_their_key(policy) -> None:
    from tpsdesk.errors import PolicyError

    broken = Policy(merge(policy.raw, {"stop_payment": {"max_amount": "lots"}}))
    with pytest.raises(PolicyError, match=r"stop_payment\.max_amount"):
        sp.field_errors(broken, GOOD, today=TODAY)
    bad_template = Policy(merge(policy.raw, {"stop_payment": {"template": "{nonsense}"}}))
    doc = sp.checked(policy, GOOD, today=TODAY)
    with pytest.raises(PolicyError, match=r"stop_payment\.template"):
        sp.doc_text(bad_template, doc)
