"""Encrypted backups of the data that hold no key, and restores that replay every erasure.

``services`` creates, verifies and restores archives; ``archive`` is the sealed file format;
``bundle`` what an archive holds; ``snapshot`` the database copy per vendor; ``replay`` the
shred journal applied again after a restore.
"""
