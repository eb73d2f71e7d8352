"""登记表: the paper registers as Excel workbooks, laid out like the official forms; a unit's downloads at
once, a whole region's is built in the background and kept for a while."""
