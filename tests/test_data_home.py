import os
import time

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


def test_unreachable_download_fails_within_seconds(tmp_path):
    remote = RemoteFile("thing.bin", "http://127.0.0.1:9/thing.bin")  # nothing listens there
    started = time.perf_counter()
    with pytest.raises(OSError, match=r"cannot be reached: no connection.*copy it to .*thing.bin"):
        fetch(remote, data_home=tmp_path, timeout=1.0)
    assert time.perf_counter() - started < 5
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
