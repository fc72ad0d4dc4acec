"""The studio refuses what is not its own page's: other hosts and sites, paths out of its folder."""

from __future__ import annotations

import pytest
import requests
from studio_support import (  # open_studios: the fixture `studio`
    files_of,
    open_studios,  # noqa: F401
    routine_of,
    start_studio_command,
)


def test_a_foreign_origin_is_refused_and_nothing_is_written(studio):
    client, path = studio()
    before = files_of(path.parent)
    routine = routine_of(client)
    routine["title"] = "Changed"
    answer = client.post("/api/save", json={"routine": routine},
                         headers={"Origin": "http://evil.example"})
    assert answer.status_code == 403
    assert "another site" in answer.json()["problems"][0]["message"]
    assert files_of(path.parent) == before
    # the studio's own page may
    assert client.post("/api/save", json={"routine": routine},
                       headers={"Origin": f"http://{client.host}"}).status_code == 200
    assert "title: Changed" in path.read_text()


def test_a_foreign_host_is_refused_and_nothing_is_written(studio):
    """A DNS-rebinding page reaches the studio's address under its own name: refused."""
    client, path = studio()
    routine = routine_of(client)
    before = files_of(path.parent)
    answer = client.post("/api/save", json={"routine": routine},
                         headers={"Host": f"rebind.example:{client.port}"})
    assert answer.status_code == 403
    assert client.post("/api/build", json={"routine": routine},
                       headers={"Host": "localhost:9999"}).status_code == 403
    assert client.get("/api/state", headers={"Host": "evil.example"}).status_code == 403
    assert files_of(path.parent) == before


@pytest.mark.parametrize("raw_path", [
    b"/files/../secret.txt",
    b"/files/%2e%2e/secret.txt",
    b"/files/..%2fsecret.txt",
    b"/files/%2E%2E%2Fsecret.txt",
    b"/files//" + b"%s",  # an absolute path, filled in below
    b"/files/out/secret.txt",  # a symbolic link that leads out of the folder
], ids=["dot-dot", "percent-dots", "percent-slash", "percent-upper", "absolute", "symlink"])
def test_a_path_outside_the_folder_is_not_served(studio, tmp_path, raw_path):
    client, path = studio()
    secret = tmp_path / "secret.txt"
    secret.write_text("not for the page")
    (path.parent / "out").symlink_to(tmp_path, target_is_directory=True)
    if raw_path.endswith(b"%s"):
        raw_path = raw_path.replace(b"%s", str(secret).lstrip("/").encode())
    before = files_of(tmp_path / "work")
    assert client.raw(raw_path) == 404
    assert files_of(tmp_path / "work") == before
    # a file of the folder is served
    (path.parent / "notes.txt").write_text("inside")
    assert client.get("/files/notes.txt").text == "inside"


@pytest.mark.parametrize("folder", ["../shared", "ABSOLUTE", "out/shared"])
def test_a_share_folder_outside_the_folder_is_refused_and_nothing_is_written(studio, tmp_path,
                                                                             folder):
    client, path = studio()
    folder = str(tmp_path / "elsewhere") if folder == "ABSOLUTE" else folder
    (path.parent / "out").symlink_to(tmp_path, target_is_directory=True)
    before = files_of(tmp_path)
    answer = client.post("/api/share", json={"routine": routine_of(client), "folder": folder})
    assert answer.status_code == 422
    assert answer.json()["problems"][0]["field"] == "folder"
    assert files_of(tmp_path) == before


def test_another_address_needs_the_token(studio):
    client, _ = studio(token="s3cret", host="192.0.2.7")
    assert client.get("/api/state").status_code == 403
    assert client.get("/api/state?token=wrong").status_code == 403
    assert client.get("/api/state", headers={"X-Studio-Token": "s3cret"}).status_code == 200
    assert client.get("/api/state?token=s3cret").json()["file"] == "routine.yaml"
    # and the loopback names stay its own too
    assert client.get("/api/state?token=s3cret",
                      headers={"Host": f"localhost:{client.port}"}).status_code == 200


def test_the_studio_on_every_address_prints_a_token_and_asks_for_it(tmp_path):
    process, said = start_studio_command("--host", "0.0.0.0", cwd=tmp_path)
    try:
        address = said.split()[1]
        assert "?token=" in address, said
        port, token = address.split(":")[2].split("/")[0], address.split("?token=")[1]
        local = f"http://127.0.0.1:{port}/api/state"
        assert requests.get(local, timeout=10).status_code == 403
        state = requests.get(local, headers={"X-Studio-Token": token}, timeout=10).json()
        assert state["file"] == "routine.yaml"
    finally:
        process.terminate()
        process.wait(10)


def test_hidden_files_of_the_folder_are_not_served(studio):
    client, path = studio()
    (path.parent / ".secret").write_text("hidden")
    (path.parent / "shared").mkdir()
    (path.parent / "shared" / ".audiocoach-share.json").write_text("{}")
    assert client.get("/files/.secret").status_code == 404
    assert client.get("/files/shared/.audiocoach-share.json").status_code == 404


def test_a_file_the_routine_names_outside_the_folder_is_not_read(studio, tmp_path):
    from audiocoach.audio.cover import draw_cover

    picture = draw_cover("Elsewhere", 60.0, ["One"], "en")
    (tmp_path / "elsewhere.png").write_bytes(picture)
    (tmp_path / "work").mkdir(exist_ok=True)
    (tmp_path / "work" / "inside.png").write_bytes(picture)
    client, path = studio(text="title: T\ncover: ../elsewhere.png\nexercises:\n"
                               "  - name: A\n    hold: 5s\n")
    routine = routine_of(client)
    answer = client.post("/api/check", json={"routine": routine}).json()
    assert answer["plan"] is None
    [problem] = answer["problems"]
    assert (problem["field"], problem["line"], problem["col"]) == ("cover", 2, 8)
    assert problem["message"].startswith("'../elsewhere.png' is outside the studio's folder")
    assert client.post("/api/build", json={"routine": routine}).status_code == 422
    assert client.post("/api/preview", json={"routine": routine, "index": 0}).status_code == 422
    routine["cover"] = "inside.png"
    assert client.post("/api/check", json={"routine": routine}).json()["problems"] == []
