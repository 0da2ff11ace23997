"""Periodic returns (docs/returns.md): a package that ships returns/<record_type>.yaml
turns them on. Each organisation makes one return per period (a quarter of the
collection year): the records its triggers select, with the organisation's own
inclusions and exclusions, frozen as they stood at the period's end when submitted,
then signed off. Nothing here names a collection or its fields."""
