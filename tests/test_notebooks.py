"""Staging a run folder's sources and tidying executed notebooks (course_lib.build.notebooks)."""

import re

import nbformat

from course_lib.build.notebooks import joined_streams, stage_sources
from tests.conftest import ROOT


def test_a_run_folder_holds_every_file_the_chapters_quote(tmp_path):
    """``jupyter-book build`` of a run folder reads ``{literalinclude}`` paths from it."""
    stage_sources(ROOT, tmp_path)
    quoted = set()
    for path in (ROOT / "book").glob("*.ipynb"):
        text = "\n".join(cell.source for cell in nbformat.read(path, as_version=4).cells)
        quoted |= set(re.findall(r"```\{literalinclude\}\s+(\S+)", text))
    assert "../course_lib/datasets/imdb_sample.py" in quoted
    for relative in quoted:
        assert (tmp_path / "book" / relative).is_file(), relative


def test_a_cells_printed_pieces_are_joined_into_one_output():
    pieces = [nbformat.v4.new_output("stream", name="stdout", text="a\n"),
              nbformat.v4.new_output("stream", name="stdout", text="b\n"),
              nbformat.v4.new_output("display_data", data={"text/plain": "figure"}),
              nbformat.v4.new_output("stream", name="stdout", text="c\n"),
              nbformat.v4.new_output("stream", name="stderr", text="warning\n")]
    joined = joined_streams(pieces)
    assert [(o.output_type, o.get("name"), o.get("text")) for o in joined] == [
        ("stream", "stdout", "a\nb\n"), ("display_data", None, None),
        ("stream", "stdout", "c\n"), ("stream", "stderr", "warning\n")]
