"""年度考核: the year, from the inputs beyond the quarters and the roll-up of the four quarters to the
proposals, the committee's decision within the places of 优秀, publication, confirmation, the written
notices, and reviews (复核) and appeals (申诉)."""
