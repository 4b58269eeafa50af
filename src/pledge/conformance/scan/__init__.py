"""Reading the server's stores for the store checks: the databases (every model, decrypting
encrypted fields in memory for the statutory ``store-scan`` purpose), the raw log partitions,
and the data directory and its backups, opened with the server's own keys.
"""
