"""Live updates: the outbox relay, the fan-out, the websocket consumer and its guard."""
