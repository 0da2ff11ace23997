"""Each organisation's own figures ("data playback"): its records by month, by the
breakdowns its package declares, an average against similar organisations, and
completion against the deadline (docs/playback.md)."""
