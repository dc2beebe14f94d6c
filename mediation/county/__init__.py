"""The county bureau's year (DESIGN §12.4): case subsidies (以案定补) and their monthly sheets."""
