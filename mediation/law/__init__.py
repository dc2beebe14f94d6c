"""The law: vocabulary (choices, lengths, limits, identity numbers), the legal
clocks and deadlines, the transition forms and the legal rules."""
