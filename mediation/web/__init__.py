"""The server-rendered pages: views by desk, their forms, desks and alerts."""
