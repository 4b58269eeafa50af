"""``pledge demo``: a data directory filled with years of synthetic history, to explore.

An operator learns what pledge does with time by watching it happen: six years of web server
logs, email, orders and payments, made up here and taken in through the same services the
import commands use, so that ``pledge sweep --dry-run --now 2031-04-15`` has something true to
say. Nothing in it is a real person's: names and addresses are invented, email domains end in
``.example``, and every file is written from one seeded random generator.

An edge like ``cli``: it may call any feature app's services; nothing imports it.
"""
