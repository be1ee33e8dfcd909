"""Awards: the prize split core, the award transaction, publication of results and the winners."""
