"""``course-lib``: run the book's chapters under a profile from the command line."""

from __future__ import annotations

import argparse
import json
import os
import sys

from course_lib.runner import ChapterFailed, find_root, list_chapters, load_profiles, run_book


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
    commands.add_parser("list", help="list chapters and profiles")
    args = parser.parse_args(argv)

    if args.command == "list":
        root = find_root()
        print("chapters:", " ".join(list_chapters(root)))
        print("profiles:", " ".join(sorted(load_profiles(root))))
        return 0
    try:
        report = run_book(
            profile=args.profile, chapters=args.chapters, overrides=dict(args.parameter),
            run_dir=args.run_dir, refresh=args.refresh, jobs=args.jobs,
        )
    except (ValueError, OSError) as exc:
        print(f"course-lib: error: {exc}", file=sys.stderr)
        return 2
    except ChapterFailed as exc:
        print(f"course-lib: {exc}", file=sys.stderr)
        return 1
    total = sum(report.seconds.values())
    for name, seconds in report.seconds.items():
        print(f"{name:<28} {seconds:7.1f} s")
    print(f"{'total':<28} {total:7.1f} s   -> {report.run_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
