"""One reader of numbers (common.numbers): whatever is typed, posted or read from a cell, the answer is a number or
a reason in Chinese, never an exception that ends in a 500."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from common import numbers
from common.numbers import NotANumber, parse_decimal, parse_integer
from common.workbooks import whole_number
from scoring.services import parse_points

HOSTILE = ["1e308", "1E+400", "-1e-400", "1e999999999999999999", "NaN", "sNaN", "-Infinity", "inf", "9" * 5000]


@pytest.mark.parametrize("raw", HOSTILE)
def test_points_with_a_huge_exponent_nan_or_too_many_digits_are_refused_not_an_error(raw):
    # Before: decimal.InvalidOperation out of parse_points for 1e308 and 1E+400, a 500 on the sheet page.
    with pytest.raises(ValueError, match=r"不是数字|位数过多"):
        parse_points(raw)


@pytest.mark.parametrize("raw", ["²", "１２", "٣", "12³"])
def test_a_digit_that_is_not_ascii_is_refused_saying_to_type_half_width_digits(raw):
    with pytest.raises(NotANumber) as refused:
        parse_decimal(raw)
    assert str(refused.value) == "请使用半角数字0–9"
    with pytest.raises(NotANumber):
        parse_integer(raw)


def test_a_cell_holding_a_superscript_two_is_not_a_person_number():
    # Before: "²".isdigit() is true and int("²") raised ValueError out of the monthly and roster imports.
    assert whole_number("²") is None
    assert whole_number("１２") is None
    assert whole_number("12") == 12
    assert whole_number(12.0) == 12
    assert whole_number("-3") is None


def test_ordinary_numbers_read_as_before():
    assert parse_points("95.5") == Decimal("95.5")
    assert parse_points(" 7 ") == Decimal("7")
    assert parse_points("1.50") == Decimal("1.50")
    assert parse_points(Decimal("3.25")) == Decimal("3.25")
    assert parse_points(88.25) == Decimal("88.25")
    assert parse_points("-2") == Decimal("-2")
    assert parse_decimal("1e2") == Decimal("100")
    assert parse_integer("+42") == 42
    assert parse_integer(12.0) == 12


def test_places_and_digits_are_refused_with_the_reason():
    with pytest.raises(NotANumber, match="最多保留2位小数"):
        parse_points("1.005")
    with pytest.raises(NotANumber, match="位数过多：最多18位"):
        parse_decimal("1" * 19)
    with pytest.raises(NotANumber, match="不是整数"):
        parse_integer("12.5")


def test_the_digit_limit_is_a_setting(settings):
    settings.NUMBER_MAX_DIGITS = 6
    assert parse_integer("123456") == 123456
    with pytest.raises(NotANumber, match="最多6位"):
        parse_integer("1234567")


def test_the_form_fields_refuse_what_django_would_have_read(settings):
    # Django's own fields read "１２" as 12 and pass 10**23 on to a column that cannot hold it.
    assert numbers.IntegerField(required=False).clean("") is None
    assert numbers.IntegerField().clean("12") == 12
    for field, raw in [
        (numbers.DecimalField(max_digits=6, decimal_places=2), "１２"),
        (numbers.DecimalField(max_digits=6, decimal_places=2), "1E+400"),
        (numbers.IntegerField(), "99999999999999999999999"),
        (numbers.IntegerField(), "٣"),
    ]:
        with pytest.raises(ValidationError):
            field.clean(raw)


@given(st.one_of(st.text(max_size=40), st.integers(), st.floats(), st.decimals(), st.none(), st.booleans()))
def test_whatever_comes_in_the_answer_is_a_number_or_a_refusal(raw):
    for read in (parse_decimal, parse_integer, parse_points):
        try:
            value = read(raw)
        except NotANumber as refused:
            message = str(refused)
            assert message, raw
        else:
            assert isinstance(value, (Decimal, int))
            if isinstance(value, Decimal):
                assert value.is_finite()
                value.quantize(Decimal("0.01"))  # rounding a number read never raises
