"""Models arrive with the scoring and quarterly issues."""
