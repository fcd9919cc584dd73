"""`make lab`'s copies of the chapters: glued numbers in the text, the reader's edits kept."""

import nbformat
import pytest

from course_lib.build.lab import NOTE, ROLE, glued_values, prepare_lab, with_glued_text
from tests.conftest import ROOT

CHAPTERS = sorted((ROOT / "book").glob("*.ipynb"))


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.name)
def test_every_glued_role_of_a_chapter_becomes_its_value(path):
    notebook = nbformat.read(path, as_version=4)
    values = glued_values(notebook)
    shown = with_glued_text(notebook, path.name)
    text = "\n".join(cell.source for cell in shown.cells if cell.cell_type == "markdown")
    assert not ROLE.search(text) and "{glue:" not in text
    for value in values.values():
        assert "'" not in value[:1]  # the text, not its repr


def test_a_role_the_chapter_never_glued_is_named():
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(
        "The GRU reached {glue:text}`gru_acc`.")])
    with pytest.raises(ValueError, match=r"ch.ipynb uses glued names it never glues: \['gru_acc'\]"):
        with_glued_text(notebook, "ch.ipynb")


def _chapter(tmp_path, value):
    book = tmp_path / "book"
    book.mkdir(exist_ok=True)
    glue = nbformat.v4.new_code_cell("glue('acc', '80%')", outputs=[nbformat.v4.new_output(
        "display_data", data={"text/plain": repr(value)},
        metadata={"scrapbook": {"name": "acc", "mime_prefix": ""}})])
    notebook = nbformat.v4.new_notebook(cells=[
        glue, nbformat.v4.new_markdown_cell("It reached {glue:text}`acc`.")])
    nbformat.write(notebook, book / "04_x.ipynb")
    return book


def test_the_lab_copies_carry_the_values_and_never_lose_a_readers_changes(tmp_path):
    book, lab = _chapter(tmp_path, "80%"), tmp_path / "lab"
    source = (book / "04_x.ipynb").read_text()
    assert prepare_lab(book, lab) == []
    copy = nbformat.read(lab / "04_x.ipynb", as_version=4)
    assert copy.cells[0].source == NOTE and copy.cells[2].source == "It reached 80%."
    assert (book / "04_x.ipynb").read_text() == source  # the source is never written
    _chapter(tmp_path, "81%")  # a new committed run: an untouched copy is simply replaced
    assert prepare_lab(book, lab) == []
    assert "81%" in (lab / "04_x.ipynb").read_text()
    edited = (lab / "04_x.ipynb").read_text().replace("It reached", "My note: it reached")
    (lab / "04_x.ipynb").write_text(edited)
    _chapter(tmp_path, "82%")
    moved = prepare_lab(book, lab)
    assert len(moved) == 1 and "had changes of yours: moved to" in moved[0]
    kept = [p for p in lab.glob("04_x.yours-*.ipynb")]
    assert len(kept) == 1 and kept[0].read_text() == edited
    assert "82%" in (lab / "04_x.ipynb").read_text()
    assert prepare_lab(book, lab) == []  # nothing changed since: nothing moved


def test_two_moves_in_the_same_second_keep_both_copies_of_the_reader(tmp_path):
    book, lab = _chapter(tmp_path, "80%"), tmp_path / "lab"
    prepare_lab(book, lab)
    kept = []
    for edit in ("first note", "second note"):
        (lab / "04_x.ipynb").write_text((lab / "04_x.ipynb").read_text() + " ")
        text = (lab / "04_x.ipynb").read_text().replace("It reached", edit)
        (lab / "04_x.ipynb").write_text(text)
        kept.append(text)
        assert len(prepare_lab(book, lab)) == 1
    assert sorted(p.read_text() for p in lab.glob("04_x.yours-*.ipynb")) == sorted(kept)
