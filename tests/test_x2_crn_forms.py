"""X2 (second edition): free text is masked in every form the CRN parser accepts."""

from __future__ import annotations

import pytest

from tpsdesk.errors import ValidationError
from tpsdesk.text import mask_crns_in_text, normalise_crn

FORMS = ["123456789A", "123 456 789A", "123-456-789-a", "123.456.789A", "123 456 789 a", "123456789a"]


@pytest.mark.parametrize("form", FORMS)
def test_x2_parser_accepts_the_written_forms(form: str) -> None:
    assert normalise_crn(form) == "123456789A"


@pytest.mark.parametrize("form", FORMS)
def test_x2_every_accepted_form_is_masked_in_free_text(form: str) -> None:
    masked = mask_crns_in_text(f"Customer {form} called again")
    assert "789A" in masked and "123" not in masked and "456" not in masked


def test_x2_a_crn_glued_to_other_text_is_masked() -> None:
    assert mask_crns_in_text("crn:123456789a;see ref123-456-789Bxyz") == "crn:******789A;see ref******789Bxyz"


def test_x2_text_without_a_crn_is_unchanged() -> None:
    text = "Phone 0412 345 678, ref 12345678A, amount $1,250.00"
    assert mask_crns_in_text(text) == text


def test_crn_parser_still_refuses_other_shapes() -> None:
    for bad in ("12345678A", "123456789", "123--456789A", "123_456_789A"):
        with pytest.raises(ValidationError):
            normalise_crn(bad)
