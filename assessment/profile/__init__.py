"""画像: a person's profile, every period with its result, records, events and follow-ups."""
