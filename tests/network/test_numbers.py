"""Reading phone numbers as businesses type them (network/numbers.py, docs/contacts.md)."""

from __future__ import annotations

import pytest

from waemu.network import numbers
from waemu.network.numbers import InvalidNumber, PhoneNumber


@pytest.mark.parametrize(
    ("text", "cc", "expected"),
    [
        # The spec's examples (§6.1) for a business in zone 1.
        ("+1 (516) 283-7151", "1", "15162837151"),
        ("1-631-555-1002", "1", "16315551002"),
        ("6315551003", "1", "16315551003"),
        ("+54 9 11 5612-1008", "1", "5491156121008"),
        # The official page's examples.
        ("16315551000", "1", "16315551000"),
        ("+1 631 555 1001", "1", "16315551001"),
        ("+1 (631) 555-1004", "1", "16315551004"),
        ("1-631-555-1005", "1", "16315551005"),
        ("631.555.1006", "1", "16315551006"),
        ("(631) 555/1007", "1", "16315551007"),
        # International prefixes.
        ("00447700900001", "1", "447700900001"),
        ("00 44 7700 900001", "55", "447700900001"),
        ("011 44 7700 900001", "1", "447700900001"),
        ("+44 7700 900001", "49", "447700900001"),
        # National numbers of the business's own country; a trunk 0 is dropped.
        ("07700 900001", "44", "447700900001"),
        ("7700 900001", "44", "447700900001"),
        ("447700900001", "44", "447700900001"),
        ("(011) 98765-4321", "55", "5511987654321"),
        ("11 98765 4321", "55", "5511987654321"),
        ("5511987654321", "55", "5511987654321"),
        ("030 1234567", "49", "49301234567"),
        ("4930 1234567", "49", "49301234567"),
        # Italy keeps its leading 0 in international form.
        ("06 1234 5678", "39", "390612345678"),
        ("+39 06 1234 5678", "1", "390612345678"),
        # A non-breaking space and surrounding blanks are separators too.
        ("\u00a0+1\u00a0631 555 1002 ", "1", "16315551002"),
    ],
)
def test_parse_gives_international_digits_when_input_is_common_format(
    text: str, cc: str, expected: str
) -> None:
    assert numbers.parse(text, cc).digits == expected


@pytest.mark.parametrize(
    ("text", "cc", "reason"),
    [
        ("", "1", "no digits"),
        ("  +  ", "1", "no digits"),
        ("abc", "1", "only digits"),
        ("+1 631 555 100x", "1", "only digits"),
        ("631+5551002", "1", "only digits"),
        ("٦٣١٥٥٥١٠٠٢", "1", "only digits"),  # Arabic-Indic digits are not ASCII digits
        ("+163155588", "1", "10 digits after the code"),  # the official "failed" example
        ("+1 631 555 10022", "1", "10 digits after the code"),
        ("+1 031 555 1002", "1", "do not start with 0 or 1"),
        ("+1 631 155 1002", "1", "do not start with 0 or 1"),
        ("+0 631 555 1002", "1", "starts with a country code"),
        ("+1234567890123456", "1", "15 digits"),
        ("+999 1234 5678", "1", "no assigned country calling code"),
        ("+800 1234 5678", "1", "no assigned country calling code"),  # global freephone
        ("+44 770", "1", "7 to 10 digits"),
        ("+49 123", "1", "4 to 13 digits"),
        ("+55 11 9876 54321 1", "1", "10 to 11 digits"),
        ("0", "44", "7 to 10 digits"),
    ],
)
def test_parse_raises_invalid_number_when_input_is_not_a_number(
    text: str, cc: str, reason: str
) -> None:
    with pytest.raises(InvalidNumber, match=reason):
        numbers.parse(text, cc)


@pytest.mark.parametrize(
    ("digits", "cc", "national"),
    [
        ("16315551002", "1", "6315551002"),
        ("79161234567", "7", "9161234567"),
        ("447700900001", "44", "7700900001"),
        ("5491156121008", "54", "91156121008"),
        ("35312345678", "353", "12345678"),
        ("8613812345678", "86", "13812345678"),
        ("97150123456", "971", "50123456"),
        ("6831234", "683", "1234"),  # Niue: 4-digit national numbers
    ],
)
def test_split_separates_country_code_when_digits_are_international(
    digits: str, cc: str, national: str
) -> None:
    assert numbers.split(digits) == PhoneNumber(cc, national)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Brazil: mobiles with and without the 9th digit after the 2-digit area code.
        ("+55 11 98765-4321", ["5511987654321", "551187654321"]),
        ("+55 21 8765-4321", ["552187654321", "5521987654321"]),
        # Brazilian landlines (2-5 after the area code) have one form only.
        ("+55 11 3456-7890", ["551134567890"]),
        # Mexico: with and without the "1" after 52.
        ("+52 1 55 1234 5678", ["5215512345678", "525512345678"]),
        ("+52 55 1234 5678", ["525512345678", "5215512345678"]),
        # Argentina keeps its mobile 9: one form.
        ("+54 9 11 5612-1008", ["5491156121008"]),
        ("+54 11 5612-1008", ["541156121008"]),
        # Elsewhere: one form.
        ("+1 631 555 1002", ["16315551002"]),
        ("+44 7700 900001", ["447700900001"]),
    ],
)
def test_candidates_lists_every_form_when_country_has_two(text: str, expected: list[str]) -> None:
    assert numbers.candidates(text, "1") == expected


def test_candidates_raises_invalid_number_when_input_is_malformed() -> None:
    with pytest.raises(InvalidNumber):
        numbers.candidates("call me", "1")


def test_country_codes_are_prefix_free_when_listed() -> None:
    codes = numbers.COUNTRY_CODES
    clashes = [(a, b) for a in codes for b in codes if a != b and b.startswith(a)]
    assert clashes == []
    assert {"1", "7", "44", "55", "52", "54", "91", "998"} <= codes


@pytest.mark.parametrize(
    ("text", "cc", "expected"),
    [
        # Digits that make an international number are that number: a wa_id (a webhook's
        # "from", a contact check's wa_id) reaches its owner whatever the business's country.
        ("447700900001", "1", "447700900001"),
        ("5491156121008", "1", "5491156121008"),
        ("16315551002", "44", "16315551002"),
        ("447700900001", "49", "447700900001"),  # no regular German plan: never national
        # Clearly national: exactly the shape of the business country's national numbers.
        ("6315551002", "1", "16315551002"),  # also 63 1555 1002, Philippine: national wins
        ("(631) 555-1002", "1", "16315551002"),
        ("7700 900001", "44", "447700900001"),
        ("11987654321", "55", "5511987654321"),
        # Both readings fit: the national one wins (the coreapp sends a wa_id it knows with
        # "+", so a Singaporean customer who wrote is still reached, docs/messages.md).
        ("6591234567", "44", "446591234567"),
        # The business's own code in front, a trunk 0, + and international prefixes: as the
        # contact check reads them.
        ("16315551002", "1", "16315551002"),
        ("07700 900001", "44", "447700900001"),
        ("011 44 7700 900001", "1", "447700900001"),
        ("+44 7700 900001", "1", "447700900001"),
        ("44 7700 900001", "1", "447700900001"),  # spaced the same: not a US number
        ("06 1234 5678", "39", "390612345678"),
        # Neither an international nor a national number of a known shape: the national
        # reading, as the contact check (here 49 + 301234567).
        ("301234567", "49", "49301234567"),
    ],
)
def test_recipient_is_the_wa_id_unless_input_is_clearly_national(
    text: str, cc: str, expected: str
) -> None:
    assert numbers.recipient(text, cc).digits == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("16315550100x", "only digits"),
        ("999123", "7 to 10 digits"),  # no country code 999, and too short for the UK
        ("12", "7 to 10 digits"),
    ],
)
def test_recipient_raises_invalid_number_when_no_reading_fits(text: str, reason: str) -> None:
    with pytest.raises(InvalidNumber, match=reason):
        numbers.recipient(text, "44")


def test_recipient_candidates_list_both_forms_when_wa_id_is_brazilian() -> None:
    assert numbers.recipient_candidates("552187654321", "1") == ["552187654321", "5521987654321"]
    assert numbers.recipient_candidates("5215512345678", "1") == ["5215512345678", "525512345678"]
