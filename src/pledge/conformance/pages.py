"""Loading a page in the browser and reading what a visitor would see on it.

Links and form controls are read from the live document (after the browser has resolved every
URL against the page), so a relative ``action`` or a ``<base>`` element cannot hide where a
form really posts. Only a few pages keep their raw HTML: those a check compares byte for byte.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from pledge.conformance.browser import Recorder
from pledge.conformance.record import Field, Form, Page, Visit

if TYPE_CHECKING:
    from playwright.sync_api import Page as BrowserPage
    from playwright.sync_api import Response

TIMEOUT_MS = 20_000

# Runs in the page: every link, every form (with its controls) and every control outside one.
_READ = """() => {
  const resolve = (value) => new URL(value === null || value === '' ? document.URL : value,
                                     document.baseURI).href;
  const label = (el) => {
    if (el.labels && el.labels.length) return el.labels[0].innerText.trim();
    return (el.getAttribute('aria-label') || el.getAttribute('placeholder') || '').trim();
  };
  const choice = (el) => ['checkbox', 'radio'].includes((el.type || '').toLowerCase());
  const field = (el) => ({
    tag: el.tagName.toLowerCase(),
    type: (el.getAttribute('type') || (el.tagName === 'INPUT' ? 'text' : '')).toLowerCase(),
    name: el.getAttribute('name') || '',
    id: el.id || '',
    autocomplete: (el.getAttribute('autocomplete') || '').toLowerCase(),
    label: label(el),
    checked: choice(el) ? el.checked : false,
    value: choice(el) ? (el.value || '') : '',
  });
  const controls = (root) => Array.from(root.querySelectorAll('input, textarea, select'));
  const forms = Array.from(document.querySelectorAll('form')).map((f) => ({
    action: resolve(f.getAttribute('action')),
    method: (f.getAttribute('method') || 'get').toLowerCase(),
    fields: controls(f).map(field),
    other_actions: Array.from(f.querySelectorAll('[formaction]'))
      .map((b) => resolve(b.getAttribute('formaction'))),
  }));
  const loose = controls(document).filter((el) => !el.closest('form')).map(field);
  const links = Array.from(document.querySelectorAll('a[href], area[href]')).map((a) => a.href);
  return {title: document.title, links, forms, loose, scripts: document.scripts.length};
}"""


def _field(data: dict[str, Any]) -> Field:
    return Field(**{k: data[k] for k in Field.__dataclass_fields__})


@dataclass
class Loader:
    """Loads pages in one browser tab, recording each as a ``Page`` of the visit."""

    tab: BrowserPage
    recorder: Recorder
    visit: Visit
    keep_body: Callable[[str], bool] = lambda path: False

    def goto(self, url: str, step: str) -> Page:
        self.recorder.step = step
        try:
            response = self.tab.goto(url, wait_until="load", timeout=TIMEOUT_MS)
        except Exception as exc:  # any failure to load is evidence, not a crash
            self.recorder.flush()
            message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            self.visit.problems.append(f"{url}: did not load ({message})")
            page = Page(step=step, url=url, requested=url, status=None)
            self.visit.pages.append(page)
            return page
        return self.capture(step, url, response)

    def capture(self, step: str, requested: str, response: Response | None) -> Page:
        """Record the page now showing (after a navigation this code started)."""
        self.recorder.step = step
        page = Page(
            step=step,
            url=self.tab.url,
            requested=requested,
            status=response.status if response is not None else None,
        )
        try:
            read = self.tab.evaluate(_READ)
        except Exception as exc:
            self.visit.problems.append(f"{self.tab.url}: could not be read ({type(exc).__name__})")
        else:
            page.title = read["title"]
            page.links = list(read["links"])
            page.forms = [
                Form(
                    page=page.url,
                    action=f["action"],
                    method=f["method"],
                    fields=tuple(_field(x) for x in f["fields"]),
                    other_actions=tuple(f["other_actions"]),
                )
                for f in read["forms"]
            ]
            page.loose_fields = [_field(x) for x in read["loose"]]
            page.scripts = int(read["scripts"])
        if response is not None and self.keep_body(urlsplit(page.url).path):
            try:
                page.body = response.text()
            except Exception:  # a body that cannot be read is simply absent
                page.body = None
        self.recorder.flush()
        self.visit.pages.append(page)
        return page

    def settle(self) -> None:
        """Wait until the network is quiet, so late requests make it into the record."""
        # Quiet or not after five seconds, what was requested by then is in the record.
        with contextlib.suppress(Exception):
            self.tab.wait_for_load_state("networkidle", timeout=5_000)
        self.recorder.flush()
