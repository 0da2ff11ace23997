"""The rules engine: hard and soft rules, and derived variables, declared per record
type in a collection package (see docs/rules.md)."""
