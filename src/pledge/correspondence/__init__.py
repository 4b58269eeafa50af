"""Correspondence: email and enquiries, one encrypted copy per correspondent (JC6, AL7)."""
