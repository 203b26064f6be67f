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
# What ``clean`` removes from typed text: characters that are invisible or change how the
# text around them shows, not what it says (a reader cannot tell they are there).
# - controls (Cc) except tab and newline, and lone surrogates (Cs: undecodable bytes);
# - bidi embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) and the bidi
#   marks (U+200E, U+200F, U+061C): they reorder what is shown ("txt.exe" as "exe.txt").
#   The marks go too: the bidi algorithm lays out Arabic or Hebrew names by itself, and a
#   mark is only ever needed to move neutral characters (digits, punctuation) about;
# - zero-width and invisible characters: ZWSP, ZWNJ, ZWJ, word joiner, BOM (U+200B-U+200D,
#   U+2060, U+FEFF), the invisible operators U+2061-U+2064, the deprecated format
#   characters U+206A-U+206F, soft hyphen, Mongolian vowel separator, interlinear
#   annotation, shorthand and musical format controls, tags (U+E0001, U+E0020-U+E007F)
#   and the supplementary variation selectors (U+E0100-U+E01EF). The one exception: a ZWJ
#   between two emoji ("👩‍💻", "🏳️‍🌈") and the tags of a flag ("🏴 England") are kept, as
#   parts of the one emoji they make;
# - a variation selector (U+FE00-U+FE0F) after another: one chooses a glyph, a run of them
#   only carries hidden data.
# Script format characters that show (Arabic number signs U+0600-U+0605, ...) stay.
_EMOJI = (
    "\u00a9\u00ae\u203c\u2049\u2122\u2139\u2194-\u21aa\u231a-\u23ff\u24c2\u25aa-\u25fe"
    "\u2600-\u27bf\u2934\u2935\u2b05-\u2b55\u3030\u303d\u3297\u3299\U0001f000-\U0001faff"
)
_EMOJI_ELEMENT = f"[{_EMOJI}](?:[\ufe0e\ufe0f]|[\U0001f3fb-\U0001f3ff])?\u20e3?"
_KEPT = (
    f"{_EMOJI_ELEMENT}(?:\u200d{_EMOJI_ELEMENT})+"  # an emoji ZWJ sequence
    "|\U0001f3f4[\U000e0020-\U000e007e]{1,32}\U000e007f"  # an emoji tag sequence (subdivision flags)
)
_DROPPED = (
    "\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
    "\U000e0001\U000e0020-\U000e007f\U000e0100-\U000e01ef"
)
_SCRUB = re.compile(f"({_KEPT})|([\ufe00-\ufe0f])[\ufe00-\ufe0f]+|[{_DROPPED}]")
# A quick look first: most text has nothing to scrub, and the scrub itself costs more.
_SUSPECT = re.compile(f"[{_DROPPED}\ufe00-\ufe0f]")
_ASCII_SUSPECT = re.compile("[\x00-\x08\x0b-\x1f\x7f]")
_LINE_BREAKS = re.compile("\r\n?|[\x85\u2028\u2029]")


def _scrubbed(match: re.Match[str]) -> str:
    return match.group(1) or match.group(2) or ""


def clean(value: str | None, *, multiline: bool = True) -> str:
    """Typed text as it is stored (DESIGN.md: on save): line breaks made ``\\n``, invisible and
    reordering characters removed (see ``_DROPPED``: bidi controls, zero-width characters
    outside emoji), NFC-normalised (so "é" typed two ways is one text). One line
    (``multiline=False``) makes newlines and tabs spaces. Otherwise the text is kept as typed.
    Fast on a pasted megabyte (regular expressions, no loop per character)."""
    if not value:
        return ""
    ascii_only = value.isascii()
    text = _LINE_BREAKS.sub("\n", value) if ("\r" in value or not ascii_only) else value
    if (_ASCII_SUSPECT if ascii_only else _SUSPECT).search(text):
        text = _SCRUB.sub(_scrubbed, text)
    if not ascii_only and not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    if not multiline:
        text = text.replace("\n", " ").replace("\t", " ")
    return text


def too_long(what: str, length: int, most: int, *, hint: str = "shorten it") -> str:
    """The one wording of a refused length: "the note is 25,301 characters; the most is 20,000: ..."."""
    return f"{what} is {length:,} characters; the most is {most:,}: {hint}"


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
    """One line of plain text: ``clean``, then every run of whitespace (newlines too) one space."""
    return " ".join(clean(value, multiline=False).split())


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


def sentence(text: str) -> str:
    """``text`` ending as a sentence (a full stop added when it has none), so another can follow."""
    text = text.rstrip()
    return text if text.endswith((".", "!", "?", ":")) else f"{text}."
