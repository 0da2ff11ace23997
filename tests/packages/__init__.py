"""Collection packages that live with the tests: found through the COLLECTION_PACKAGES
setting (cldc.platform.contract), never in a running service unless it names them."""
