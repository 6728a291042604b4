"""The /docs explorer and the landing page in a real browser, offline."""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, Request, Route, expect, sync_playwright
from server_harness import RunningServer

pytestmark = pytest.mark.integration

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: Where the docs page screenshot goes, for a human to look at.
SCREENSHOT = Path(tempfile.gettempdir()) / "docs.png"
PREDICT = "/v1/models/house-prices/predict"
#: One valid house, as in the README.
HOUSE = {
    "MSSubClass": 20,
    "MSZoning": "RH",
    "Neighborhood": "NAmes",
    "OverallQual": 5,
    "OverallCond": 6,
    "YearRemodAdd": 1961,
    "RoofStyle": "Gable",
    "MasVnrType": "None",
    "BsmtQual": "TA",
    "BsmtExposure": "No",
    "HeatingQC": "TA",
    "CentralAir": "Y",
    "1stFlrSF": 896,
    "GrLivArea": 896,
    "BsmtFullBath": 0,
    "KitchenQual": "TA",
    "Fireplaces": 0,
    "FireplaceQu": None,
    "GarageType": "Attchd",
    "GarageFinish": "Unf",
    "GarageCars": 1,
    "PavedDrive": "Y",
    "LotFrontage": 80,
    "YrSold": 2010,
}

if not CHROMIUM.exists():
    pytest.skip(
        "Debian's chromium is not installed (apt-get install chromium)",
        allow_module_level=True,
    )


class Traffic:
    """Every request the page makes; anything not for loopback is refused."""

    def __init__(self) -> None:
        self.local: list[str] = []
        self.outside: list[str] = []

    def route(self, route: Route, request: Request) -> None:
        """Let loopback requests through; abort and remember the rest."""
        if urlsplit(request.url).hostname == "127.0.0.1":
            self.local.append(request.url)
            route.continue_()
        else:
            self.outside.append(request.url)
            route.abort()


@pytest.fixture(scope="module")
def browser_page(house_prices_server: RunningServer) -> Iterator[tuple[Page, Traffic]]:
    """A headless Chromium page whose requests may only reach 127.0.0.1."""
    traffic = Traffic()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        context = browser.new_context(viewport={"width": 1280, "height": 1400})
        context.route("**/*", traffic.route)
        page = context.new_page()
        page.set_default_timeout(30_000)
        try:
            yield page, traffic
        finally:
            browser.close()


def _open_docs(page: Page, server: RunningServer) -> None:
    page.goto(server.url("/docs"))
    expect(page.locator(".opblock").first).to_be_visible()


class TestDocsPage:
    """Swagger UI served by roost works with no network beyond the server."""

    def test_docs_page_loads_from_loopback_only(
        self,
        browser_page: tuple[Page, Traffic],
        house_prices_server: RunningServer,
    ) -> None:
        """The explorer renders and nothing leaves 127.0.0.1."""
        page, traffic = browser_page
        _open_docs(page, house_prices_server)
        expect(page.locator(".info .title")).to_contain_text("roost")
        page.screenshot(path=str(SCREENSHOT))
        assert traffic.outside == []
        assert any(
            url.endswith("/docs/static/swagger-ui-bundle.js") for url in traffic.local
        )
        assert any(url.endswith("/openapi.json") for url in traffic.local)

    def test_house_prices_predict_route_is_listed(
        self,
        browser_page: tuple[Page, Traffic],
        house_prices_server: RunningServer,
    ) -> None:
        """The house-prices section lists its typed predict routes."""
        page, _ = browser_page
        _open_docs(page, house_prices_server)
        paths = page.locator(".opblock-summary-path")
        expect(paths.filter(has_text=PREDICT)).to_have_count(1)
        expect(page.locator(".opblock-tag", has_text="house-prices")).to_be_visible()

    def test_try_it_out_returns_a_prediction(
        self,
        browser_page: tuple[Page, Traffic],
        house_prices_server: RunningServer,
    ) -> None:
        """Try it out, one house in the body, Execute: the page shows a price."""
        page, traffic = browser_page
        _open_docs(page, house_prices_server)
        block = page.locator(
            ".opblock", has=page.locator(".opblock-summary-path", has_text=PREDICT)
        ).first
        block.locator(".opblock-summary").click()
        block.get_by_role("button", name="Try it out").click()
        block.locator("textarea.body-param__text").fill(json.dumps([HOUSE]))
        block.get_by_role("button", name="Execute").click()
        row = block.locator(".live-responses-table .response")
        expect(row.locator(".response-col_status")).to_contain_text("200")
        body = row.locator(".response-col_description pre").first
        expect(body).to_contain_text('"predictions"')
        shown = json.loads(body.inner_text())
        assert shown["model"] == "house-prices"
        assert len(shown["predictions"]) == 1
        assert 10_000 < shown["predictions"][0] < 1_000_000
        assert traffic.outside == []


class TestLandingPage:
    """The landing page links the docs and the main routes."""

    def test_every_link_works(
        self,
        browser_page: tuple[Page, Traffic],
        house_prices_server: RunningServer,
    ) -> None:
        """Each link on / answers 200 when followed in the browser."""
        page, traffic = browser_page
        page.goto(house_prices_server.url("/"))
        links = page.locator("a")
        hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
        assert set(hrefs) >= {"/docs", "/v1/models", "/health", "/openapi.json", "/v2"}
        for href in hrefs:
            page.goto(house_prices_server.url("/"))
            with page.expect_navigation() as navigation:
                page.locator(f'a[href="{href}"]').click()
            response = navigation.value
            assert response is not None
            assert response.status == 200, href
        assert traffic.outside == []
