"""The demo site: every product and department link Balie gives leads to a page."""
from __future__ import annotations

import re
from dataclasses import replace

import pytest
import requests

from bot.catalogue import load_catalogue
from bot.settings import settings
from bot.site.pages import product_page, render_site

HREF = re.compile(r'href="(/[^"#?]*)"')


@pytest.fixture(scope="module")
def catalogue():
    return load_catalogue(settings.catalogue_dir)


def test_a_page_for_home_every_department_and_every_product(catalogue):
    pages = render_site(catalogue)
    assert len(pages) == 1 + len(catalogue.departments) + len(catalogue.products)
    paspoort = pages[catalogue.product("paspoort").page]
    burgerzaken = catalogue.departments["burgerzaken"]
    assert "<h1>Paspoort" in paspoort and burgerzaken.phone in paspoort
    assert 'lang="nl"' in paspoort and "voorbeeldwaarden" in paspoort


def test_catalogue_text_is_escaped(catalogue):
    product = replace(catalogue.product("paspoort"), title="<script>x</script>", answer="a & b")
    page = product_page(catalogue, product)
    assert "<script>x</script>" not in page and "&lt;script&gt;" in page and "a &amp; b" in page


@pytest.mark.servers
def test_every_link_on_the_site_works(stack, catalogue):
    """Crawl from the home page: no internal link ends in a 404."""
    seen, todo = set(), ["/"]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        response = requests.get(f"{stack.bot_url}{path}", timeout=10)
        assert response.status_code == 200, path
        if response.headers["content-type"].startswith("text/html"):
            todo += HREF.findall(response.text)
    assert {p.page for p in catalogue.products.values()} <= seen  # reached via the department pages


@pytest.mark.servers
def test_unknown_page_is_a_404(stack):
    assert requests.get(f"{stack.bot_url}/afval/bestaat-niet", timeout=10).status_code == 404
