"""The datamap: which model or store holds which policy category, and how it is erased."""
