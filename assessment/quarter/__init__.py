"""平时考核: a quarter from opening to closing. The organisation department sets up the year and opens the
period; the office starts its unit; people write their summaries; section heads propose, leaders approve,
the committee decides within the places of 好; the office publishes and reports; the organisation
department confirms; feedback and opinions are recorded and the period is closed."""
