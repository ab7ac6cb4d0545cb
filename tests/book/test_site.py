"""The book (phaselab.book.site): built with Sphinx from notebooks, checked as HTML and in headless Chromium."""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
from chapter_notebooks import chapter_one, write_chapters
from chromium import Browser, skip_without_chromium

from phaselab.atomic import part_path
from phaselab.book.site import WIDGET_VIEW, build_site, chapter_summary, chapter_title

REPO = Path(__file__).resolve().parents[2]
v4 = nbformat.v4


def anchors(page: str) -> set[str]:
    """The href of every link of an HTML page."""
    found = set()

    class Parser(HTMLParser):
        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "a" and attrs.get("href"):
                found.add(attrs["href"])

    Parser().feed(page)
    return found


def test_titles_and_summaries():
    nb = chapter_one()
    assert chapter_title(nb, "x") == "01 · First"
    assert chapter_summary(nb) == "A magnitude $\\log(1 + |z|)$."
    assert chapter_title(v4.new_notebook(), "fallback") == "fallback"


def test_book_pages_link_each_other_search_and_load_nothing_from_the_network(tmp_path):
    movies = tmp_path / "movies"
    movies.mkdir()
    (movies / "a.mp4").write_bytes(b"not really a movie")
    report = build_site(write_chapters(tmp_path), tmp_path / "site", title="Phase book", movies=movies)
    site = tmp_path / "site"
    assert report.index == site / "index.html"
    assert [p.name for p in report.pages] == ["01_first.html", "02_second.html"]
    assert report.widgets_replaced == 2
    assert report.movies == [site / "movies" / "a.mp4"] and (site / "movies" / "a.mp4").read_bytes() == movies.joinpath(
        "a.mp4").read_bytes()
    assert report.warnings == []
    index = report.index.read_text()
    assert {"01_first.html", "02_second.html", "movies.html"} <= anchors(index)  # the list and the sidebar
    assert "01 · First" in index and "Phase book" in index
    first, second = (p.read_text() for p in report.pages)
    assert "02_second.html" in anchors(first) and "01_first.html" in anchors(second)  # [text](NN.ipynb) resolved
    assert "index.html" in anchors(second)
    assert WIDGET_VIEW not in first and "Interactive controls" in first and "VBox(children" not in first
    picture = re.search(r'<img[^>]+src="(_images/[^"]+\.png)"', first)  # the widget's static picture
    assert picture and (site / picture[1]).read_bytes()[:4] == b"\x89PNG"
    assert 'class="bd-sidebar-primary' in first and 'class="bd-sidebar-secondary' in first  # navigation, contents
    assert re.search(r'<form class="bd-search[^>]*action="search.html"', first) and (site / "search.html").is_file()
    assert "first" in (site / "searchindex.js").read_text().lower()
    assert '<video controls loop muted playsinline width="640" src="movies/a.mp4">' in (site / "movies.html").read_text()
    for page in (index, first, second):
        assert not re.search(r"<(script|link|img)[^>]+(src|href)=\"(https?:)?//", page)  # no CDN
    for page in (index, first):  # the pages with formulas (Sphinx loads MathJax only where there is math)
        assert 'src="_static/mathjax/MathJax.js' in page
    assert (site / "_static" / "mathjax" / "MathJax.js").is_file()
    assert (site / "_static" / "mathjax" / "config" / "TeX-AMS-MML_HTMLorMML-full.js").is_file()


def test_rebuild_replaces_the_site_and_failure_leaves_the_old_one(tmp_path):
    paths = write_chapters(tmp_path)
    out = tmp_path / "site"
    build_site(paths, out)
    (out / "stale.html").write_text("old")
    build_site(paths[:1], out)
    assert not (out / "stale.html").exists() and not (out / "02_second.html").exists()
    assert (out / "01_first.html").is_file()
    before = sorted(p.name for p in out.iterdir())
    (tmp_path / "broken.ipynb").write_text("{ not json")
    with pytest.raises(Exception):
        build_site([paths[0], tmp_path / "broken.ipynb"], out)
    assert sorted(p.name for p in out.iterdir()) == before
    assert not part_path(tmp_path / "site").exists()


@pytest.mark.parametrize("sources, message", [([], "no notebooks"), (["missing.ipynb"], "no such notebook")])
def test_build_site_rejects_bad_input(tmp_path, sources, message):
    with pytest.raises(ValueError, match=message):
        build_site([tmp_path / s for s in sources], tmp_path / "site")
    assert not (tmp_path / "site").exists()


def test_build_site_rejects_a_missing_movie_folder_and_a_file_as_out(tmp_path):
    paths = write_chapters(tmp_path)
    with pytest.raises(ValueError, match="no such folder of movies"):
        build_site(paths, tmp_path / "site", movies=tmp_path / "nowhere")
    (tmp_path / "site").write_text("not a folder")
    with pytest.raises(ValueError, match="this is a file"):
        build_site(paths, tmp_path / "site")
    assert (tmp_path / "site").read_text() == "not a folder"


# ---------------------------------------------------------------- in a real browser

needs_chromium = skip_without_chromium("the book's browser test")

CHECK_PAGE = """(() => {
  const media = [...document.querySelectorAll('audio, video')];
  const images = [...document.querySelectorAll('article img')];
  const outputs = [...document.querySelectorAll('.cell_output > .output')];
  const math = [...document.querySelectorAll('script[type^="math/tex"]')];
  return {
    media: media.map(m => ({tag: m.tagName.toLowerCase(), readyState: m.readyState, duration: m.duration,
                            error: m.error ? m.error.code : null})),
    images: images.map(i => ({complete: i.complete, width: i.naturalWidth})),
    outputs: outputs.length,
    // an output with nothing to see (a widget view without its kernel, an empty box)
    emptyOutputs: outputs.filter(o => !o.innerText.trim() && !o.querySelector('img, audio, video, svg, canvas'))
                         .map(o => o.className),
    widgetViews: document.querySelectorAll('[data-mime-type*="widget-view"], script[type*="widget"]').length,
    formulas: document.querySelectorAll('article .math.notranslate').length,  // Sphinx's, not MathJax's inner .math
    typeset: math.length,
    rendered: math.filter(s => s.previousElementSibling && /MathJax/.test(s.previousElementSibling.className)
                               && s.previousElementSibling.getBoundingClientRect().width > 0).length,
    mathErrors: document.querySelectorAll('.MathJax_Error, merror').length,
    rawTex: (document.querySelector('article').innerText.match(/\\\\[(\\[][^\\n]{0,40}/g) || []).slice(0, 3),
    sidebar: [...document.querySelectorAll('.bd-sidebar-primary a.reference.internal')].map(a => a.getAttribute('href')),
    contents: document.querySelectorAll('.bd-sidebar-secondary .toc-entry').length,
    links: [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'))
             .filter(h => !h.startsWith('#') && !/^[a-z]+:/.test(h)),
  };
})()"""

MEDIA_READY = ("[...document.querySelectorAll('audio, video')].every(m => m.readyState >= 1 || m.error)"
               " && [...document.querySelectorAll('img')].every(i => i.complete)")
MATH_DONE = ("!document.querySelector('article .math.notranslate') || (window.MathJax && MathJax.Hub && MathJax.isReady"
             " && MathJax.Hub.queue.pending === 0 && MathJax.Hub.queue.running === 0)")


def check_book_in_chromium(index: Path, shot_prefix: str, search: str = "group delay") -> dict:
    """Open the home page and every page its sidebar links to; search for ``search`` from the home page.

    Asserts on each page: audio and video load (known, finite duration), images show, every
    formula is typeset by MathJax with no error and no raw TeX left, no empty output, no live
    widget view, every local link has its file. Saves a screenshot of each page and of the
    search results. Returns counts of what was checked and the pages the search found.
    """
    counts = {"pages": 0, "audio": 0, "video": 0, "images": 0, "formulas": 0, "outputs": 0}
    with Browser() as browser:
        browser.open(index.resolve().as_uri())
        found = browser.evaluate(CHECK_PAGE)
        pages = [index] + [index.parent / href.split("#")[0] for href in found["sidebar"] if not href.startswith("#")]
        assert len(pages) > 1, found["sidebar"]
        for page in dict.fromkeys(p.resolve() for p in pages):
            browser.open(page.as_uri())
            browser.wait_for(MATH_DONE, timeout=60)
            browser.wait_for(MEDIA_READY, timeout=60)
            found = browser.evaluate(CHECK_PAGE)
            name = page.name
            for item in found["media"]:
                assert item["error"] is None and item["readyState"] >= 1, (name, item)
                assert 0 < item["duration"] < 1e6, (name, item)  # finite, known: the metadata loaded
                counts[item["tag"]] += 1
            assert all(i["complete"] and i["width"] > 0 for i in found["images"]), (name, found["images"])
            assert found["emptyOutputs"] == [] and found["widgetViews"] == 0, (name, found["emptyOutputs"])
            assert found["typeset"] == found["formulas"] == found["rendered"], (name, found)
            assert found["mathErrors"] == 0 and found["rawTex"] == [], (name, found)
            if page != index.resolve():
                assert found["contents"] > 0, name  # the per-page contents
            for href in found["links"]:
                assert (page.parent / href.split("#")[0].split("?")[0]).exists(), (name, href)
            counts["images"] += len(found["images"])
            counts["formulas"] += found["formulas"]
            counts["outputs"] += found["outputs"]
            counts["pages"] += 1
            browser.screenshot(f"{shot_prefix}_{page.stem}.png")
        # search as a reader would: on the home page, click Search, type the words and press Enter
        from selenium.webdriver.common.by import By
        from selenium.webdriver.common.keys import Keys

        browser.open(index.resolve().as_uri())
        for button in browser.driver.find_elements(By.CSS_SELECTOR, "button.search-button__button"):
            if button.is_displayed():
                button.click()  # the theme's search field opens in a dialog
                break
        deadline = time.monotonic() + 10
        while not (boxes := [b for b in browser.driver.find_elements(By.CSS_SELECTOR, "form.bd-search input[name=q]")
                             if b.is_displayed()]):
            assert time.monotonic() < deadline, "no search box on the home page"
            time.sleep(0.2)
        boxes[0].send_keys(search, Keys.ENTER)
        browser.wait_for("location.pathname.endsWith('search.html')")
        browser.wait_for("/Search finished/.test(document.querySelector('#search-results')?.innerText)", timeout=60)
        counts["search"] = browser.evaluate(
            "[...document.querySelectorAll('#search-results ul.search li a')].map(a => a.getAttribute('href'))")
        browser.screenshot(f"{shot_prefix}_search.png")
    return counts


def run_quick(nb: nbformat.NotebookNode, folder: Path) -> nbformat.NotebookNode:
    """Execute a chapter (in the mode the environment asks for), as `make notebooks` does, widget state stored."""
    from nbclient import NotebookClient

    NotebookClient(nb, timeout=600, kernel_name="python3", store_widget_state=True,
                   resources={"metadata": {"path": str(folder)}}).execute()
    return nb


@needs_chromium
def test_book_of_quick_chapters_in_chromium(tmp_path, monkeypatch):
    """Chapters 02 and 03 executed in quick mode and chapter 05 as written, published and read in Chromium.

    Chapter 05 (minutes to execute even in quick mode) comes unexecuted: it carries the words
    the search must find; the pictures, sounds, movies, widgets and formulas come from 02 and 03.
    """
    monkeypatch.setenv("PHASELAB_QUICK", "1")
    monkeypatch.delenv("MPLBACKEND", raising=False)  # the chapters' figures come from the inline backend
    started = time.monotonic()
    chapters = tmp_path / "chapters"
    chapters.mkdir()
    for name in ("02_phase_kernel_design", "03_phased_spectrogram_movies"):
        nb = run_quick(nbformat.read(REPO / "notebooks" / f"{name}.ipynb", as_version=4), REPO / "notebooks")
        nbformat.write(nb, chapters / f"{name}.ipynb")
    shutil.copy(REPO / "notebooks" / "05_phase_encodings_compared.ipynb", chapters)
    executed = time.monotonic()
    report = build_site(sorted(chapters.glob("*.ipynb")), tmp_path / "site")
    built = time.monotonic()
    assert report.widgets_replaced == 2  # the kernel designer's controls, the slice browser
    counts = check_book_in_chromium(report.index, "book_quick")
    assert counts["pages"] == 4 and counts["audio"] > 0 and counts["video"] > 0
    assert counts["images"] > 0 and counts["formulas"] > 0 and counts["outputs"] > 0
    assert "05_phase_encodings_compared.html" in counts["search"], counts["search"]
    times = {"execute_s": round(executed - started, 1), "build_s": round(built - executed, 1),
             "browser_s": round(time.monotonic() - built, 1)}
    print(json.dumps({**counts, **times}))


BUILT_SITE = Path(os.environ.get("PHASELAB_SITE", REPO / "build" / "site"))


@needs_chromium
@pytest.mark.skipif(not (BUILT_SITE / "index.html").is_file(),
                    reason=f"no built site at {BUILT_SITE} (make site, or set PHASELAB_SITE)")
def test_built_book_in_chromium():
    """The book ``make site`` built from the executed chapters, every page checked in Chromium."""
    counts = check_book_in_chromium(BUILT_SITE / "index.html", "book")
    assert counts["pages"] >= 7 and counts["audio"] > 0 and counts["video"] > 0 and counts["images"] > 0
    assert any(href.startswith("05_") for href in counts["search"]), counts["search"]
    print(json.dumps(counts))
