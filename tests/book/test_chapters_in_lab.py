"""Chapters 02 and 03 where the learner runs them: JupyterLab in headless Chromium.

One JupyterLab server (``jupyter lab --no-browser`` on 127.0.0.1 with a token) serves copies of
the two chapters, in quick mode. For each chapter the test runs all cells (the command behind
Run > Run All Cells), moves the chapter's widget with the keyboard (the kernel designer's
``n_phases`` slider in 02, the slice browser's slider in 03) and checks that the picture changed,
saves, shuts the kernel down, loads the page again and checks that a picture is still shown.
Screenshots of each step go to ``build/screenshots/`` (their paths are printed at the end of the
test session).
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from chromium import Browser, skip_without_chromium

REPO = Path(__file__).resolve().parents[2]
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"

pytestmark = skip_without_chromium("the JupyterLab test")


@pytest.fixture(scope="module")
def lab(tmp_path_factory) -> Iterator[dict]:
    """A JupyterLab server on copies of chapters 02 and 03; yields its root folder, base URL and token."""
    tmp = tmp_path_factory.mktemp("lab")
    root = tmp / "notebooks"
    root.mkdir()
    for name in ("02_phase_kernel_design.ipynb", "03_phased_spectrogram_movies.ipynb"):
        shutil.copy(REPO / "notebooks" / name, root)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    token = secrets.token_hex(16)
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}  # the chapters draw with the inline backend
    env.update(PHASELAB_QUICK="1", TF_CPP_MIN_LOG_LEVEL="2", JUPYTER_CONFIG_DIR=str(tmp / "config"),
               JUPYTER_RUNTIME_DIR=str(tmp / "runtime"), JUPYTERLAB_SETTINGS_DIR=str(tmp / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(tmp / "workspaces"), IPYTHONDIR=str(tmp / "ipython"))
    # no "official Jupyter news?" prompt over the screenshots
    (tmp / "config" / "labconfig").mkdir(parents=True)
    (tmp / "config" / "labconfig" / "page_config.json").write_text(
        '{"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": true}}')
    log = (tmp / "lab.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", "--ip=127.0.0.1", f"--port={port}",
         "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
         "--LabApp.expose_app_in_browser=True"], env=env, stdout=log, stderr=subprocess.STDOUT, cwd=root)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=5)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("JupyterLab did not start:\n" + (tmp / "lab.log").read_text()[-3000:])
                time.sleep(0.5)
        yield {"root": root, "url": url, "token": token}
    finally:
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


NOTEBOOK = "jupyterapp.shell.currentWidget"
READY = (f"window.jupyterapp && {NOTEBOOK} && {NOTEBOOK}.content && {NOTEBOOK}.context && {NOTEBOOK}.context.isReady"
         f" && {NOTEBOOK}.sessionContext.session && {NOTEBOOK}.sessionContext.session.kernel"
         f" && {NOTEBOOK}.sessionContext.session.kernel.status === 'idle'")
CELLS = f"{NOTEBOOK}.content.widgets"
# a code cell whose outputs hold an error, not tagged raises-exception (an exercise blank is tagged)
ERRORS = (f"{CELLS}.filter(c => c.model.type === 'code' && !(c.model.getMetadata('tags') || [])"
          ".includes('raises-exception') && c.model.outputs.toJSON().some(o => o.output_type === 'error'))"
          ".map(c => c.model.outputs.toJSON().find(o => o.output_type === 'error').evalue)")
ALL_RUN = (f"{CELLS}.every(c => c.model.type !== 'code' || (c.model.executionCount !== null"
           f" && c.model.executionState !== 'running')) && {NOTEBOOK}.sessionContext.session.kernel.status === 'idle'")
WIDGET_CELL = (f"{CELLS}.findIndex(c => c.model.type === 'code' && c.model.outputs.toJSON()"
               f".some(o => o.data && o.data['{WIDGET_VIEW}']))")
# the largest picture in a cell's outputs, as 32 x 32 grey levels (null if none is shown)
PICTURE = f"""((index) => {{
  const images = [...{CELLS}[index].node.querySelectorAll('.jp-Cell-outputArea img')]
    .filter(i => i.complete && i.naturalWidth > 0 && i.getBoundingClientRect().width > 0);
  if (!images.length) return null;
  const img = images.reduce((a, b) => a.naturalWidth * a.naturalHeight >= b.naturalWidth * b.naturalHeight ? a : b);
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = 32;
  const context = canvas.getContext('2d');
  context.drawImage(img, 0, 0, 32, 32);
  const rgba = context.getImageData(0, 0, 32, 32).data;
  const grey = [];
  for (let i = 0; i < rgba.length; i += 4) grey.push((rgba[i] + rgba[i + 1] + rgba[i + 2]) / 3);
  return grey;
}})"""


def difference(a: list[float], b: list[float]) -> float:
    """Mean absolute difference of two grey-level fingerprints (0-255)."""
    return sum(abs(x - y) for x, y in zip(a, b)) / len(a)


def open_notebook(browser: Browser, lab: dict, name: str, timeout: float = 120) -> None:
    browser.open(f"{lab['url']}/lab/tree/{name}?token={lab['token']}")
    browser.wait_for(READY + f" && {NOTEBOOK}.context.path === '{name}'", timeout)


def show_cell(browser: Browser, index: int) -> None:
    browser.evaluate(f"{CELLS}[{index}].node.scrollIntoView({{block: 'start'}})")
    time.sleep(0.5)


def run_move_save_reopen(browser: Browser, lab: dict, name: str, shot: str) -> dict:
    """Run all cells, move the widget's first slider, save, reopen; the pictures seen at each step."""
    from selenium.webdriver.common.keys import Keys

    open_notebook(browser, lab, name)
    started = time.monotonic()
    browser.evaluate("jupyterapp.commands.execute('notebook:run-all-cells') && true")
    deadline = time.monotonic() + 300
    while not browser.evaluate(ALL_RUN):
        errors = browser.evaluate(ERRORS)
        assert not errors, f"{name}: a cell failed: {errors}"
        assert time.monotonic() < deadline, f"{name}: Run All did not finish in 300 s"
        time.sleep(1)
    assert browser.evaluate(ERRORS) == []
    ran = time.monotonic() - started
    cell = browser.evaluate(WIDGET_CELL)
    assert cell >= 0, f"{name}: no widget output"
    show_cell(browser, cell)
    before = browser.wait_for(f"{PICTURE}({cell})", 30)
    browser.screenshot(f"{shot}_1_run.png", full_page=False)
    handle = browser.evaluate(f"{CELLS}[{cell}].node.querySelector('.widget-slider .noUi-handle')")
    assert handle is not None, f"{name}: the widget has no slider"
    slider = browser.evaluate(f"{CELLS}[{cell}].node.querySelector('.widget-slider .widget-readout').innerText")
    handle.click()
    handle.send_keys(Keys.ARROW_RIGHT)
    moved = browser.evaluate(f"{CELLS}[{cell}].node.querySelector('.widget-slider .widget-readout').innerText")
    assert moved != slider, f"{name}: the slider did not move ({slider})"
    deadline = time.monotonic() + 60
    while difference(after := browser.evaluate(f"{PICTURE}({cell})") or before, before) < 0.5:
        assert time.monotonic() < deadline, f"{name}: the picture did not change when the slider moved to {moved}"
        time.sleep(0.5)
    browser.wait_for(f"{NOTEBOOK}.sessionContext.session.kernel.status === 'idle'", 60)
    time.sleep(1)
    after = browser.evaluate(f"{PICTURE}({cell})")  # the picture once the kernel is done redrawing
    browser.screenshot(f"{shot}_2_moved.png", full_page=False)
    browser.evaluate("jupyterapp.commands.execute('docmanager:save') && true")
    browser.wait_for(f"!{NOTEBOOK}.context.model.dirty", 60)
    saved = nbformat.read(lab["root"] / name, as_version=4)
    # reopen as a learner would another day: kernel shut down, page loaded again
    browser.evaluate(f"{NOTEBOOK}.sessionContext.shutdown().then(() => true)")
    open_notebook(browser, lab, name)
    time.sleep(2)  # the widget manager's attempt to restore the views
    show_cell(browser, cell)
    reopened = browser.evaluate(f"{PICTURE}({cell})")
    browser.screenshot(f"{shot}_3_reopened.png", full_page=False)
    text = browser.evaluate(f"[...{CELLS}[{cell}].node.querySelectorAll('.jp-OutputArea-output')]"
                            ".map(o => o.innerText.trim()).filter(Boolean).join(' / ')")
    return {"before": before, "after": after, "reopened": reopened, "slider": (slider, moved), "ran_s": ran,
            "saved": saved.cells[cell], "text": text}


def check_reopened(found: dict, name: str) -> None:
    if found["reopened"] is None:
        has_png = any(WIDGET_VIEW in o.get("data", {}) and "image/png" in o.get("data", {})
                      for o in found["saved"].get("outputs", []))
        reason = ("issue 27 item 3: the saved widget output puts the live widget view first, so JupyterLab shows "
                  f"'{found['text'][:80]}' instead of the picture saved beside it (PNG saved: {has_png})")
        pytest.xfail(reason)
    assert difference(found["reopened"], found["after"]) < difference(found["reopened"], found["before"]) or \
        difference(found["reopened"], found["after"]) < 0.5, f"{name}: the reopened picture is not the last one"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with Browser(1280, 1000) as chromium:
        yield chromium


def test_kernel_designer_in_jupyterlab(lab, browser):
    found = run_move_save_reopen(browser, lab, "02_phase_kernel_design.ipynb", "lab_02_kernel_designer")
    print(f"02: Run All {found['ran_s']:.0f} s; slider {found['slider']}")
    check_reopened(found, "02")


def test_slice_browser_in_jupyterlab(lab, browser):
    found = run_move_save_reopen(browser, lab, "03_phased_spectrogram_movies.ipynb", "lab_03_slice_browser")
    print(f"03: Run All {found['ran_s']:.0f} s; slider {found['slider']}")
    check_reopened(found, "03")
