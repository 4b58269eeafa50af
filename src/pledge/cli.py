"""The ``pledge`` command.

Policy subcommands run without Django, so a policy can be checked and rendered anywhere. Other
subcommands configure Django from the environment (``PLEDGE_POLICY``, ``PLEDGE_DATA_DIR``,
``DATABASE_URL``, ``PLEDGE_KEY_DIR``) and run. Any word pledge does not know is handed to
Django's management commands (``pledge migrate``, ``pledge createsuperuser``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2

# The subcommands pledge itself parses; every other word goes to Django's management commands.
BUILT = ("serve", "check", "policy", "demo")


def _policy_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    policy = sub.add_parser("policy", help="check, render, or describe a policy file")
    actions = policy.add_subparsers(dest="action", required=True, metavar="ACTION")
    check = actions.add_parser("check", help="validate a policy file")
    check.add_argument("file", type=Path)
    render = actions.add_parser("render", help="render the privacy notice")
    render.add_argument("file", type=Path)
    render.add_argument("--format", choices=("html", "md"), default="md")
    render.add_argument("-o", "--output", type=Path, help="write here instead of stdout")
    actions.add_parser("schema", help="print the JSON Schema of policy files")
    imp = actions.add_parser("import", help="draft a policy from a prose notice")
    imp.add_argument("notice", type=Path)
    imp.add_argument("-o", "--output", type=Path)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _years(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 20:
        raise argparse.ArgumentTypeError(f"{text!r}: give a whole number of years, 1 to 20")
    return int(text)


def _demo_command(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    demo = sub.add_parser(
        "demo",
        help="fill a fresh data directory with years of synthetic history to explore",
        description="Write years of synthetic web server logs, mail, orders and payments "
        "under $PLEDGE_DATA_DIR/demo and import them through the import commands' services, "
        "so that pledge sweep --dry-run --now DATE has a history to plan over (docs/demo.md).",
    )
    demo.add_argument("--policy", type=Path, help="policy file (default: $PLEDGE_POLICY)")
    demo.add_argument("--years", type=_years, default=6, help="years of history (default 6)")
    demo.add_argument("--end", type=_date, help="the day after the history ends (default: today)")
    demo.add_argument("--seed", type=int, default=1, help="the same seed, the same history")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pledge",
        description="Run a site and its data handling so that its privacy policy holds.",
        epilog="Any other word is passed to Django's management commands.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    serve = sub.add_parser("serve", help="serve the site over HTTPS, with an HTTP redirect")
    serve.add_argument("--policy", type=Path, help="policy file (default: $PLEDGE_POLICY)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8443, help="HTTPS port")
    serve.add_argument("--http-port", type=int, default=8080, help="port that only redirects")
    serve.add_argument("--cert", type=Path, help="TLS certificate (PEM); default: generated")
    serve.add_argument("--key", type=Path, help="TLS private key (PEM)")
    check = sub.add_parser("check", help="system checks, deployment checks included")
    check.add_argument("--policy", type=Path)
    _policy_commands(sub)
    _demo_command(sub)
    return parser


def _policy(args: argparse.Namespace) -> int:
    from pledge.policy import PolicyError, load

    if args.action == "schema":
        from pledge.policy.schema import Policy

        print(json.dumps(Policy.model_json_schema(), indent=2))
        return EXIT_OK
    if args.action == "import":
        from pledge.policy.prose import import_file
        from pledge.policy.prose.report import summary

        if args.output is not None and args.output.exists():
            print(
                f"pledge policy import: {args.output} exists; choose another name or remove it "
                "(a draft under review is never overwritten)",
                file=sys.stderr,
            )
            return EXIT_FAIL
        result = import_file(args.notice)
        if result.draft is not None and args.output is None:
            sys.stdout.write(result.draft.text)
        elif result.draft is not None:
            try:
                args.output.write_text(result.draft.text, encoding="utf-8")
            except OSError as exc:
                print(f"pledge policy import: cannot write {args.output}: {exc}", file=sys.stderr)
                return EXIT_FAIL
        written = str(args.output) if args.output is not None and result.draft else None
        print(summary(result, written), end="", file=sys.stderr)
        return EXIT_OK if result.draft is not None else EXIT_FAIL
    try:
        policy = load(args.file)
    except PolicyError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        count = len(exc.problems)
        print(f"{args.file}: {count} problem{'s' if count != 1 else ''}", file=sys.stderr)
        return EXIT_FAIL
    if args.action == "check":
        print(f"{args.file}: valid policy {policy.id!r} ({len(policy.categories)} categories)")
        return EXIT_OK
    from pledge.policy.notice import render, render_page

    text = render_page(policy) if args.format == "html" else render(policy, "md")
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return EXIT_OK


def _use_policy(path: Path | None) -> None:
    if path is not None:
        os.environ["PLEDGE_POLICY"] = str(path.resolve())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pledge.settings")


def _django(argv: Sequence[str]) -> int:
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pledge.settings")
    try:
        execute_from_command_line(["pledge", *argv])
    except ImproperlyConfigured as exc:
        print(f"pledge: {exc}", file=sys.stderr)
        return EXIT_FAIL
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else EXIT_FAIL
    return EXIT_OK


def _serve(args: argparse.Namespace) -> int:
    _use_policy(args.policy)
    from django.core.exceptions import ImproperlyConfigured

    from pledge.web.server import serve

    try:
        return serve(
            host=args.host, port=args.port, http_port=args.http_port, cert=args.cert, key=args.key
        )
    except ImproperlyConfigured as exc:
        print(f"pledge serve: {exc}", file=sys.stderr)
        return EXIT_FAIL


def _check(args: argparse.Namespace) -> int:
    """Every system check (datamap warnings are shown), then the deployment checks strictly:
    a served configuration must draw no security warning at all."""
    _use_policy(args.policy)
    status = _django(["check", "--deploy", "--fail-level", "ERROR"])
    if status != EXIT_OK:
        return status
    return _django(["check", "--deploy", "--tag", "security", "--fail-level", "WARNING"])


def _demo(args: argparse.Namespace) -> int:
    """Migrate the data and key databases, then fill them (``pledge.demo``)."""
    _use_policy(args.policy)
    import django
    from django.core.exceptions import ImproperlyConfigured

    try:
        django.setup()
    except ImproperlyConfigured as exc:
        print(f"pledge demo: {exc}", file=sys.stderr)
        return EXIT_FAIL
    from zoneinfo import ZoneInfo

    from django.conf import settings
    from django.core.management import call_command

    from pledge.demo.services import DemoRefused, demo_fill
    from pledge.vault import master
    from pledge.vault.routers import KEYS

    call_command("migrate", database=KEYS, interactive=False, verbosity=0)
    master.current(refresh=True)
    call_command("migrate", interactive=False, verbosity=0)
    end = args.end or dt.datetime.now(ZoneInfo(settings.POLICY.time_zone)).date()
    try:
        report = demo_fill(years=args.years, end=end, seed=args.seed)
    except DemoRefused as exc:
        print(f"pledge demo: {exc}", file=sys.stderr)
        return EXIT_FAIL
    sys.stdout.write(report.render())
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    if argv and not argv[0].startswith("-") and argv[0] not in BUILT:
        return _django(argv)
    args = parser.parse_args(argv)
    handlers: dict[str, Callable[[argparse.Namespace], int]] = {
        "policy": _policy,
        "serve": _serve,
        "check": _check,
        "demo": _demo,
    }
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    return handlers[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
