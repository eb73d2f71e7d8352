"""The quarter's pages: the unit's chain (the board, proposals, review, decisions, publication, review
requests answered) in ``chain``, and a civil servant's own quarters in ``mine``."""
