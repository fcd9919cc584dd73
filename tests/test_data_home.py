import os

import pytest

from course_lib.datasets._home import RemoteFile, fetch, get_data_home


def test_default_is_shared_with_keras(monkeypatch, tmp_path):
    monkeypatch.delenv("COURSE_LIB_DATA", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert get_data_home() == tmp_path / ".keras" / "datasets"


def test_environment_variable_then_argument_override(monkeypatch, tmp_path):
    monkeypatch.setenv("COURSE_LIB_DATA", str(tmp_path / "env"))
    assert get_data_home() == tmp_path / "env"
    assert get_data_home(tmp_path / "arg") == tmp_path / "arg"


def test_a_file_in_place_of_the_data_home_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OSError, match="`data_home` could not be created"):
        get_data_home(blocker / "sub")


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write into read-only folders")
def test_read_only_data_home_is_a_clear_error(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    with pytest.raises(OSError, match="`data_home` could not be created"):
        get_data_home(locked / "sub")


def test_missing_file_with_downloads_off_says_where_to_put_it(tmp_path):
    remote = RemoteFile("thing.bin", "http://127.0.0.1:9/thing.bin")
    with pytest.raises(OSError, match=r"Download http://127.0.0.1:9/thing.bin and save it as .*thing.bin"):
        fetch(remote, data_home=tmp_path, download_if_missing=False)


@pytest.mark.timeout(30)  # must fail, not hang: the probe's own timeout is 1 s
def test_unreachable_download_fails_instead_of_hanging(tmp_path):
    remote = RemoteFile("thing.bin", "http://127.0.0.1:9/thing.bin")  # nothing listens there
    with pytest.raises(OSError, match=r"cannot be reached: no connection.*copy it to .*thing.bin"):
        fetch(remote, data_home=tmp_path, timeout=1.0)
    assert not (tmp_path / "thing.bin").exists()


def test_server_errors_become_os_errors_with_instructions(tmp_path):
    import http.server
    import threading

    server = http.server.HTTPServer(("127.0.0.1", 0), http.server.SimpleHTTPRequestHandler)
    server.timeout = 2
    thread = threading.Thread(target=server.handle_request, daemon=True)
    thread.start()
    remote = RemoteFile("missing.bin", f"http://127.0.0.1:{server.server_port}/missing-{os.getpid()}.bin")
    try:
        with pytest.raises(OSError, match="the server answered HTTP 404"):
            fetch(remote, data_home=tmp_path, timeout=2.0)
    finally:
        thread.join(3)
        server.server_close()


def test_cached_file_with_matching_checksum_is_used_without_network(tmp_path):
    (tmp_path / "ok.txt").write_text("hello")
    remote = RemoteFile("ok.txt", "http://127.0.0.1:9/ok.txt",
                        "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824")
    assert fetch(remote, data_home=tmp_path) == tmp_path / "ok.txt"


@pytest.fixture
def file_server(tmp_path):
    """A loopback HTTP server over a folder of 'remote' files."""
    import functools
    import http.server
    import threading

    folder = tmp_path / "remote"
    folder.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield folder, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


HELLO_SHA256 = "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"


def test_a_corrupted_cached_file_is_replaced_by_a_fresh_download(tmp_path, file_server):
    folder, url = file_server
    (folder / "ok.txt").write_text("hello")
    home = tmp_path / "home"
    home.mkdir()
    (home / "ok.txt").write_text("hel")  # an interrupted download
    with pytest.warns(UserWarning, match=r"ok.txt is not the expected ok.txt.*moved aside to"):
        path = fetch(RemoteFile("ok.txt", f"{url}/ok.txt", HELLO_SHA256), data_home=home)
    assert path.read_text() == "hello"
    [aside] = home.glob("ok.txt.corrupt-*")  # the old file is kept, not deleted
    assert aside.read_text() == "hel"


def test_a_corrupted_download_is_refused_and_not_kept(tmp_path, file_server):
    folder, url = file_server
    (folder / "ok.txt").write_text("tampered")
    home = tmp_path / "home"
    with pytest.raises(OSError, match=r"is not the expected ok.txt: its sha256 is .* corrupted or "
                                      r"incomplete. The download was moved aside to .*ok.txt.corrupt-"):
        fetch(RemoteFile("ok.txt", f"{url}/ok.txt", HELLO_SHA256), data_home=home)
    assert not (home / "ok.txt").exists()  # never read as the dataset
    [aside] = home.glob("ok.txt.corrupt-*")
    assert aside.read_text() == "tampered"


def test_a_corrupted_cached_file_with_downloads_off_is_named(tmp_path):
    (tmp_path / "ok.txt").write_text("hel")
    with pytest.raises(OSError, match=r"ok.txt is not the expected ok.txt: its sha256 is \w+, expected "
                                      + HELLO_SHA256 + r".* moved aside to .*ok.txt.corrupt-") as error:
        fetch(RemoteFile("ok.txt", "http://127.0.0.1:9/ok.txt", HELLO_SHA256), data_home=tmp_path,
              download_if_missing=False)
    [aside] = tmp_path.glob("ok.txt.corrupt-*")
    assert aside.read_text() == "hel" and str(aside) in str(error.value)


def test_move_aside_never_overwrites_an_earlier_copy(tmp_path):
    from course_lib.datasets._home import move_aside

    asides = []
    for content in ("first", "second", "third"):  # within one second: the names must differ
        (tmp_path / "imdb.npz").write_text(content)
        asides.append(move_aside(tmp_path / "imdb.npz"))
    assert [a.read_text() for a in asides] == ["first", "second", "third"]
    assert not (tmp_path / "imdb.npz").exists()


def test_a_read_only_data_home_can_be_read_but_not_downloaded_into(tmp_path, monkeypatch):
    (tmp_path / "ok.txt").write_text("hello")
    monkeypatch.setattr(os, "access", lambda path, mode: False)  # as for a non-root user on a locked folder
    assert fetch(RemoteFile("ok.txt", "http://127.0.0.1:9/ok.txt", HELLO_SHA256), data_home=tmp_path).is_file()
    with pytest.raises(OSError, match=r"missing.bin is not in the data home .*, which is not writable.*COURSE_LIB_DATA"):
        fetch(RemoteFile("missing.bin", "http://127.0.0.1:9/missing.bin"), data_home=tmp_path)


def test_a_data_home_that_cannot_be_created_is_named(tmp_path, monkeypatch):
    from pathlib import Path

    def refuse(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "mkdir", refuse)
    with pytest.raises(OSError, match=r"`data_home` could not be created. Received: data_home='.*locked'.*Permission denied"):
        get_data_home(tmp_path / "locked")
