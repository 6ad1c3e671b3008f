"""Offline checks of a parsed `Document`: citations against references (`match`), the entries
themselves (`entries`). Local links are checked by `refcheck.local_links`, beside the network stages."""
