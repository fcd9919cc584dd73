"""``course-lib``: run the book's chapters under a profile from the command line."""

from __future__ import annotations

import argparse
import json
import os
import sys

from course_lib import __version__
from course_lib.runner import (ChapterFailed, chapters_without, find_root, list_chapters,
                               load_profiles, plan_run, run_book)


def _parse_parameter(text: str) -> tuple[str, object]:
    name, sep, raw = text.partition("=")
    if not sep or not name:
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got {text!r}")
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        value = raw  # a bare string such as source=keras
    return name, value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="course-lib", description=__doc__)
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="execute chapters into _build/runs/<profile>/")
    run.add_argument("--profile", default="quick", help="profile from book/profiles.yml (default: quick)")
    run.add_argument("--chapter", action="append", dest="chapters", metavar="NAME",
                     help="run only this chapter (repeatable); default: all chapters")
    run.add_argument("-p", "--parameter", action="append", type=_parse_parameter, default=[],
                     metavar="NAME=VALUE", help="override a chapter parameter (repeatable)")
    run.add_argument("--run-dir", help="output folder (default: _build/runs/<profile>)")
    run.add_argument("--refresh", action="store_true",
                     help="also write the executed notebooks back into book/ (committed outputs)")
    run.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1),
                     help="chapters executed at once (default: 2, or 1 on a single core)")
    run.add_argument("--force", action="store_true",
                     help="execute every chapter, even those whose inputs have not changed")
    run.add_argument("--cell-timeout", type=int, default=None, metavar="SECONDS",
                     help="fail a cell that runs longer (default: 900 for quick, none for full)")
    commands.add_parser("list", help="list chapters and profiles")
    args = parser.parse_args(argv)

    try:
        root = find_root()
    except OSError as exc:
        print(f"course-lib: error: {exc}", file=sys.stderr)
        return 2
    if args.command == "list":
        print("chapters:", " ".join(list_chapters(root)))
        print("profiles:", " ".join(sorted(load_profiles(root))))
        return 0
    overrides = dict(args.parameter)
    try:
        plan = plan_run(root, args.profile, args.chapters, overrides)
        for key, names in chapters_without(plan, overrides).items():
            if names:
                print(f"course-lib: -p {key}=... does not apply to {', '.join(names)} "
                      "(no such parameter there)", file=sys.stderr)
        report = run_book(root, profile=args.profile, chapters=args.chapters,
                          overrides=overrides, run_dir=args.run_dir, refresh=args.refresh,
                          force=args.force, jobs=args.jobs, cell_timeout=args.cell_timeout)
    except (ValueError, OSError) as exc:
        print(f"course-lib: error: {exc}", file=sys.stderr)
        return 2
    except ChapterFailed as exc:
        print(f"course-lib: {exc}", file=sys.stderr)
        return 1
    for name, seconds in report.seconds.items():
        print(f"{name:<28} {seconds:7.1f} s")
    if report.reused:
        print(f"reused, inputs unchanged ({len(report.reused)}): {' '.join(report.reused)}")
    print(f"{'executed':<28} {sum(report.seconds.values()):7.1f} s   -> {report.run_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
