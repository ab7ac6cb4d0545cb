"""The browsable site: built from notebooks, checked as HTML and, where Chromium exists, in a real browser."""

from __future__ import annotations

import json
import os
import re
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
from chapter_notebooks import PNG, chapter_one, write_chapters
from chromium import Chromium, find_chromium

from phaselab.atomic import part_path
from phaselab.book.site import WIDGET_VIEW, build_site, chapter_summary, chapter_title

REPO = Path(__file__).resolve().parents[2]
v4 = nbformat.v4


def anchors(page: str) -> list[tuple[str, str]]:
    """The (href, rel) of every link of an HTML page."""
    found = []

    class Parser(HTMLParser):
        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "a" and "href" in attrs:
                found.append((attrs["href"], attrs.get("rel") or ""))

    Parser().feed(page)
    return found


def test_titles_and_summaries():
    nb = chapter_one()
    assert chapter_title(nb, "x") == "01 · First"
    assert chapter_summary(nb) == "A magnitude $\\log(1 + |z|)$."
    assert chapter_title(v4.new_notebook(), "fallback") == "fallback"


def test_site_pages_link_each_other_and_load_nothing_from_the_network(tmp_path):
    report = build_site(write_chapters(tmp_path), tmp_path / "site")
    assert report.index == tmp_path / "site" / "index.html"
    assert [p.name for p in report.pages] == ["01_first.html", "02_second.html"]
    assert report.widgets_replaced == 2
    index = report.index.read_text()
    assert {("01_first.html", ""), ("02_second.html", ""), ("01_first.html", "next")} <= set(anchors(index))
    assert "01 · First" in index
    first, second = (p.read_text() for p in report.pages)
    assert {("02_second.html#top", ""), ("02_second.html", "next"), ("index.html", "index")} <= set(anchors(first))
    assert {("01_first.html", ""), ("01_first.html", "prev")} <= set(anchors(second))
    assert not any(rel == "next" for _, rel in anchors(second))
    assert WIDGET_VIEW not in first and f"data:image/png;base64,{PNG}" in first  # the static picture
    assert "Interactive controls" in first and "VBox(children" not in first
    for page in (index, first, second):
        assert not re.search(r"<script[^>]+src=\"(https?:)?//", page)  # no CDN script (MathJax, require.js)
        assert 'src="_static/mathjax/MathJax.js' in page
    assert (tmp_path / "site" / "_static" / "mathjax" / "MathJax.js").is_file()
    assert (tmp_path / "site" / "_static" / "mathjax" / "fonts" / "HTML-CSS" / "STIX-Web").is_dir()


def test_rebuild_replaces_the_site_and_failure_leaves_the_old_one(tmp_path):
    paths = write_chapters(tmp_path)
    out = tmp_path / "site"
    build_site(paths, out)
    (out / "stale.html").write_text("old")
    build_site(paths[:1], out)
    assert sorted(p.name for p in out.iterdir()) == ["01_first.html", "_static", "index.html"]
    (tmp_path / "broken.ipynb").write_text("{ not json")
    with pytest.raises(Exception):
        build_site([paths[0], tmp_path / "broken.ipynb"], out)
    assert sorted(p.name for p in out.iterdir()) == ["01_first.html", "_static", "index.html"]
    assert not part_path(tmp_path / "site").exists()


@pytest.mark.parametrize("sources, message", [([], "no notebooks"), (["missing.ipynb"], "no such notebook")])
def test_build_site_rejects_bad_input(tmp_path, sources, message):
    with pytest.raises(ValueError, match=message):
        build_site([tmp_path / s for s in sources], tmp_path / "site")
    assert not (tmp_path / "site").exists()


def test_build_site_refuses_to_replace_a_file(tmp_path):
    paths = write_chapters(tmp_path)
    (tmp_path / "site").write_text("not a folder")
    with pytest.raises(ValueError, match="this is a file"):
        build_site(paths, tmp_path / "site")
    assert (tmp_path / "site").read_text() == "not a folder"


# ---------------------------------------------------------------- in a real browser

CHROMIUM = find_chromium()
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="no chromium on the PATH (Debian: apt-get install "
                                    "chromium); the site's browser test needs a headless Chromium")
SCREENSHOTS = Path(os.environ.get("PHASELAB_SCREENSHOTS", REPO / "build" / "test-screenshots"))

CHECK_PAGE = """(() => {
  const media = [...document.querySelectorAll('audio, video')];
  const images = [...document.querySelectorAll('img')];
  const outputs = [...document.querySelectorAll('.jp-OutputArea-output')];
  const math = [...document.querySelectorAll('script[type^="math/tex"]')];
  return {
    media: media.map(m => ({tag: m.tagName.toLowerCase(), readyState: m.readyState, duration: m.duration,
                            error: m.error ? m.error.code : null})),
    images: images.map(i => ({complete: i.complete, width: i.naturalWidth})),
    // an output with nothing to see (a widget view without its kernel); a printed empty line is not one
    emptyOutputs: outputs.filter(o => !o.classList.contains('jp-RenderedText') && !o.innerText.trim()
                                      && !o.querySelector('img, audio, video, svg, canvas')).length,
    widgetViews: document.querySelectorAll('[data-mime-type*="widget-view"], script[type*="widget"]').length,
    formulas: math.length,
    rendered: math.filter(s => s.previousElementSibling && /MathJax/.test(s.previousElementSibling.className)
                               && s.previousElementSibling.getBoundingClientRect().width > 0).length,
    mathErrors: document.querySelectorAll('.MathJax_Error, merror').length,
    rawTex: (document.body.innerText.match(/\\$[^$\\n]*\\\\[a-zA-Z]+[^$\\n]*\\$/g) || []).slice(0, 3),
    links: [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href')).filter(h => !h.startsWith('#')),
  };
})()"""

MEDIA_READY = ("[...document.querySelectorAll('audio, video')].every(m => m.readyState >= 1 || m.error)"
               " && [...document.querySelectorAll('img')].every(i => i.complete)")
MATH_DONE = "window.MathJax && MathJax.Hub && MathJax.Hub.queue.pending === 0 && MathJax.Hub.queue.running === 0"


def check_site_in_chromium(index: Path, screenshot: Path) -> dict:
    """Open the index and every page linked from it; assert media load, images show, math renders.

    Returns counts of what was checked.
    """
    counts = {"pages": 0, "audio": 0, "video": 0, "images": 0, "formulas": 0}
    with Chromium(CHROMIUM) as browser:
        pages, seen = [index], set()
        while pages:
            page = pages.pop(0)
            if page in seen:
                continue
            seen.add(page)
            browser.open(page.resolve().as_uri())
            browser.wait_for(MATH_DONE, timeout=60)
            browser.wait_for(MEDIA_READY, timeout=60)
            found = browser.evaluate(CHECK_PAGE)
            name = page.name
            for item in found["media"]:
                assert item["error"] is None and item["readyState"] >= 1, (name, item)
                assert 0 < item["duration"] < 1e6, (name, item)  # finite, known: the metadata loaded
                counts[item["tag"]] += 1
            assert all(i["complete"] and i["width"] > 0 for i in found["images"]), (name, found["images"])
            assert found["emptyOutputs"] == 0 and found["widgetViews"] == 0, (name, found["emptyOutputs"])
            assert found["rendered"] == found["formulas"] and found["mathErrors"] == 0, (name, found)
            assert found["rawTex"] == [], (name, found["rawTex"])
            counts["images"] += len(found["images"])
            counts["formulas"] += found["formulas"]
            counts["pages"] += 1
            if page == index:
                screenshot.parent.mkdir(parents=True, exist_ok=True)
                browser.screenshot(screenshot)
            for href in found["links"]:
                target = (page.parent / href.split("#")[0]).resolve()
                assert target.is_file(), (name, href)
                if target.suffix == ".html" and target.parent == index.parent.resolve():
                    pages.append(target)
    return counts


def run_notebook(nb: nbformat.NotebookNode, folder: Path) -> nbformat.NotebookNode:
    from nbclient import NotebookClient

    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    NotebookClient(nb, timeout=120, store_widget_state=True, resources={"metadata": {"path": str(folder)}}).execute()
    return nb


@needs_chromium
def test_small_site_in_chromium(tmp_path):
    """A chapter executed here with every kind of output the real chapters have, checked in Chromium."""
    first = v4.new_notebook(cells=[
        v4.new_markdown_cell("# 01 · Sounds and pictures\n\nThe magnitude $\\log(1 + |z|)$ and a kernel\n\n"
                             "$$K_k(u) = \\exp\\left(-\\frac{|u - u_k|^2}{2\\sigma^2}\\right)$$\n\n"
                             "Next: [the second chapter](02_second.ipynb)."),
        v4.new_code_cell("%matplotlib inline\nimport matplotlib.pyplot as plt\nimport numpy as np\n"
                         "from IPython.display import Audio, HTML, display\n"
                         "t = np.arange(8000) / 16000\ndisplay(Audio(np.sin(2 * np.pi * 440 * t), rate=16000))"),
        v4.new_code_cell("plt.plot(t[:200], np.sin(2 * np.pi * 440 * t[:200]));"),
        v4.new_code_cell("from phaselab.display.video import VideoWriter, video_html\n"
                         "with VideoWriter('movie.mp4', fps=5) as writer:\n    for i in range(5):\n"
                         "        writer.write(np.full((32, 48, 3), 40 * i, np.uint8))\n"
                         "display(HTML(video_html('movie.mp4')))"),
        v4.new_code_cell("from phaselab.display.widgets import SliceBrowser\n"
                         "SliceBrowser(np.random.default_rng(0).random((4, 8, 6)))"),
    ])
    run_notebook(first, tmp_path)
    assert any(WIDGET_VIEW in o.get("data", {}) for o in first.cells[-1].outputs)  # a live widget was stored
    nbformat.write(first, tmp_path / "01_sounds.ipynb")
    second = v4.new_notebook(cells=[v4.new_markdown_cell("# 02 · Second\n\nBack to [the first](01_sounds.ipynb).")])
    nbformat.write(second, tmp_path / "02_second.ipynb")
    report = build_site([tmp_path / "01_sounds.ipynb", tmp_path / "02_second.ipynb"], tmp_path / "site")
    assert report.widgets_replaced == 1
    screenshot = SCREENSHOTS / "small_site_index.png"
    counts = check_site_in_chromium(report.index, screenshot)
    # the contents page quotes the chapter's first paragraph, so it shows one of the three formulas;
    # the two images are the plot and the slice browser's static picture
    assert counts == {"pages": 3, "audio": 1, "video": 1, "images": 2, "formulas": 3}
    assert screenshot.stat().st_size > 1000
    (SCREENSHOTS / "small_site.json").write_text(json.dumps({"screenshot": str(screenshot), **counts}, indent=1))


BUILT_SITE = Path(os.environ.get("PHASELAB_SITE", REPO / "build" / "site"))


@needs_chromium
@pytest.mark.skipif(not (BUILT_SITE / "index.html").is_file(),
                    reason=f"no built site at {BUILT_SITE} (make site, or set PHASELAB_SITE)")
def test_built_site_in_chromium():
    """The site ``make site`` built from the executed chapters, every page checked in Chromium."""
    screenshot = SCREENSHOTS / "site_index.png"
    counts = check_site_in_chromium(BUILT_SITE / "index.html", screenshot)
    assert counts["pages"] >= 2 and counts["audio"] > 0 and counts["images"] > 0
    (SCREENSHOTS / "site.json").write_text(json.dumps({"screenshot": str(screenshot), **counts}, indent=1))
