"""The register of lawful disclosures, and the encrypted exports that go with them."""
