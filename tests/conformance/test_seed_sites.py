"""``pledge conform --stores`` passes for a freshly started site under each seed policy.

One server per policy for the module; one conformance run each, shared by the tests.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conformance.support import Conformed, conform
from tests.support.site import POLICIES, Site, running

pytestmark = pytest.mark.usefixtures("chromium")


@pytest.fixture(scope="module")
def shop_run(
    tmp_path_factory: pytest.TempPathFactory, chromium: None
) -> Iterator[tuple[Site, Conformed]]:
    with running(Site(tmp_path_factory.mktemp("shop"), "japan-centre.yaml")) as site:
        yield site, conform(site, site.data.parent / "report", "--stores")


def served_visitors(site: Site, timeout: float = 40) -> list[Path]:
    """A few page views, then the wait until the site's access log has written them to its
    encrypted partitions (``pledge serve`` flushes its log every few seconds)."""
    for path in ("/", "/services/", "/ordering/"):
        site.https(path).read()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        written = sorted((site.data / "partitions").rglob("*.parquet"))
        if written:
            return written
        time.sleep(0.5)
    raise AssertionError("the access log wrote no partition:\n" + "".join(site.output))


@pytest.fixture(scope="module")
def alps_run(
    tmp_path_factory: pytest.TempPathFactory, chromium: None
) -> Iterator[tuple[Site, Conformed]]:
    with running(Site(tmp_path_factory.mktemp("alps"), "alps.yaml")) as site:
        served_visitors(site)  # a site that has had visitors keeps their log lines (AL6)
        yield site, conform(site, site.data.parent / "report", "--stores")


@pytest.fixture(params=["shop", "alps"])
def seed_run(request: pytest.FixtureRequest) -> tuple[Site, Conformed]:
    return request.getfixturevalue(f"{request.param}_run")


def test_a_fresh_site_conforms_under_each_seed_policy(seed_run):
    # given a freshly started site, visited and its stores scanned
    _, run = seed_run
    # then the command exits 0, with no check broken and none that could not finish
    assert run.returncode == 0, run.output
    statuses = {r["check"]: r["status"] for r in run.report["results"]}
    assert set(statuses.values()) <= {"kept", "not applicable"}, statuses
    assert run.report["ok"] is True and run.report["stores"] is True
    assert "RESULT: every promise checked holds" in run.output


@pytest.mark.clause("JC3", "JC5", "JC11", "JC12")
def test_the_shop_is_held_to_each_of_its_promises(shop_run):
    # given the japan-centre shop after a conformance run
    _, run = shop_run
    # then each check of its promises ran and was kept, with the evidence named
    for check in ("transport.https", "transport.http_redirect", "transport.hsts", "forms.https",
                  "cookies.declared", "cookies.lifetime", "cookies.attributes",
                  "requests.first_party", "cards.no_field", "notice.served", "contact.published",
                  "journey.completed", "marketing.opt_in", "marketing.change",
                  "conformance.cleanup", "stores.passwords", "stores.cards",
                  "stores.visitor_address", "stores.statistics", "stores.marketing_audience",
                  "stores.datamap",
                  "stores.audit", "stores.backups"):  # fmt: skip
        assert run.status(check) == "kept", (check, run.result(check))
    assert "exactly those declared (basket)" in run.result("cookies.declared")["summary"]
    # and what its forms ask for is what the notice lists
    assert run.status("forms.declared_data") == "kept"
    summary = run.result("forms.declared_data")["summary"]
    assert all(f"{kind} (" in summary for kind in ("address", "email", "name", "telephone"))
    # and the checks of a site without marketing do not apply to one with it
    assert run.status("marketing.none") == "not applicable"
    assert run.status("stores.marketing") == "not applicable"
    kept = {c["id"] for c in run.report["clauses"] if c["status"] == "kept"}
    assert {"JC1", "JC3", "JC4", "JC5", "JC6", "JC10", "JC11", "JC12", "JC13", "JC14"} <= kept


@pytest.mark.clause("AL3", "AL4", "AL5", "AL13")
def test_the_alps_site_is_held_to_each_of_its_promises(alps_run):
    # given the cookieless alps site after a conformance run
    _, run = alps_run
    # then it set no cookie, loaded no script, and no account journey was attempted
    assert "no cookie was set" in run.result("cookies.declared")["summary"]
    assert run.status("pages.no_script") == "kept"
    assert run.status("journey.completed") == "not applicable"
    assert run.status("marketing.change") == "not applicable"
    assert run.status("stores.visitor_address") == "not applicable"  # alps keeps logs (AL6)
    # and no page offers a marketing sign-up, nor do the stores hold a marketing choice
    assert "offers a marketing sign-up" in run.result("marketing.none")["summary"]
    assert run.status("marketing.none") == "kept"
    assert run.result("stores.marketing")["summary"] == "no marketing consent or refusal is stored"
    assert {c["id"] for c in run.report["clauses"]} == {f"AL{n}" for n in range(1, 15)}
    for clause in ("AL1", "AL2", "AL3", "AL4", "AL5", "AL6", "AL9", "AL11", "AL12", "AL13", "AL14"):
        assert run.clause(clause) == "kept", clause


@pytest.mark.clause("AL6")
def test_the_alps_access_log_is_read_decrypted_and_its_partitions_are_sealed(alps_run):
    # given the alps site after visitors, its access log written to partitions
    _, run = alps_run
    # then every partition opens only with its period's key, the scan read the log lines with
    # that key, in memory, and their period is not yet due
    sealed = run.evidence("stores.partitions_encrypted")
    assert "encrypted: opens only with its period's key [partitions/web_logs/category=" in sealed
    summary = run.result("stores.cards")["summary"]
    assert re.search(r", [1-9]\d* in raw logs \(decrypted in memory\)", summary), summary
    assert run.status("retention:user.device.web_logs") == "kept"
    assert "partition file" in run.evidence("retention:user.device.web_logs")


def test_the_visit_reaches_every_page_linked_and_records_every_request(seed_run):
    # given a conformance run
    site, run = seed_run
    visit = run.report["visit"]
    crawled = {p["url"] for p in visit["pages"] if p["step"] == "crawl"}
    # then every same-site link of every crawled page was itself crawled (the operator admin
    # excepted), and every page load is among the recorded requests
    for page in visit["pages"]:
        if page["step"] != "crawl":
            continue
        for link in page["links"]:
            link = link.split("#")[0]
            if link.startswith(site.origin) and "/operator/" not in link:
                assert link in crawled, (page["url"], link)
    requested = {e["url"] for e in visit["exchanges"]}
    assert crawled <= requested
    assert site.url("/privacy/") in crawled and site.url("/contact/") in crawled
    # and every page was also asked for over plain HTTP
    assert len(visit["probes"]) == len({p.split("#")[0] for p in crawled})


@pytest.mark.clause("JC6", "JC10", "JC13")
def test_the_synthetic_customer_walks_the_shop_and_is_erased_leaving_nothing(shop_run):
    # given the shop after a run that registered, changed its marketing choice, bought and
    # erased a synthetic customer
    site, run = shop_run
    steps = [(s["name"], s["ok"]) for s in run.report["visit"]["journey"]]
    assert steps == [
        ("register", True), ("activate", True), ("sign in", True), ("opt in to marketing", True),
        ("opt out of marketing", True), ("fill the basket", True),
        ("check out by bank transfer", True), ("sign out", True),
    ]  # fmt: skip
    # each marketing change was in force when read straight after saving it
    facts = run.report["visit"]["journey_facts"]
    assert facts["marketing_consent_recorded"] is False  # registering left the box unticked
    changes = [
        (c["change"], c["shown"], c["recorded"], c["listed"]) for c in facts["marketing_changes"]
    ]
    assert changes == [("opt in", True, True, True), ("opt out", False, False, False)]
    order = run.report["visit"]["journey"][6]["detail"]
    assert re.fullmatch(r"order JC-[A-Z0-9]{4}-[A-Z0-9]{4}", order), order
    # then its subject was synthetic from the start, and is erased with no index left
    subject = run.report["visit"]["journey_facts"]["synthetic_subject"].replace("-", "")
    rows = site.sql(
        "SELECT synthetic, email_index, erased_at FROM vault_subject WHERE id = ?", (subject,)
    )
    assert rows and rows[0][0] == 1 and rows[0][1] is None and rows[0][2] is not None
    # and nothing of it is left: no account, no profile, no order, no consent record
    for table in ("accounts_user", "accounts_profile", "shop_order", "accounts_consentrecord"):
        assert site.sql(f"SELECT count(*) FROM {table} WHERE subject_id = ?", (subject,)) == [(0,)]
    facts = run.report["visit"]["journey_facts"]
    assert facts["leftovers"] == []
    assert "user.behavior.purchase_history: erased (2 records)" in facts["erasure"]


def test_the_html_report_is_self_contained_and_reads_as_evidence(shop_run):
    # given the HTML report of a run
    _, run = shop_run
    html = run.html
    # then it loads nothing from anywhere and forbids itself to
    assert "default-src 'none'" in html
    assert not re.search(r"<(script|link|img|iframe)\b", html)
    assert not re.search(r"""(src|href)=["']?https?:""", html)
    assert "@import" not in html and "url(" not in html
    # and it names the policy, every clause with its verdict, and every check with evidence
    assert "Japan Centre Privacy &amp; Security Statement" in html
    for clause in run.report["clauses"]:
        assert f'<td class="id">{clause["id"]}</td>' in html
    for result in run.report["results"]:
        assert f'id="{result["check"]}"' in html
    assert "Set-Cookie: basket=…" in html  # the evidence shows no cookie value


def test_the_site_is_held_to_the_policy_given_not_the_one_it_runs(shop_run, tmp_path):
    # given the shop, running japan-centre, checked against the alps policy instead
    site, _ = shop_run
    alps = str(POLICIES / "alps.yaml")
    run = conform(site, tmp_path, "--policy", alps, "--stores", "--no-journey", "--max-pages", "4")
    # then the report is about alps, and says the site and the stores do not keep it
    assert run.returncode == 1
    assert run.report["policy"]["id"] == "alps" and run.report["policy"]["path"] == alps
    assert run.status("stores.policy") == "broken"
    assert run.status("notice.served") == "broken"
    assert "undeclared cookie set: Set-Cookie: basket=…" in run.evidence("cookies.declared")
    assert run.status("journey.completed") == "not applicable"  # alps has no accounts


def test_the_terminal_table_lists_each_check_and_clause(shop_run):
    _, run = shop_run
    assert re.search(r"^transport\.hsts\s+kept\s+all \d+ page responses", run.output, re.M)
    assert re.search(r"^JC11\s+kept\s+One basket cookie", run.output, re.M)
    assert run.output.rstrip().endswith("(exit 0)")
