"""How `make test` finds its browser, skips the browser checks without one, and fails under CI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.browser.chromium import (COMMANDS, INSTALL_HINT, MACOS_BUNDLES, browser_required,
                                    find_browser, skip_notice)
from tests.conftest import ROOT


def _executable(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n")
    path.chmod(0o755)
    return path


def _which(found: dict[str, Path]):
    return lambda command: str(found[command]) if command in found else None


def test_chromium_variable_wins_over_the_path(tmp_path):
    mine = _executable(tmp_path / "my-chrome")
    other = _executable(tmp_path / "bin" / "chromium")
    assert find_browser({"CHROMIUM": str(mine)}, _which({"chromium": other}), ()) == mine


def test_a_chromium_variable_naming_no_executable_is_refused_with_its_value(tmp_path):
    missing = tmp_path / "nowhere" / "chrome"
    with pytest.raises(OSError, match=r"`CHROMIUM` must name .* Received: CHROMIUM='.*nowhere/chrome'"):
        find_browser({"CHROMIUM": str(missing)}, _which({}), ())
    plain = tmp_path / "not-executable"
    plain.write_text("")
    with pytest.raises(OSError, match="not an executable file"):
        find_browser({"CHROMIUM": str(plain)}, _which({}), ())


@pytest.mark.parametrize("command", COMMANDS)
def test_each_usual_command_on_the_path_is_found(tmp_path, command):
    binary = _executable(tmp_path / command)
    assert find_browser({}, _which({command: binary}), ()) == binary


def test_debians_chromium_comes_before_googles_chrome(tmp_path):
    found = {"chromium": tmp_path / "chromium", "google-chrome": tmp_path / "google-chrome"}
    assert find_browser({}, _which(found), ()) == found["chromium"]


def test_a_macos_application_bundle_is_found_when_the_path_has_none(tmp_path):
    bundle = _executable(tmp_path / "Google Chrome.app" / "Contents" / "MacOS" / "Google Chrome")
    missing = tmp_path / "Chromium.app" / "Contents" / "MacOS" / "Chromium"
    assert find_browser({}, _which({}), (str(missing), str(bundle))) == bundle


def test_no_browser_anywhere_is_none(tmp_path):
    assert find_browser({}, _which({}), (str(tmp_path / "absent"),)) is None


@pytest.mark.parametrize("value, required", [("true", True), ("TRUE", True), ("1", True),
                                             ("false", False), ("", False), (None, False)])
def test_only_ci_requires_the_browser(value, required):
    environ = {} if value is None else {"CI": value}
    assert browser_required(environ) is required


def _run_lookup(tmp_path, *arguments, **environ):
    """The lookup script as `make test` runs it, on a PATH without any browser."""
    path = tmp_path / "empty-bin"
    path.mkdir(exist_ok=True)
    return subprocess.run(
        [sys.executable, str(ROOT / "tests" / "browser" / "chromium.py"), *arguments],
        env={"PATH": str(path), "HOME": str(tmp_path), **environ}, cwd=ROOT,
        capture_output=True, text=True,
    )


def _skip_on_a_mac_with_a_browser():
    if any(Path(bundle).is_file() for bundle in MACOS_BUNDLES):
        pytest.skip("this Mac has a browser in /Applications, which no PATH hides")


def test_make_tests_last_line_says_the_checks_were_skipped_and_how_to_run_them(tmp_path):
    _skip_on_a_mac_with_a_browser()
    notice = _run_lookup(tmp_path, "--skip-notice")
    assert notice.returncode == 0 and notice.stdout.strip() == skip_notice()
    assert "make browser-check" in INSTALL_HINT and "CHROMIUM" in INSTALL_HINT
    assert _run_lookup(tmp_path).returncode == 1
    browser = _executable(tmp_path / "chrome")
    found = _run_lookup(tmp_path, "--skip-notice", CHROMIUM=str(browser))
    assert found.returncode == 0 and found.stdout == ""


def test_without_a_browser_the_browser_test_skips_and_under_ci_fails(tmp_path):
    """The browser test itself, on a PATH without a browser: skipped, or failed with CI=true."""
    _skip_on_a_mac_with_a_browser()
    test = "tests/browser/test_rendered_book.py::test_the_gate_equations_are_typeset"
    environ = {**os.environ, "PATH": f"{tmp_path}{os.pathsep}{Path(sys.executable).parent}",
               "COURSE_BOOK_HTML": str(tmp_path / "html")}
    environ.pop("CHROMIUM", None)
    (tmp_path / "html" / "book").mkdir(parents=True)
    (tmp_path / "html" / "book" / "intro.html").write_text("<html></html>")  # a toy book
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rs", test]
    skipped = subprocess.run(command, env={**environ, "CI": "false"}, cwd=ROOT,
                             capture_output=True, text=True)
    assert skipped.returncode == 0, skipped.stdout
    assert "1 skipped" in skipped.stdout and "No Chromium or Chrome found" in skipped.stdout
    failed = subprocess.run(command, env={**environ, "CI": "true"}, cwd=ROOT,
                            capture_output=True, text=True)
    assert failed.returncode == 1, failed.stdout
    assert "CI=true requires the browser checks" in failed.stdout
