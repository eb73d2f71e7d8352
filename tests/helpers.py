from django.core.exceptions import ValidationError


def error_codes(exc: ValidationError) -> set[str]:
    """Every error code in a ValidationError, whether it holds a list or a dict of errors."""
    if hasattr(exc, "error_dict"):
        return {error.code for errors in exc.error_dict.values() for error in errors}
    return {error.code for error in exc.error_list}
