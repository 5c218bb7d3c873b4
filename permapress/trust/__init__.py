"""Trust: the publisher key, signed version records, history and offline verification."""
