"""The desk in a real browser (Debian's chromium driven by Playwright) on the bundled sample case: a user made with
`leakdesk user add` logs in, finds the impostor letters from the overview, reads one side by side, corrects a
sentence, records a review, and sees both in /audit under their name.

Set LEAKDESK_SCREENSHOTS=DIR to keep screenshots of the pages on the way (docs/screenshots is made that way).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import invoke
from tests.web.conftest import free_port, wait_for_port

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--disable-quic"]
pytestmark = [pytest.mark.slow, pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium missing "
                                                   "(make test installs it)")]


@pytest.fixture(scope="module")
def sample_desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    from leakdesk.demo import run_demo

    root = tmp_path_factory.mktemp("browser") / "sample"
    result = run_demo(root)
    assert result.ok
    password = root.parent / "password.txt"
    password.write_text("a journalist's long passphrase\n", "utf-8")
    r = invoke(CliRunner(), "user", "add", root, "marsh", "--role", "editor", "--password-file", password)
    assert r.exit_code == 0, r.output
    port = free_port()
    log = (root.parent / "server.log").open("wb")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen([sys.executable, "-m", "leakdesk.cli.main", "serve", str(root), "--port", str(port)],
                            stdout=log, stderr=log, env=env)
    try:
        wait_for_port(port, proc)
        yield root, f"http://127.0.0.1:{port}"
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
        log.close()


def test_journalist_flow(sample_desk: tuple[Path, str]) -> None:
    from playwright.sync_api import expect, sync_playwright

    root, base = sample_desk
    from leakdesk.case import Case
    from leakdesk.store.records import dispatches

    with Case.open(root) as case, case.connect() as conn:
        letters = len(dispatches.overview(conn))
    shots = os.environ.get("LEAKDESK_SCREENSHOTS")

    def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
        if shots:
            Path(shots).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(shots) / f"{name}.png"), full_page=False)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(base + "/")
        expect(page).to_have_url(base + "/login?next=/")
        shot(page, "login")
        page.fill("input[name=name]", "marsh")
        page.fill("input[name=password]", "a journalist's long passphrase")
        page.click("button:has-text('Log in')")
        expect(page.locator("header .who")).to_have_text("marsh · editor")
        expect(page.locator("tr.letter")).to_have_count(letters)
        shot(page, "overview")

        page.select_option("select[name=status]", "disputed")
        page.click("button:has-text('Show')")
        impostors = page.locator("tr.letter")
        expect(impostors).to_have_count(2)
        expect(impostors.nth(0)).to_contain_text("СРОЧНО")
        expect(impostors.nth(1)).to_contain_text("Важно!!!")
        expect(impostors.nth(1)).to_contain_text("sender changed")

        impostors.nth(0).locator("a").click()
        expect(page.locator("h1")).to_contain_text("letter 7")
        expect(page.locator("p.verdict")).to_contain_text("Probably written by someone else")
        first = page.locator("#segment-0")
        expect(first.locator("td.source")).not_to_be_empty()
        expect(first.locator(".target-text")).not_to_be_empty()
        shot(page, "letter")

        first.locator("details.correct summary").click()
        first.locator("textarea[name=target]").fill("Dear Olga, this is a corrected sentence.")
        first.locator("button:has-text('Save correction')").click()
        expect(page.locator("#segment-0 .target-text")).to_have_text("Dear Olga, this is a corrected sentence.")
        expect(page.locator("#segment-0 .by")).to_contain_text("corrected by marsh")

        page.select_option("select[name=verdict]", "fake")
        page.fill("input[name=confidence]", "0.9")
        page.fill("textarea[name=note]", "Straight quotes, no ё, lowercase вы: not the insider's hand.")
        page.click("button:has-text('Record review as marsh')")
        expect(page.locator("tr.review").last).to_contain_text("marsh")
        expect(page.locator("tr.review").last).to_contain_text("fake")

        page.goto(base + "/dispatches/3")
        claim = page.locator("div.claim").first
        claim.locator("summary:has-text('Corroborate')").click()
        claim.locator("select[name=status]").select_option("contradicted")
        claim.locator("button:has-text('Record')").click()
        expect(page.locator("p.error")).to_have_text(
            "A claim can only be marked contradicted with its evidence: fill in “Evidence” with a web address or a "
            "dispatch number.")
        page.go_back()
        claim = page.locator("div.claim").first
        claim.locator("summary:has-text('Corroborate')").click()
        claim.locator("select[name=status]").select_option("corroborated")
        claim.locator("input[name=evidence]").fill("https://news.example/kurils-helicopters")
        claim.locator("button:has-text('Record')").click()
        expect(page.locator("div.claim p.history").first).to_contain_text(
            "marsh: unverified → corroborated, evidence https://news.example/kurils-helicopters")

        # Letter 3 claims the labelling campaign: the streams' measured onset sits beside its date and claimed start.
        evidence = page.locator("div.stream-evidence").first
        expect(evidence.locator("td.letter-date")).to_have_text("2022-03-17")
        expect(evidence.locator("td.claimed-start")).to_contain_text("2021-08")
        expect(evidence.locator("td.measured-onset strong")).to_have_text(re.compile(r"^2021-0[78]-\d\d$"))
        expect(evidence.locator("p.comparison")).to_contain_text("falls within the claimed period")
        plot = evidence.locator("img.onset-plot")
        plot.scroll_into_view_if_needed()
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=plot.element_handle())
        shot(page, "letter-evidence")
        campaign = page.locator("div.claim", has=page.locator("div.stream-evidence")).first
        campaign.locator("summary:has-text('Corroborate')").click()
        campaign.locator("form.attach-evidence input[name=note]").fill("matches the regional TV archive")
        campaign.locator("button:has-text('Attach as evidence')").click()
        expect(page.locator("div.stream-evidence p.attached").first).to_contain_text(
            "Attached as evidence by marsh")
        exposure = page.locator("section#exposure")
        expect(exposure.locator("tr.finding").first).to_contain_text("sender's IP address")
        exposure.scroll_into_view_if_needed()
        shot(page, "letter-exposure")

        page.click("nav >> text=Audit")
        expect(page.locator("p.ok")).to_contain_text("is intact")
        mine = page.locator("tr.entry", has=page.locator("td.actor", has_text="marsh"))
        expect(mine.locator("td.action", has_text="authorship.review")).to_have_count(1)
        expect(mine.locator("td.action", has_text="translation.correct")).to_have_count(1)
        expect(mine.locator("td.action", has_text="web.login")).to_have_count(1)
        expect(mine.locator("td.action", has_text="claims.status")).to_have_count(1)
        expect(mine.locator("td.action", has_text="narratives.evidence.attach")).to_have_count(1)
        shot(page, "audit")

        page.fill("header .search input", "war with Japan over the Kuril Islands")
        page.keyboard.press("Enter")
        expect(page.locator("ol.meaning li.hit").first).to_be_visible()
        assert "letter 3" in page.locator("ol.meaning").inner_text()
        shot(page, "search")
        page.goto(base + "/series/Veter")
        expect(page.locator("p.error")).to_contain_text("letter 7")
        shot(page, "series")
        browser.close()
