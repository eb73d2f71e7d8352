"""The API's number fields: DRF's, reading through ``common.numbers`` as every form and import does.

DRF's own fields refuse a huge exponent or NaN already, but read full-width and other scripts' digits ("１２",
"٣") as numbers and accept "12.0" for an integer; here a number is ASCII digits, and a refusal says why in Chinese
as a 400 naming the field. The schema is unchanged: these are DRF's field types."""

from __future__ import annotations

from rest_framework import serializers

from common.numbers import NotANumber, parse_decimal, parse_integer


class DecimalField(serializers.DecimalField):
    def to_internal_value(self, data):
        if isinstance(data, str) and len(data) > self.MAX_STRING_LENGTH:
            self.fail("max_string_length")
        try:
            value = parse_decimal(data)
        except NotANumber as refused:
            raise serializers.ValidationError(str(refused), code="invalid") from None
        # DRF then checks max_digits and decimal_places with its own messages, and rounds.
        return super().to_internal_value(value)


class IntegerField(serializers.IntegerField):
    def to_internal_value(self, data):
        if isinstance(data, str) and len(data) > self.MAX_STRING_LENGTH:
            self.fail("max_string_length")
        try:
            return parse_integer(data)
        except NotANumber as refused:
            raise serializers.ValidationError(str(refused), code="invalid") from None
