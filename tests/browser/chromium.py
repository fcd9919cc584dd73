"""Where the browser test finds its Chromium or Chrome, and what happens when there is none.

A newcomer's machine often has no browser that Playwright can drive offline (its own download
needs the network), so `make test` skips the browser checks there and says how to include them;
CI (``CI=true``) must run them, so there a missing browser fails.

``python tests/browser/chromium.py`` prints the browser found, or the reason there is none, and
exits 1 when the browser checks cannot run. With ``--skip-notice`` it prints only the line that
ends `make test` where they were skipped, and exits 0.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

# Looked up on the PATH, in this order: Debian's, other distributions', Google's builds.
COMMANDS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# The application bundles of macOS, which put nothing on the PATH.
MACOS_BUNDLES = (
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
)
INSTALL_HINT = (
    "install Chromium (Debian/Ubuntu: `sudo apt-get install chromium`) or set CHROMIUM to a "
    "Chromium or Chrome binary, then run `make browser-check`"
)


def find_browser(environ=os.environ, which=shutil.which, bundles=MACOS_BUNDLES) -> Path | None:
    """The browser the test drives: ``CHROMIUM`` when set, else the first of ``COMMANDS`` on the
    PATH, else a macOS application bundle; ``None`` when there is none.

    A ``CHROMIUM`` that names no executable file is a mistake to report, not a reason to look
    elsewhere: ``OSError``.
    """
    chosen = environ.get("CHROMIUM")
    if chosen:
        path = Path(chosen).expanduser()
        if not (path.is_file() and os.access(path, os.X_OK)):
            raise OSError(
                "`CHROMIUM` must name a Chromium or Chrome executable. "
                f"Received: CHROMIUM={chosen!r}, which is not an executable file."
            )
        return path
    for command in COMMANDS:
        found = which(command)
        if found:
            return Path(found)
    for bundle in map(Path, bundles):
        if bundle.is_file():
            return bundle
    return None


def browser_required(environ=os.environ) -> bool:
    """Whether a missing browser fails the run: under CI (``CI`` set to ``true`` or ``1``, as
    GitHub Actions, GitLab CI and most others set it)."""
    return environ.get("CI", "").strip().lower() in ("true", "1")


def skip_notice() -> str:
    """The one line `make test` ends with when the browser checks were skipped."""
    return f"make test: the browser checks were skipped (no Chromium or Chrome found); {INSTALL_HINT}."


def main(arguments: list[str]) -> int:
    notice_only = arguments == ["--skip-notice"]
    if arguments and not notice_only:
        raise SystemExit(f"usage: chromium.py [--skip-notice]. Received: {' '.join(arguments)}")
    try:
        browser = find_browser()
    except OSError as error:  # the browser test reports it
        print(error)
        return 0 if notice_only else 1
    if browser is None:
        print(skip_notice())
        return 0 if notice_only else 1
    if not notice_only:
        print(browser)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
