"""Postcode and address look-ups behind settings (docs/places.md): a postcode's local
authority from a postcodes.io-style API, addresses and UPRNs from an OS Places-style
API. Either is off until configured; off, people choose the local authority and type
the address themselves."""
