"""Conformance: proving, against the running site and its stores, that the policy holds.

``pledge conform URL`` visits the site in Debian's Chromium as a visitor would (every public
page reachable by links and, where the policy has accounts, a synthetic customer's whole
journey), records every request, response, cookie and redirect, then holds the record to the
policy one promise at a time. With ``--stores`` it also scans what the server keeps. Each
check is a small class with one job (``checks``), the browser side lives in ``browser``,
``crawler`` and ``journey``, the store side in ``scan``, and ``report`` renders the result for
a terminal, as JSON and as a self-contained HTML page.
"""
