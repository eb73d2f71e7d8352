"""The home page, where every role's work starts."""
