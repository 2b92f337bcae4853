"""axe-core (npm, installed into tests/axe by scripts/provision) on the participant pages in
Chromium: no WCAG 2.0/2.1 A and AA violations and no best-practice ones, in Swedish and in a
right-to-left language, tablet pages included."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page

from tests.browser import chromium
from tests.conftest import unavailable
from tests.test_browser_participant import _link, _serve, _start_tablet

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
VOICES = "speechSynthesis.getVoices = () => [{lang: 'sv-SE'}, {lang: 'ar-SA'}];"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not AXE.is_file():
        unavailable(f"axe-core is not installed at {AXE} (scripts/provision runs npm ci)")
    with chromium() as launched:
        yield launched


def _violations(page: Page) -> list[dict[str, Any]]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", TAGS
    )
    return [
        {"id": v["id"], "nodes": [n["target"] for n in v["nodes"]][:3]}
        for v in result["violations"]
    ]


def _check(page: Page, where: str, found: dict[str, list[dict[str, Any]]]) -> None:
    violations = _violations(page)
    if violations:
        found[where] = violations


def test_participant_pages_have_no_axe_violations(browser: Browser, tmp_path: Path) -> None:
    found: dict[str, list[dict[str, Any]]] = {}
    for url, participation_id in _serve(tmp_path, ["valdsenkat", "eq5d-3l"]):
        link = _link(browser.new_context().new_page(), url, participation_id)
        # axe is injected as a script of its own: the context lets it past the page's CSP.
        phone = browser.new_context(bypass_csp=True, viewport={"width": 320, "height": 640})
        # Voices for both languages, so that the "Lyssna" buttons are shown and checked too.
        phone.add_init_script(VOICES)
        page = phone.new_page()
        for language in ("sv", "ar"):
            page.goto(link if language == "sv" else f"{url}/svar?sprak=ar")
            _check(page, f"intro {language}", found)
            page.goto(f"{url}/svar/sida/1")
            page.locator(".option-row button.listen").first.wait_for(state="visible")
            with page.expect_navigation():  # nothing answered: the error summary
                page.locator("button[type=submit]").click()
            _check(page, f"errors {language}", found)
            page.locator("input[value=ja]").first.check()
            for group in page.locator("fieldset").all()[1:]:
                group.locator("input[value=nej]").check()
            with page.expect_navigation():
                page.locator("button[type=submit]").click()
            _check(page, f"support {language}", found)
        page.goto(f"{url}/svar/sida/3?sprak=sv")
        page.goto(f"{url}/svar/sida/2")
        for group in page.locator("fieldset").all():
            group.locator("input[value=nej]").check()
        with page.expect_navigation():
            page.locator("button[type=submit]").click()
        _check(page, "one question per page", found)
        page.goto(f"{url}/l/not-a-token")
        _check(page, "link not working", found)

        tablet = browser.new_context(bypass_csp=True).new_page()
        _start_tablet(tablet, url, participation_id)
        _check(tablet, "tablet intro", found)
        tablet.goto(f"{url}/svar/lamna")
        _check(tablet, "tablet locked", found)
    assert found == {}
