"""The synthetic customer's journey, in the browser: register, activate, sign in, opt in to
marketing on the account page and out again, fill a basket, check out paying by bank transfer,
sign out. The server side (making the customer, minting its activation link, reading its
marketing choice, erasing it) goes through ``ServerSide``.

Each step is recorded as passed or failed with what the browser saw; a failed step stops the
steps that need it, and the erasure runs whatever happened, so a run that breaks half-way
still leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from django.urls import reverse

from pledge.accounts.selectors import marketing_audience
from pledge.accounts.services import MARKETING
from pledge.conformance import synthetic
from pledge.conformance.pages import TIMEOUT_MS, Loader
from pledge.conformance.record import Page, Step
from pledge.conformance.server import ServerSide

if TYPE_CHECKING:
    from playwright.sync_api import Locator


class StepFailed(Exception):
    pass


def marketing_state(customer: synthetic.Customer) -> tuple[bool | None, bool]:
    """(the marketing decision on record, whether the customer is on the marketing list now).

    The list is the one ``pledge marketing list`` sends to, read through its own selector, so
    "stopped" means what it means for the mail that would go out.
    """
    listed = any(p.subject_id == customer.subject_id for p in marketing_audience(purpose=MARKETING))
    return synthetic.marketing_consent(customer), listed


def marketing_box(page: Page) -> bool | None:
    """Whether the page's marketing box is ticked (None: the page has no such box)."""
    for form in page.forms:
        for field in form.fields:
            if field.name == MARKETING and field.type == "checkbox":
                return field.checked
    return None


@dataclass
class Journey:
    loader: Loader
    server: ServerSide
    origin: str

    # --- plumbing --------------------------------------------------------------------------

    def url(self, path: str) -> str:
        return self.origin.rstrip("/") + path

    def _record(self, name: str, ok: bool, detail: str) -> None:
        self.loader.visit.journey.append(Step(name, ok, detail, self.loader.tab.url))

    def _submit(self, step: str, button: Locator) -> Page:
        """Click a form's button and record the page the browser lands on."""
        tab = self.loader.tab
        before = tab.url
        self.loader.recorder.step = step
        with tab.expect_navigation(timeout=TIMEOUT_MS, wait_until="load") as navigation:
            button.click(timeout=TIMEOUT_MS)
        return self.loader.capture(step, before, navigation.value)

    def _expect_path(self, page: Page, wanted: Callable[[str], bool], what: str) -> None:
        path = urlsplit(page.url).path
        if page.status is None or page.status >= 400 or not wanted(path):
            raise StepFailed(f"expected {what}; the browser is at {path} (status {page.status})")

    def _form(self, has: str) -> Locator:
        return self.loader.tab.locator(f"main form:has({has})").first

    # --- the steps ---------------------------------------------------------------------------

    def register(self, customer: synthetic.Customer) -> None:
        page = self.loader.goto(self.url(reverse("web:register")), "register")
        self._expect_path(page, lambda p: p == reverse("web:register"), "the registration form")
        form = self._form("input[type=password]")
        boxes = [f for f in page.forms for f in f.fields if f.type == "checkbox"]
        self.loader.visit.journey_facts["registration_checkboxes"] = [
            {"name": f.name, "label": f.label, "checked": f.checked} for f in boxes
        ]
        form.locator("[name=name]").fill(customer.name)
        form.locator("[name=email]").fill(customer.email)
        form.locator("[name=postal_address]").fill(customer.address)
        form.locator("[name=password]").fill(customer.password)
        # Boxes are left as the page offers them: what the site does by default is the point.
        page = self._submit("register", form.locator("button[type=submit]"))
        # Read now, before the account page changes it: what registering untouched recorded.
        self.loader.visit.journey_facts["marketing_consent_recorded"] = self.server.call(
            synthetic.marketing_consent, customer
        )
        self._expect_path(page, lambda p: p == reverse("web:check-email"), "the check-email page")

    def activate(self, customer: synthetic.Customer) -> None:
        path = self.server.call(synthetic.activation_path, customer)
        if path is None:
            raise StepFailed("the registration opened no account for the synthetic address")
        self.loader.goto(self.url(path), "activate")
        page = self._submit("activate", self._form("button[type=submit]").locator("button"))
        self._expect_path(page, lambda p: p == reverse("web:sign-in"), "the sign-in page")

    def sign_in(self, customer: synthetic.Customer) -> None:
        self.loader.goto(self.url(reverse("web:sign-in")), "sign-in")
        form = self._form("input[type=password]")
        form.locator("[name=email]").fill(customer.email)
        form.locator("[name=password]").fill(customer.password)
        page = self._submit("sign-in", form.locator("button[type=submit]"))
        self._expect_path(page, lambda p: p == reverse("web:account"), "the account page")

    def change_marketing(self, customer: synthetic.Customer, wanted: bool) -> str:
        """Tick (or untick) the account page's marketing box and save; then note at once what
        the page shows, what is on record and whether the customer is on the marketing list."""
        step = "marketing-opt-in" if wanted else "marketing-opt-out"
        account = reverse("web:account")
        page = self.loader.goto(self.url(account), step)
        self._expect_path(page, lambda p: p == account, "the account page")
        facts = self.loader.visit.journey_facts
        changes = facts.get("marketing_changes")
        if not isinstance(changes, list):
            changes = facts["marketing_changes"] = []
        if marketing_box(page) is None:
            return "the account page offers no marketing choice"
        form = self._form(f"[name={MARKETING}]")
        form.locator(f"[name={MARKETING}]").set_checked(wanted, timeout=TIMEOUT_MS)
        page = self._submit(step, form.locator("button[type=submit]"))
        self._expect_path(page, lambda p: p == account, "the account page after saving")
        recorded, listed = self.server.call(marketing_state, customer)
        shown = marketing_box(page)
        changes.append(
            {
                "change": "opt in" if wanted else "opt out",
                "wanted": wanted,
                "shown": shown,
                "recorded": recorded,
                "listed": listed,
                "url": page.url,
            }
        )
        box = "no box" if shown is None else ("box ticked" if shown else "box unticked")
        on_record = {True: "given", False: "not given", None: "none"}[recorded]
        return (
            f"saved; then {box}, consent on record: {on_record}, "
            f"on the marketing list: {'yes' if listed else 'no'}"
        )

    def fill_basket(self) -> None:
        path = self.server.call(synthetic.product_path)
        if path is None:
            raise StepFailed("the catalogue has no product to put in the basket")
        self.loader.goto(self.url(path), "basket")
        form = self.loader.tab.locator("main form[action$='/add/']").first
        page = self._submit("basket", form.locator("button[type=submit]"))
        self._expect_path(page, lambda p: p == reverse("web:basket"), "the basket")

    def check_out(self) -> str:
        page = self.loader.goto(self.url(reverse("web:checkout")), "checkout")
        self._expect_path(page, lambda p: p == reverse("web:checkout"), "the checkout form")
        form = self._form("[name=payment_method]")
        form.locator("[name=payment_method][value='bank-transfer']").check()
        page = self._submit("checkout", form.locator("button[type=submit]"))
        self._expect_path(page, lambda p: p.startswith("/orders/"), "the order page")
        return f"order {urlsplit(page.url).path.rstrip('/').rsplit('/', 1)[-1]}"

    def sign_out(self) -> None:
        page = self.loader.goto(self.url(reverse("web:account")), "sign-out")
        self._expect_path(page, lambda p: p == reverse("web:account"), "the account page")
        form = self.loader.tab.locator(f"form[action$='{reverse('web:sign-out')}']").first
        page = self._submit("sign-out", form.locator("button[type=submit]"))
        self._expect_path(page, lambda p: p == reverse("web:home"), "the home page")

    # --- the whole journey -------------------------------------------------------------------

    def run(self) -> None:
        facts = self.loader.visit.journey_facts
        customer = self.server.call(synthetic.customer_prepare)
        facts["synthetic_subject"] = str(customer.subject_id)
        steps: list[tuple[str, Callable[[], object]]] = [
            ("register", lambda: self.register(customer)),
            ("activate", lambda: self.activate(customer)),
            ("sign in", lambda: self.sign_in(customer)),
            ("opt in to marketing", lambda: self.change_marketing(customer, True)),
            ("opt out of marketing", lambda: self.change_marketing(customer, False)),
            ("fill the basket", self.fill_basket),
            ("check out by bank transfer", self.check_out),
            ("sign out", self.sign_out),
        ]
        try:
            failed = ""
            for name, action in steps:
                if failed:
                    self._record(name, False, f"not attempted: {failed} failed")
                    continue
                try:
                    done = action()
                except Exception as exc:  # a failed step is evidence
                    failed = name
                    message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                    self._record(name, False, message)
                    self.loader.recorder.flush()
                else:
                    detail = done if isinstance(done, str) else "done"
                    self._record(name, True, detail)
            if "marketing_consent_recorded" not in facts:  # registering did not get that far
                facts["marketing_consent_recorded"] = self.server.call(
                    synthetic.marketing_consent, customer
                )
        finally:
            self.loader.settle()
            erasure = self.server.call(synthetic.customer_erase, customer)
            facts["erasure"] = list(erasure.outcomes)
            facts["leftovers"] = list(erasure.leftovers)
