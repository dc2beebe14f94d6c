"""Before and beside the dispute: screening rounds and legal consultations."""
