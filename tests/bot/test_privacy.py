"""BSNs and IBANs are masked before anything is stored or forwarded."""
from bot.privacy import BSN_MASK, IBAN_MASK, mask_personal_numbers


def test_valid_bsn_is_masked():
    result = mask_personal_numbers("mijn bsn is 111222333 graag")
    assert result.masked and result.text == f"mijn bsn is {BSN_MASK} graag"


def test_bsn_with_dots_is_masked():
    assert mask_personal_numbers("1112.22.333").text == BSN_MASK


def test_nine_digits_failing_the_eleven_test_stay():
    assert mask_personal_numbers("bestelnummer 123456788").masked is False


def test_iban_is_masked_with_and_without_spaces():
    assert mask_personal_numbers("NL91 ABNA 0417 1643 00").text == IBAN_MASK
    assert mask_personal_numbers("rekening NL91ABNA0417164300.").text == f"rekening {IBAN_MASK}."


def test_phone_number_and_case_number_are_not_touched():
    text = "bel 06 12345678 over Z-2026-000123"
    assert mask_personal_numbers(text).text == text
