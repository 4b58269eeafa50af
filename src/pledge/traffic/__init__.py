"""Traffic: visit statistics and web server logs, kept as the policy says.

Two sources, one pipeline: ``pledge serve`` records each request itself
(``pledge.traffic.middleware``) and ``pledge logs ingest`` imports nginx or Apache logs. Where the
policy keeps web server logs the lines go, encrypted, into Parquet partitions per fiscal year;
where it does not, no network address is written anywhere. Either way only counts reach the
database, and every report suppresses groups smaller than the policy's minimum.
"""

import os

# Memory must not grow with the size of an import (under 300 MB for any file). polars' allocator
# (jemalloc) and Arrow's (mimalloc) keep freed pages for reuse; with chunk after chunk of
# short-lived columns that alone is a third of the peak. Freed memory goes back at once
# instead; and no per-thread caches of freed blocks (tcache): measured 8 MB less at the peak of
# an import, for no measurable time. Set here, before either library is loaded (Django imports
# apps first; polars reads this when it is imported, and adds its own defaults in front), and
# only where the operator has not chosen otherwise.
os.environ.setdefault(
    "_RJEM_MALLOC_CONF",
    "narenas:1,tcache:false,background_thread:true,dirty_decay_ms:100,muzzy_decay_ms:0",
)
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
