"""The dashboards: the office's way into its unit's quarter board, and the organisation department's view
of its region."""
