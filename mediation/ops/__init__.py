"""Operations: health, metrics, logs, backup, import, demo data, system checks,
rate limits and the in-server deadline sweeper."""
