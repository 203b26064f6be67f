"""Plain-text hygiene for user input: control characters, CRNs, masking (X2)."""

from __future__ import annotations

import re
import unicodedata

from tpsdesk.errors import ValidationError

# A CRN as people write it: nine digits and a letter, the groups of three optionally
# separated by a space, dash or dot (123 456 789A, 123-456-789-a, 123.456.789A). ASCII
# digits only: \\d would take other scripts' digits. The parser and the X2 masker share it.
_CRN_BODY = r"([0-9]{3})[ .\-]?([0-9]{3})[ .\-]?([0-9]{3})[ .\-]?([A-Za-z])"
_CRN = re.compile(rf"^{_CRN_BODY}$")
_CRN_ANYWHERE = re.compile(_CRN_BODY)
# Keep tab and newline in free text; drop every other control or format char.
_KEEP = {"\n", "\t"}


def clean(value: str | None, *, multiline: bool = True) -> str:
    """Strip control characters (DESIGN.md: on save); keep the text otherwise byte for byte."""
    if value is None:
        return ""
    out = []
    for ch in value.replace("\r\n", "\n").replace("\r", "\n"):
        if ch in _KEEP and (multiline or ch == "\t"):
            out.append(ch)
        elif unicodedata.category(ch) in ("Cc", "Cs") or ch in ("\u2028", "\u2029"):
            continue
        else:
            out.append(ch)
    text = "".join(out)
    return text if multiline else text.replace("\t", " ")


def required(field: str, value: str | None, *, what: str | None = None, multiline: bool = False) -> str:
    text = clean(value, multiline=multiline).strip()
    if not text:
        raise ValidationError(field, f"{what or field} is required")
    return text


def normalise_crn(value: str | None, *, field: str = "crn", optional: bool = False) -> str:
    """A CRN is nine digits and a letter; spaces are allowed (``123 456 789A``).

    The check letter's algorithm is not public, so only the form is checked.
    """
    raw = clean(value, multiline=False).strip()
    if not raw:
        if optional:
            return ""
        raise ValidationError(field, "the CRN is required: nine digits and a letter, e.g. 123456789A")
    match = _CRN.match(raw)
    if not match:
        shown = raw if len(raw) <= 20 else raw[:20] + "..."  # never echo a pasted page back
        raise ValidationError(field, f"{shown!r} is not a CRN: nine digits and a letter, e.g. 123456789A")
    return "".join(match.groups()[:3]) + match.group(4).upper()


def mask_crn(crn: str, keep: int = 4) -> str:
    """``******789A``: exports hide customer identifiers by default (X2)."""
    if not crn:
        return ""
    return "*" * max(len(crn) - keep, 0) + crn[-keep:]


def mask_crns_in_text(text: str, keep: int = 4) -> str:
    """X2: every CRN in free text masked, in any form the parser accepts (spaced, dashed,
    dotted, lowercase) and also when glued to other text (``crn123456789a``)."""
    return _CRN_ANYWHERE.sub(lambda m: mask_crn("".join(m.groups()[:3]) + m.group(4).upper(), keep), text)


# Latin lookalikes from Cyrillic and Greek, so "nоt еntitled" (Cyrillic о, е) folds like
# "not entitled" when free text is compared with policy lists (S2). NFKC handles fullwidth forms.
_LOOKALIKES = str.maketrans(
    {
        "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p",
        "с": "c", "т": "t", "у": "y", "х": "x", "і": "i", "ї": "i", "ј": "j", "ѕ": "s", "ԁ": "d",
        "ԛ": "q", "ԝ": "w", "һ": "h", "ӏ": "l",
        "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p",
        "τ": "t", "υ": "u", "χ": "x", "ϲ": "c",
    }
)  # fmt: skip


def single_line(value: str | None) -> str:
    """One line of plain text: control and format characters (zero-width, bidi overrides)
    dropped, runs of whitespace made one space."""
    text = clean(value, multiline=True)
    text = "".join(" " if ch in "\n\t" else ch for ch in text if unicodedata.category(ch) != "Cf")
    return " ".join(text.split())


def fold(value: str) -> str:
    """A comparison form: compatibility-normalised, case-folded, accents and lookalikes set aside."""
    text = unicodedata.normalize("NFKC", value).casefold().translate(_LOOKALIKES)
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch) and unicodedata.category(ch) != "Cf")


def a_or_an(word: str) -> str:
    """``word`` with its article, as it is said: "an SO", "an SSO", "a TPS", "an arrears ..."
    (an acronym by its first letter's name, another word by its first letter)."""
    first = word[:1]
    acronym = word.isupper() and len(word) > 1
    vowel_sound = first in "AEFHILMNORSX" if acronym else first.lower() in "aeiou"
    return f"{'an' if vowel_sound else 'a'} {word}"
