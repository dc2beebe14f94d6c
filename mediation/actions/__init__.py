"""The one door: every write to a case goes through these modules."""
