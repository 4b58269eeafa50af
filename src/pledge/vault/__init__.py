"""The vault: personal data encrypted under keys that can be destroyed, and the blind index."""
