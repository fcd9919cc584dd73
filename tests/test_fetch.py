"""`course-lib fetch`: every real file a profile reads, fetched and verified at once, or named
with what to do when it cannot be."""

import zipfile

import pytest

from course_lib.build.cli import main
from course_lib.build.planner import plan_run
from course_lib.datasets import _home
from course_lib.datasets.catalog import check_archive, fetch_all, files_for, status_table
from course_lib.datasets.imdb import IMDB_NPZ, IMDB_WORD_INDEX
from course_lib.datasets.weather import JENA_MEMBER, JENA_ZIP
from course_lib.datasets.word_vectors import GLOVE_ZIP
from tests.conftest import ROOT


@pytest.fixture
def offline(monkeypatch):
    monkeypatch.setattr(_home, "_probe", lambda url, timeout: "no connection (offline test)")


def test_the_full_profile_reads_the_three_real_datasets_and_the_quick_one_none():
    assert files_for(plan_run(ROOT, "full")) == [IMDB_NPZ, IMDB_WORD_INDEX, GLOVE_ZIP, JENA_ZIP]
    assert files_for(plan_run(ROOT, "quick")) == []


def test_offline_each_missing_file_is_named_with_its_url_and_where_to_put_it(tmp_path, offline):
    statuses = fetch_all([IMDB_NPZ, JENA_ZIP], data_home=tmp_path)
    assert [item.state for item in statuses] == ["missing", "missing"]
    text = status_table(statuses)
    for remote in (IMDB_NPZ, JENA_ZIP):
        assert remote.url in text and str(tmp_path / remote.filename) in text


def _jena_zip(path, member=JENA_MEMBER):
    with zipfile.ZipFile(path, "w") as bundle:
        bundle.writestr(member, "Date Time,T (degC)\n")
    return path


def test_a_present_file_is_verified_and_listed_with_its_size(tmp_path, offline):
    _jena_zip(tmp_path / JENA_ZIP.filename)
    (status,) = fetch_all([JENA_ZIP], data_home=tmp_path)
    assert status.state == "present" and status.size == (tmp_path / JENA_ZIP.filename).stat().st_size
    assert "present" in status_table([status])


@pytest.mark.parametrize("damage", ["not a zip", "wrong member", "damaged member"])
def test_a_damaged_archive_is_moved_aside_and_reported_missing(tmp_path, offline, damage):
    archive = tmp_path / JENA_ZIP.filename
    if damage == "not a zip":
        archive.write_bytes(b"half a download")
    elif damage == "wrong member":
        _jena_zip(archive, member="something_else.csv")
    else:  # the directory is intact, the compressed bytes of the member are not
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
            bundle.writestr(JENA_MEMBER, "Date Time,T (degC)\n" * 2000)
        data = bytearray(archive.read_bytes())
        data[60:90] = bytes(30)
        archive.write_bytes(bytes(data))
    (status,) = fetch_all([JENA_ZIP], data_home=tmp_path)
    aside = list(tmp_path.glob(f"{JENA_ZIP.filename}.corrupt-*"))
    assert status.state == "missing" and len(aside) == 1 and str(aside[0]) in status.problem
    assert not archive.exists()


def test_a_file_failing_its_checksum_is_moved_aside_not_deleted(tmp_path, offline):
    (tmp_path / "imdb.npz").write_bytes(b"x" * 1000)
    (status,) = fetch_all([IMDB_NPZ], data_home=tmp_path)
    (aside,) = tmp_path.glob("imdb.npz.corrupt-*")
    assert status.state == "missing" and aside.read_bytes() == b"x" * 1000
    assert str(aside) in status.problem and IMDB_NPZ.checksum in status.problem


def test_an_archive_with_every_member_passes(tmp_path):
    check_archive(_jena_zip(tmp_path / JENA_ZIP.filename), JENA_ZIP)  # no error


def test_the_command_lists_the_files_and_exits_1_when_one_is_missing(tmp_path, offline, capsys,
                                                                      monkeypatch):
    monkeypatch.chdir(ROOT)
    assert main(["fetch", "--data-home", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert out.splitlines()[0].split() == ["file", "status", "size", "where"]
    assert GLOVE_ZIP.url in out
    assert main(["fetch", "--profile", "quick", "--data-home", str(tmp_path)]) == 0
    assert "runs offline" in capsys.readouterr().out
