"""The law: vocabulary (choices, lengths, limits, identity numbers), the calendar (days)
and the legal clocks and deadlines, the transition forms (transitions, by topic in
forms_*) and the legal rules (routes, and the rules moved here from the services)."""
