"""Phone numbers as businesses type them, turned into the wa_ids they may belong to.

``POST /v1/contacts`` accepts numbers "in any common format" (spec §6.1: ``"+1 (516)
283-7151"``, ``"1-631-555-1002"``, ``"6315551003"``, ``"+54 9 11 5612-1008"``), and since
v2.39.1 ``POST /v1/messages`` accepts them in ``to`` too (spec §7.1). The rules, written up in
docs/contacts.md:

* With ``+`` or the ``00`` international prefix (``011`` for a business in zone 1) the digits
  are international: country code, then national number.
* Without, the number is read relative to the business's own country code: a national number
  gets the code prepended (a trunk ``0`` dropped, except in Italy where it is part of the
  number); digits that already start with the business's code and have a national length
  that fits its country stay as they are.
* The country code must be an assigned geographic E.164 code; the whole number at most 15
  digits (E.164); the national part as long as the country's numbers are.
* Brazil (55) and Mexico (52) mobile numbers exist in two forms (with and without the 9th
  digit after the area code; with and without the ``1`` after 52): :func:`equivalents`
  lists both, canonical form first, so a customer registered under either is found.
  Argentina keeps its mobile ``9`` (the spec's example ``+54 9 11 5612-1008`` is
  ``5491156121008``); without it the number is a different (landline) one.

The ``to`` of ``POST /v1/messages`` is read by :func:`recipient`, not :func:`parse`: there
digits without ``+`` are a wa_id (what every webhook's ``from`` and every contact check's
``wa_id`` is) unless they are clearly a national number of the business's country
(docs/messages.md, "How `to` is resolved").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_E164_DIGITS = 15  # ITU-T E.164: country code + national number
MIN_NATIONAL_DIGITS = 4  # the shortest national numbers in use (Niue, Saint Helena)
SEPARATORS = re.compile(r"[\s\-.()/\u00a0]")

# Assigned geographic country calling codes (ITU-T E.164 list), zones 1-9. Global services
# (800, 808, 870, 878, 881-883, 888, 979, 991) are left out: no WhatsApp user has them.
# The list is prefix-free, so a number's code is found by trying 1, 2 and 3 digits.
_COUNTRY_CODES_TEXT = """
    1 7
    20 211 212 213 216 218 220 221 222 223 224 225 226 227 228 229 230 231 232 233 234 235
    236 237 238 239 240 241 242 243 244 245 246 247 248 249 250 251 252 253 254 255 256 257
    258 260 261 262 263 264 265 266 267 268 269 27 290 291 297 298 299
    30 31 32 33 34 350 351 352 353 354 355 356 357 358 359 36 370 371 372 373 374 375 376
    377 378 380 381 382 383 385 386 387 389 39
    40 41 420 421 423 43 44 45 46 47 48 49
    500 501 502 503 504 505 506 507 508 509 51 52 53 54 55 56 57 58 590 591 592 593 594 595
    596 597 598 599
    60 61 62 63 64 65 66 670 672 673 674 675 676 677 678 679 680 681 682 683 685 686 687 688
    689 690 691 692
    81 82 84 850 852 853 855 856 86 880 886
    90 91 92 93 94 95 960 961 962 963 964 965 966 967 968 970 971 972 973 974 975 976 977 98
    992 993 994 995 996 998
"""
COUNTRY_CODES: frozenset[str] = frozenset(_COUNTRY_CODES_TEXT.split())

# National significant number lengths (min, max) where the numbering plan is regular enough
# to check; other countries get the generic bounds (4 digits up to the E.164 maximum).
# Brazil, Mexico and Argentina allow one more digit for their mobile forms.
NATIONAL_LENGTHS: dict[str, tuple[int, int]] = {
    "1": (10, 10),  # NANP: area code + 7 digits
    "7": (10, 10),
    "27": (9, 9),
    "30": (10, 10),
    "31": (9, 9),
    "33": (9, 9),
    "34": (9, 9),
    "39": (6, 11),
    "44": (7, 10),
    "45": (8, 8),
    "47": (8, 8),
    "48": (9, 9),
    "52": (10, 11),  # 10 digits; 11 with the legacy mobile "1"
    "54": (10, 11),  # 10 digits; 11 with the mobile "9"
    "55": (10, 11),  # 2-digit area code + 8 digits; 9 for mobiles with the 9th digit
    "56": (9, 9),
    "61": (9, 9),
    "65": (8, 8),
    "90": (10, 10),
    "91": (10, 10),
}

# Countries whose national numbers keep their leading 0 in international form.
KEEPS_TRUNK_ZERO = frozenset({"39"})


class InvalidNumber(ValueError):
    """The input is not a phone number the network could look up; the message says why."""


@dataclass(frozen=True, slots=True)
class PhoneNumber:
    """A number split into country code and national (significant) number."""

    cc: str
    national: str

    @property
    def digits(self) -> str:
        """The international digits without ``+``: the form wa_ids take."""
        return self.cc + self.national


def _country_code(digits: str) -> str | None:
    for size in (1, 2, 3):
        if digits[:size] in COUNTRY_CODES:
            return digits[:size]
    return None


def _national_bounds(cc: str) -> tuple[int, int]:
    return NATIONAL_LENGTHS.get(cc, (MIN_NATIONAL_DIGITS, MAX_E164_DIGITS - len(cc)))


def _fits(cc: str, national: str) -> bool:
    low, high = _national_bounds(cc)
    return low <= len(national) <= high


def split(digits: str) -> PhoneNumber:
    """``digits`` (international, no ``+``) as country code and national number."""
    if not digits.isdigit() or digits.startswith("0"):
        raise InvalidNumber("an international number starts with a country code")
    if len(digits) > MAX_E164_DIGITS:
        raise InvalidNumber(f"longer than the {MAX_E164_DIGITS} digits E.164 allows")
    cc = _country_code(digits)
    if cc is None:
        raise InvalidNumber("no assigned country calling code")
    national = digits[len(cc) :]
    if not _fits(cc, national):
        low, high = _national_bounds(cc)
        size = str(low) if low == high else f"{low} to {high}"
        raise InvalidNumber(f"numbers of country code {cc} have {size} digits after the code")
    if cc == "1" and (national[0] in "01" or national[3] in "01"):
        raise InvalidNumber("NANP area codes and exchanges do not start with 0 or 1")
    return PhoneNumber(cc, national)


def _digits_of(text: str) -> tuple[bool, str]:
    """Whether ``text`` has a leading ``+``, and its digits; InvalidNumber for other text."""
    stripped = SEPARATORS.sub("", text.strip())
    plus = stripped.startswith("+")
    digits = stripped[1:] if plus else stripped
    if not digits:
        raise InvalidNumber("no digits")
    if not digits.isascii() or not digits.isdigit():
        raise InvalidNumber("only digits, spaces, + and the separators - . ( ) / are allowed")
    return plus, digits


def parse(text: str, business_cc: str) -> PhoneNumber:
    """The number ``text`` means for a business whose own country code is ``business_cc``."""
    plus, digits = _digits_of(text)
    if plus:
        return split(digits)
    if digits.startswith("00"):
        return split(digits[2:])
    if business_cc == "1" and digits.startswith("011"):
        return split(digits[3:])  # the NANP international prefix
    if digits.startswith("0") and business_cc not in KEEPS_TRUNK_ZERO:
        return split(business_cc + digits[1:])  # national form with its trunk prefix
    if digits.startswith(business_cc) and _fits(business_cc, digits[len(business_cc) :]):
        return split(digits)  # already international
    return split(business_cc + digits)


def _national_number_of(digits: str, cc: str) -> bool:
    """Whether ``digits`` have exactly the shape of a national number of country ``cc``.

    Only countries with a regular numbering plan (``NATIONAL_LENGTHS``) can tell: elsewhere
    almost any digits would fit, and a foreign wa_id would be taken for a national number.
    """
    if cc not in NATIONAL_LENGTHS or not _fits(cc, digits):
        return False
    try:
        split(cc + digits)
    except InvalidNumber:
        return False
    return True


def recipient(text: str, business_cc: str) -> PhoneNumber:
    """The number the ``to`` of a message means for a business of country ``business_cc``.

    ``+``, ``00``/``011`` and a trunk ``0`` are read as :func:`parse` reads them. Other
    digits (separators ignored) are the business's own country code plus a national number
    only when they are clearly one: they start with that code and the rest fits, or they
    have exactly the shape of its national numbers. Otherwise digits that make an
    international number (an assigned code, a plausible length for it) are that number: a
    wa_id reaches its owner whatever country the business is in (spec §7.1: ``to`` is the
    recipient's wa_id). What is neither is read nationally, as a contact check reads it.
    A wa_id the coreapp knows arrives with ``+`` (coreapp/services/recipients.py).
    """
    plus, digits = _digits_of(text)
    if plus or digits.startswith("0"):
        return parse(text, business_cc)
    if digits.startswith(business_cc) and _fits(business_cc, digits[len(business_cc) :]):
        return split(digits)
    if _national_number_of(digits, business_cc):
        return split(business_cc + digits)
    try:
        return split(digits)
    except InvalidNumber:
        return split(business_cc + digits)


def equivalents(number: PhoneNumber) -> list[str]:
    """Every wa_id ``number`` may be registered under, the canonical form first."""
    forms = [number.digits]
    national = number.national
    if number.cc == "55" and len(national) == 11 and national[2] == "9":
        forms.append("55" + national[:2] + national[3:])  # without the 9th digit
    elif number.cc == "55" and len(national) == 10 and national[2] in "6789":
        forms.append("55" + national[:2] + "9" + national[2:])  # with the 9th digit
    elif number.cc == "52" and len(national) == 11 and national[0] == "1":
        forms.append("52" + national[1:])  # without the legacy mobile 1
    elif number.cc == "52" and len(national) == 10:
        forms.append("521" + national)  # with the legacy mobile 1
    return forms


def candidates(text: str, business_cc: str) -> list[str]:
    """The wa_ids ``text`` may belong to (canonical first); InvalidNumber when none."""
    return equivalents(parse(text, business_cc))


def recipient_candidates(text: str, business_cc: str) -> list[str]:
    """The wa_ids the ``to`` of a message may belong to (canonical first); InvalidNumber
    when none."""
    return equivalents(recipient(text, business_cc))
