"""The OpenAPI schema is valid and complete, and the docs page works without reaching a CDN."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command

pytestmark = pytest.mark.django_db

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def test_the_schema_generates_without_warnings_and_validates(tmp_path):
    target = tmp_path / "schema.yml"
    stderr = io.StringIO()
    # --fail-on-warn turns any warning (an undocumented action, an untyped field) into an error.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target), stderr=stderr)
    schema = yaml.safe_load(target.read_text())
    assert "Warning" not in stderr.getvalue()
    paths = schema["paths"]
    assert set(paths["/api/tickets/{id}/"]) == {"get", "patch"}
    assert set(paths["/api/tickets/{id}/messages/"]) == {"get", "post"}
    assert "multipart/form-data" in paths["/api/tickets/{id}/messages/"]["post"]["requestBody"]["content"]
    assert "400" in paths["/api/tickets/{id}/merge/"]["post"]["responses"]
    assert {"post"} == set(paths["/api/contacts/{id}/merge/"])
    filters = {parameter["name"] for parameter in paths["/api/tickets/"]["get"]["parameters"]}
    assert {
        "status",
        "category",
        "channel",
        "priority",
        "team",
        "assignee",
        "tag",
        "q",
        "ordering",
    } <= filters


def test_the_schema_endpoint_serves_the_schema(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    assert b"SupportDesk API" in response.content


def test_the_docs_page_loads_swagger_ui_from_our_own_static_files(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "cdn.jsdelivr.net" not in html


@pytest.mark.browser
@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"headless Chromium is not installed at {CHROMIUM}")
def test_the_docs_page_renders_the_operations_in_a_browser_offline(live_server, transactional_db):
    from playwright.sync_api import sync_playwright

    elsewhere: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.on(
                "request",
                lambda request: (
                    None if request.url.startswith(live_server.url) else elsewhere.append(request.url)
                ),
            )
            page.goto(f"{live_server.url}/api/docs/")
            page.wait_for_selector("text=/api/tickets/{id}/merge/", timeout=15_000)
            assert page.locator(".opblock").count() >= 13
            Path("test-artifacts").mkdir(exist_ok=True)
            page.screenshot(path="test-artifacts/api-docs.png")
        finally:
            browser.close()
    assert elsewhere == []  # nothing fetched from a CDN
