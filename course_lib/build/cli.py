"""``course-lib``: run the book's chapters under a profile from the command line."""

from __future__ import annotations

import argparse
import json
import os
import sys

from pathlib import Path

from course_lib import __version__, run_folder
from course_lib.build.planner import (chapters_without, find_root, list_chapters, load_profiles,
                                      plan_run)
from course_lib.build.runner import ChapterFailed, run_book
from course_lib.lessons import KERNEL_PATHS, kernel_path, table
from course_lib.run_folder import RunFolder


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
    check = commands.add_parser(
        "lessons", help="run the quick book for several seeds on both kernel paths and print "
        "whether each of the lecture's lessons held in every run (exit 1 if one did not)")
    check.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], metavar="SEED",
                       help="seeds to run (default: 0 1 2)")
    check.add_argument("--kernel-paths", nargs="+", default=list(KERNEL_PATHS),
                       choices=list(KERNEL_PATHS), metavar="PATH",
                       help=f"TensorFlow kernel paths (default: {' '.join(KERNEL_PATHS)})")
    check.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1),
                       help="chapters executed at once (default: 2, or 1 on a single core)")
    commands.add_parser("list", help="list chapters and profiles")
    fetch = commands.add_parser(
        "fetch", help="download, once, every real dataset file a profile reads, verify each, "
        "and list what is present and where (offline: what is missing and where to put it)")
    fetch.add_argument("--profile", default="full", help="profile (default: full)")
    fetch.add_argument("--data-home", help="folder for the files (default: $COURSE_LIB_DATA "
                       "or ~/.keras/datasets)")
    rehearse = commands.add_parser(
        "rehearse", help="execute the chapters with the full profile on stand-ins of the "
        "real datasets (IMDB and Jena at full size), offline, training one short epoch; "
        "report time and memory")
    rehearse.add_argument("--chapter", action="append", dest="chapters", metavar="NAME",
                          help="rehearse only this chapter (repeatable); default: all")
    rehearse.add_argument("--jobs", type=int, default=1,
                          help="chapters executed at once (default: 1, so that each peak "
                          "memory is the chapter's own)")
    estimate = commands.add_parser(
        "estimate", help="project how long a profile trains, chapter by chapter, from a few "
        "timed steps of every fit at the profile's shapes (on stand-ins, offline, minutes)")
    estimate.add_argument("--profile", default="full", help="profile (default and only: full)")
    estimate.add_argument("--chapter", action="append", dest="chapters", metavar="NAME",
                          help="estimate only this chapter (repeatable); default: all")
    estimate.add_argument("-p", "--parameter", action="append", type=_parse_parameter,
                          default=[], metavar="NAME=VALUE",
                          help="override a chapter parameter (repeatable), e.g. epochs=2")
    estimate.add_argument("--uncapped", action="store_true",
                          help="run every fit in full and compare its time with the "
                          "projection (to check the estimate; slow)")
    estimate.add_argument("--reuse", action="store_true",
                          help="print the last projection of the whole profile made on this "
                          "machine, if there is one, instead of measuring again")
    kernel = commands.add_parser(
        "kernel-path", help="print the environment of a TensorFlow kernel path as NAME=VALUE "
        "pairs (the Makefile's nbval runs on onednn-off: `env $(course-lib kernel-path "
        "onednn-off) ...`)")
    kernel.add_argument("name", choices=list(KERNEL_PATHS), help="the kernel path")
    commands.add_parser(
        "lab", help="write the chapters into _build/lab/ with the numbers of the committed run "
        "in their text (JupyterLab cannot render glued text), for `make lab`")
    for command in (run, check, rehearse, estimate):
        command.add_argument(
            "--backend", choices=run_folder.BACKENDS, default=None,
            help="Keras backend of the chapters' kernels (default: $KERAS_BACKEND, else "
            "tensorflow, the committed outputs'); runs land in _build/runs/<name>-<backend>")
    args = parser.parse_args(argv)
    if getattr(args, "backend", None):
        os.environ["KERAS_BACKEND"] = args.backend  # what every kernel started from here reads

    if args.command == "kernel-path":
        print(" ".join(f"{name}={value}" for name, value in KERNEL_PATHS[args.name].items()))
        return 0
    try:
        root = find_root()
    except OSError as exc:
        print(f"course-lib: error: {exc}", file=sys.stderr)
        return 2
    if args.command == "list":
        print("chapters:", " ".join(list_chapters(root)))
        print("profiles:", " ".join(sorted(load_profiles(root))))
        return 0
    if args.command == "lessons":
        return _lessons(root, args.seeds, args.kernel_paths, args.jobs)
    if args.command == "fetch":
        return _fetch(root, args.profile, args.data_home)
    if args.command == "rehearse":
        return _rehearse(root, args.chapters, args.jobs)
    if args.command == "estimate":
        return _estimate(root, args.profile, args.chapters, dict(args.parameter),
                         args.uncapped, args.reuse)
    if args.command == "lab":
        from course_lib.build.lab import prepare_lab

        try:
            moved = prepare_lab(root / run_folder.BOOK, root / run_folder.BUILD / "lab")
        except (ValueError, OSError) as exc:
            print(f"course-lib: error: {exc}", file=sys.stderr)
            return 2
        for line in moved:
            print(f"course-lib: {line}", file=sys.stderr)
        print(root / run_folder.BUILD / "lab")
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


def _fetch(root: Path, profile: str, data_home: str | None) -> int:
    from course_lib.datasets.catalog import fetch_all, files_for, status_table

    try:
        statuses = fetch_all(files_for(plan_run(root, profile)), data_home=data_home)
    except (ValueError, OSError) as exc:
        print(f"course-lib: error: {exc}", file=sys.stderr)
        return 2
    if not statuses:
        print(f"The {profile} profile reads no downloaded file: it runs offline as it is.")
        return 0
    print(status_table(statuses))
    return 1 if any(item.state == "missing" for item in statuses) else 0


def _estimate(root: Path, profile: str, chapters: list[str] | None,
              overrides: dict, uncapped: bool, reuse: bool = False) -> int:
    from course_lib.build.estimate import STEPS, estimate, last_projection

    if reuse and (chapters or overrides or uncapped):
        print("course-lib: error: --reuse prints the whole profile's last projection; it takes "
              "no --chapter, -p or --uncapped", file=sys.stderr)
        return 2
    last = last_projection(root) if reuse else None
    if last is not None and last["profile"] == profile and last["current"]:
        print(f"The {profile} profile's training time on this machine, as projected on "
              f"{last['made']} (`course-lib estimate --profile {profile}` measures again):")
        print(last["table"])
        print(f"Total: {last['total_seconds'] / 60:.0f} min "
              f"({last['total_seconds'] / 3600:.1f} h).")
        return 0
    if reuse:
        why = ("the chapters or course_lib changed since the last projection" if last
               else "no projection of the whole profile was made on this machine")
        print(f"course-lib: {why}: projecting the {profile} profile's training time "
              "(a few minutes)", file=sys.stderr)
    try:
        result = estimate(root, profile, chapters, overrides=overrides, uncapped=uncapped)
    except (ValueError, OSError) as exc:
        print(f"course-lib: error: {exc}", file=sys.stderr)
        return 2
    print(result.table())
    if not uncapped:
        print(f"\nProjected from {STEPS} timed training and validation batches per epoch of "
              "every fit, at the profile's shapes, on stand-ins of the real files (medians "
              "after the first epoch), plus each chapter's time outside fit; downloads and "
              "the book's rendering are not included. This machine, two chapters never at "
              f"once. Total: {result.total_seconds / 60:.0f} min "
              f"({result.total_seconds / 3600:.1f} h).")
    print(f"report: {RunFolder(result.run_dir).estimate_report}")
    failed = [chapter for chapter in result.chapters if chapter.errors]
    for chapter in failed:
        print(f"course-lib: {chapter.chapter} did not run through: {chapter.errors[0]}",
              file=sys.stderr)
    return 1 if failed else 0


def _rehearse(root: Path, chapters: list[str] | None, jobs: int) -> int:
    from course_lib.build.rehearsal import rehearse

    try:
        report = rehearse(root, chapters, jobs=jobs)
    except (ValueError, OSError) as exc:
        print(f"course-lib: error: {exc}", file=sys.stderr)
        return 2
    print(report.table())
    print(f"report: {RunFolder(report.run_dir).rehearsal_report}")
    if not report.passed:
        print("course-lib: the rehearsal found errors (last column); the executed notebooks "
              f"are in {RunFolder(report.run_dir).book_dir}", file=sys.stderr)
    return 0 if report.passed else 1


def _lessons(root: Path, seeds: list[int], paths: list[str], jobs: int) -> int:
    """Each (seed, kernel path) runs into its own folder under ``_build/runs/lessons/``, with
    the execution cache, so a second call re-executes only what changed. On JAX
    (``_build/runs/lessons-jax/``) each seed runs once: the kernel paths are TensorFlow's."""
    runs, failed = {}, []
    backend = run_folder.backend()
    if backend != "tensorflow":  # TensorFlow's kernel paths change nothing on another backend
        paths = paths[:1]
    for seed in seeds:
        for path in paths:
            label = f"seed {seed}, {path if backend == 'tensorflow' else backend}"
            runs[label] = run_folder.default(root, "lessons").path / f"seed-{seed}-{path}"
            print(f"course-lib lessons: {label}", flush=True)
            try:
                with kernel_path(path):
                    run_book(root, "quick", overrides={"seed": seed}, run_dir=runs[label],
                             jobs=jobs, report_lessons=True)
            except ChapterFailed as exc:  # an error, not a lesson: its lessons count as not held
                failed.append(label)
                print(f"course-lib: {exc}", file=sys.stderr)
            except (ValueError, OSError) as exc:
                print(f"course-lib: error: {exc}", file=sys.stderr)
                return 2
    text, everywhere = table(runs)
    print(text)
    if failed:
        print(f"runs with a failed chapter: {'; '.join(failed)}", file=sys.stderr)
    return 0 if everywhere and not failed else 1


if __name__ == "__main__":
    sys.exit(main())
