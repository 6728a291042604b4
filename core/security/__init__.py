"""API keys: making, hashing and storing them, and checking a request's key."""
