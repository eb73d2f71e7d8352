import datetime

import pytest
from django.core.exceptions import ValidationError

from tests.factories import make_id_number
from units.validators import id_birth_date, id_sex, mask_id_number, validate_id_number


def test_a_generated_number_passes_and_encodes_birth_date_and_sex():
    number = make_id_number(datetime.date(1990, 2, 28), "F", 7)
    validate_id_number(number)
    assert id_birth_date(number) == datetime.date(1990, 2, 28)
    assert id_sex(number) == "F"


def test_the_published_example_number_has_check_character_x():
    # The standard's worked example: 11010519491231002X.
    validate_id_number("11010519491231002X")
    validate_id_number("11010519491231002x")  # lower-case x is accepted and normalised


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("110105194912310021", "checksum"),
        ("11010519491231002", "format"),
        ("1101051949123100AX", "format"),
        ("110105194913310026", "birth_date"),
    ],
)
def test_bad_numbers_are_refused_with_a_reason(number, code):
    with pytest.raises(ValidationError) as caught:
        validate_id_number(number)
    if code == "birth_date":
        # A wrong month usually breaks the checksum first; either way the number is refused.
        assert caught.value.code in {"birth_date", "checksum"}
    else:
        assert caught.value.code == code


def test_masking_keeps_only_the_first_and_last_four_characters():
    assert mask_id_number("11010519491231002X") == "1101**********002X"
    assert mask_id_number("") == ""
