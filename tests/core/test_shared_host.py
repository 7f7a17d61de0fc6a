"""A shared monitoring host: folders and files someone else made, bad entries, a token file left open.

Each test here reproduces one way a new user found the outbox, the runtime folder or the token file
trusted where they should not be (run as root; "another user" is a folder ``chown``-ed to
``nobody``).  Everything runs the installed ``gosms`` against the emulator over real HTTP; every
run is checked for the token and for tracebacks (:func:`run_gosms`).
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import stat
import subprocess
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from core_helpers import PHONE, SECRET, CLIResult, SmallDisk, _command, assert_no_secret, small_disk, stored

from gosms import Client, RetryPolicy
from gosms.delivery.outbox import Outbox
from gosms.emulator import Emulator

OTHER = "79990000001"
OLD_TOKEN = "tok-0ld-9f8e7d6c5b4a-PREVIOUS"
QUICK = RetryPolicy(attempts=2, deadline=1.0, base=0.05, cap=0.2)

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root to hand a folder to another user")
# CI runs the suite as root (as here); a user cannot chown a folder to someone else.


def nobody() -> int:
    return pwd.getpwnam("nobody").pw_uid


def give_away(path: Path) -> None:
    os.chown(path, nobody(), -1)


def run_gosms(*args: str, env: dict[str, str], emu: Emulator | None = None, timeout: float = 60.0,
              secrets: tuple[str, ...] = (SECRET,), wrapper: Sequence[str] = ()) -> CLIResult:
    """The installed ``gosms`` with exactly this environment (no runtime folder of the test run)."""
    environ = {"PATH": os.environ["PATH"], "LANG": "C.UTF-8", "PYTHONIOENCODING": "utf-8", **env}
    if emu is not None:
        environ.setdefault("GOSMS_API_URL", emu.url)
    done = subprocess.run([*wrapper, *_command(), *args], capture_output=True, text=True, env=environ,
                          timeout=timeout,
                          check=False)
    for secret in secrets:
        assert secret not in done.stdout + done.stderr, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    return CLIResult(done.returncode, done.stdout, done.stderr, list(args))


def private_file(path: Path, content: bytes, mode: int = 0o600) -> Path:
    path.write_bytes(content)
    path.chmod(mode)
    return path


# -- 1. the token never echoed; 6. a token file is checked like a key ---------------------------------


@pytest.mark.parametrize("content, says", [
    (f"{SECRET}\n# old token: {OLD_TOKEN}\n".encode(), "more than one line (line 2"),
    (SECRET.encode() + b"\n\xff\xfe\n", "not UTF-8"),
    ("токен-с-буквами\n".encode(), "a character no token has"),
    (f"{SECRET} {OLD_TOKEN}\n".encode(), "a character no token has"),
])
def test_a_token_file_that_is_not_one_token_is_refused_without_echoing_it(
        emu: Emulator, tmp_path: Path, content: bytes, says: str) -> None:
    token_file = private_file(tmp_path / "token", content)
    for command in (["send", "--to", PHONE, "--message", "m"], ["list"]):
        cli = run_gosms(*command, "--token-file", str(token_file), env={}, emu=emu, secrets=(SECRET, OLD_TOKEN))
        assert cli.code == 3, cli.stderr
        assert says in cli.stderr and "unexpected" not in cli.stderr
    assert emu.requests() == [] and stored(emu) == []


@pytest.mark.parametrize("content", [f"\ufeff{SECRET}\n".encode(), f"{SECRET}\r\n".encode(), SECRET.encode(),
                                     f"{SECRET}\n\n".encode()])
def test_a_bom_crlf_or_missing_newline_is_tolerated(emu: Emulator, tmp_path: Path, content: bytes) -> None:
    token_file = private_file(tmp_path / "token", content, 0o640)  # root:nagios 0640 is the usual set-up
    cli = run_gosms("send", "--to", PHONE, "--message", "m", "--token-file", str(token_file), env={}, emu=emu)
    assert cli.code == 0, cli.stderr
    assert len(stored(emu)) == 1


@pytest.mark.parametrize("mode, says", [(0o644, "read by every user"), (0o666, "changed by other users"),
                                        (0o620, "changed by other users")])
def test_a_token_file_open_to_others_is_refused_with_the_chmod_to_run(
        emu: Emulator, tmp_path: Path, mode: int, says: str) -> None:
    token_file = private_file(tmp_path / "token", f"{SECRET}\n".encode(), mode)
    cli = run_gosms("send", "--to", PHONE, "--message", "m", "--token-file", str(token_file), env={}, emu=emu)
    assert cli.code == 3 and says in cli.stderr
    assert f"chmod 0640 {token_file}" in cli.stderr
    assert stat.S_IMODE(token_file.stat().st_mode) == mode  # told, never changed
    assert emu.requests() == []


def test_a_fifo_as_token_file_is_refused_at_once_not_waited_on(emu: Emulator, tmp_path: Path) -> None:
    fifo = tmp_path / "token"
    os.mkfifo(fifo, 0o600)
    cli = run_gosms("send", "--to", PHONE, "--message", "m", "--token-file", str(fifo), env={}, emu=emu,
                    timeout=30)  # the old code waited for a writer for ever
    assert cli.code == 3 and "not a regular file" in cli.stderr


def test_a_device_or_a_huge_token_file_is_refused(emu: Emulator, tmp_path: Path) -> None:
    # /dev/zero is 0666 and no regular file: refused on the handle's type before a byte is read.
    zero = run_gosms("list", "--token-file", "/dev/zero", env={}, emu=emu)
    assert zero.code == 3 and "not a regular file" in zero.stderr
    huge = private_file(tmp_path / "token", b"x" * 100_000)
    big = run_gosms("list", "--token-file", str(huge), env={}, emu=emu)
    assert big.code == 3 and "larger than 4096 bytes" in big.stderr


def test_a_bug_with_the_token_in_hand_prints_neither_the_token_nor_a_traceback(
        emu: Emulator, tmp_path: Path) -> None:
    """The last-resort handler says the error's type and place, never its text (which may quote the token)."""
    sitecustom = tmp_path / "site"
    sitecustom.mkdir()
    # A stand-in for any bug holding the token: the transport raises with the header in its message.
    (sitecustom / "sitecustomize.py").write_text(
        "import gosms.transports.stdlib as s\n"
        "def broken(self, request, *a, **k):\n"
        "    raise ValueError(f'Invalid header value {dict(request.headers)}')\n"
        "s.StdlibHTTP.exchange = broken\n")
    cli = run_gosms("send", "--to", PHONE, "--message", "m", "--json",
                    env={"GOSMS_TOKEN": SECRET, "PYTHONPATH": str(sitecustom)}, emu=emu)
    assert cli.code == 1
    assert "unexpected error (ValueError at " in cli.stderr and "Invalid header" not in cli.stdout + cli.stderr
    assert json.loads(cli.stdout)["error_type"] == "ValueError"


# -- 2. an outbox someone else owns or may write is refused, never chmod-ed -----------------------------


def queue_env(outbox: Path) -> dict[str, str]:
    return {"GOSMS_TOKEN": SECRET, "GOSMS_OUTBOX": str(outbox)}


def test_an_outbox_owned_by_another_user_is_refused_before_anything_is_sent(
        emu: Emulator, tmp_path: Path) -> None:
    outbox = tmp_path / "ob"
    with Client(SECRET, api_url=emu.url, retry=QUICK) as client:
        Outbox(outbox).add(client, PHONE, "queued before the folder changed hands")
    give_away(outbox)
    # What the other user could now do unseen: hide the queue and leave an empty one in its place.
    (outbox / "new").rename(outbox / "new.hidden")
    (outbox / "new").mkdir(mode=0o700)
    for args in (["outbox", "flush"], ["outbox", "list"], ["send", "--queue", "--to", PHONE, "--message", "m"]):
        cli = run_gosms(*args, env=queue_env(outbox), emu=emu)
        assert cli.code == 3, (args, cli.stdout, cli.stderr)
        assert "belongs to another user" in cli.stderr and str(outbox) in cli.stderr
    assert stored(emu) == []  # the send --queue said so before sending anything
    assert os.stat(outbox).st_uid == nobody()


def test_a_world_writable_sticky_folder_is_refused_and_left_as_it_is(emu: Emulator, tmp_path: Path) -> None:
    shared = tmp_path / "like-tmp"
    shared.mkdir()
    shared.chmod(0o1777)
    cli = run_gosms("outbox", "flush", env=queue_env(shared), emu=emu)
    assert cli.code == 3 and "other users may write to it" in cli.stderr
    assert stat.S_IMODE(shared.stat().st_mode) == 0o1777  # the old code made it 0700, sticky bit gone


def test_a_symlinked_state_folder_is_refused_and_its_target_not_touched(emu: Emulator, tmp_path: Path) -> None:
    outbox, elsewhere = tmp_path / "ob", tmp_path / "elsewhere"
    Outbox(outbox).check()
    elsewhere.mkdir()
    elsewhere.chmod(0o755)
    shutil.rmtree(outbox / "tmp")
    (outbox / "tmp").symlink_to(elsewhere)
    cli = run_gosms("send", "--queue", "--to", PHONE, "--message", "m", env=queue_env(outbox), emu=emu)
    assert cli.code == 3 and "symbolic link" in cli.stderr
    assert stat.S_IMODE(elsewhere.stat().st_mode) == 0o755 and list(elsewhere.iterdir()) == []
    assert stored(emu) == []


def test_a_symlinked_lock_file_creates_nothing_where_it_points(emu: Emulator, tmp_path: Path) -> None:
    outbox, victim = tmp_path / "ob", tmp_path / "victim"
    Outbox(outbox).check()
    (outbox / ".lock").symlink_to(victim)
    cli = run_gosms("outbox", "flush", env=queue_env(outbox), emu=emu)
    assert cli.code == 3 and "symbolic link" in cli.stderr
    assert not victim.exists()


@pytest.mark.parametrize("lock", [".lock", ".runner"])
def test_a_fifo_as_lock_file_is_refused_at_once(emu: Emulator, tmp_path: Path, lock: str) -> None:
    outbox = tmp_path / "ob"
    Outbox(outbox).check()
    os.mkfifo(outbox / lock, 0o600)
    command = ["outbox", "flush"] if lock == ".lock" else ["outbox", "run", "--interval", "0.2"]
    cli = run_gosms(*command, env=queue_env(outbox), emu=emu, timeout=60)
    assert cli.code == 3 and "not a regular file" in cli.stderr
    assert not Outbox(outbox).runner_alive()


def test_a_fifo_or_symlink_in_new_is_set_aside_and_hangs_nothing(emu: Emulator, tmp_path: Path) -> None:
    outbox = tmp_path / "ob"
    with Client(SECRET, api_url=emu.url, retry=QUICK) as client:
        Outbox(outbox).add(client, PHONE, "the real alert")
    os.mkfifo(outbox / "new" / "00000000000000000001-0000fifo.json", 0o600)
    secret_elsewhere = private_file(tmp_path / "secret.json", b'{"not": "an entry"}')
    (outbox / "new" / "00000000000000000002-0000link.json").symlink_to(secret_elsewhere)
    listed = run_gosms("outbox", "list", env=queue_env(outbox), emu=emu, timeout=30)
    assert listed.code == 0 and "1 waiting" in listed.stdout
    assert "0000fifo" in listed.stdout and "not a regular file" in listed.stdout
    assert "0000link" in listed.stdout and "symbolic link" in listed.stdout
    flushed = run_gosms("outbox", "flush", env=queue_env(outbox), emu=emu, timeout=30)
    assert flushed.code == 0, flushed.stderr
    assert [m["message"] for m in stored(emu)] == ["the real alert"]
    assert sorted(p.name for p in (outbox / "corrupt").iterdir()) == [
        "new-00000000000000000001-0000fifo.json", "new-00000000000000000001-0000fifo.json.reason",
        "new-00000000000000000002-0000link.json", "new-00000000000000000002-0000link.json.reason"]
    assert secret_elsewhere.read_bytes() == b'{"not": "an entry"}'


# -- 3. one bad entry blocks nothing ------------------------------------------------------------------


@pytest.mark.parametrize("field, value, says", [("created", "yesterday", "created is text"),
                                                 ("attempts", "1", "attempts is text"),
                                                 ("parts", [1, 2], "parts holds something other than text"),
                                                 ("created", None, "created is null")])
def test_an_entry_of_the_wrong_shape_is_set_aside_and_the_rest_flow(
        emu: Emulator, tmp_path: Path, field: str, value: object, says: str) -> None:
    outbox_dir = tmp_path / "ob"
    outbox = Outbox(outbox_dir)
    with Client(SECRET, api_url=emu.url, retry=QUICK) as client:
        bad = outbox.add(client, PHONE, "edited by hand")
        for n in range(3):
            outbox.add(client, OTHER, f"later alert {n}")
    path = outbox_dir / "new" / f"{bad.id}.json"
    data = json.loads(path.read_text())
    data[field] = value
    path.write_text(json.dumps(data))
    listed = run_gosms("outbox", "list", "--json", env=queue_env(outbox_dir), emu=emu)
    assert listed.code == 0
    assert listed.json()["waiting"] == 3 and says in listed.json()["corrupt"][0]["reason"]
    flushed = run_gosms("outbox", "flush", env=queue_env(outbox_dir), emu=emu)
    assert flushed.code == 0, flushed.stderr
    assert f"set aside, never sent: new-{bad.id}.json" in flushed.stderr and says in flushed.stderr
    assert sorted(m["message"] for m in stored(emu)) == [f"later alert {n}" for n in range(3)]
    (corrupt,) = outbox.corrupt()
    assert corrupt.where == "corrupt" and says in corrupt.reason
    again = run_gosms("outbox", "list", env=queue_env(outbox_dir), emu=emu)
    assert again.code == 0 and f"corrupt  new-{bad.id}.json" in again.stdout and says in again.stdout


def test_the_runner_keeps_going_past_a_bad_entry(emu: Emulator, tmp_path: Path) -> None:
    outbox_dir = tmp_path / "ob"
    outbox = Outbox(outbox_dir)
    with Client(SECRET, api_url=emu.url, retry=QUICK) as client:
        bad = outbox.add(client, PHONE, "edited by hand")
    path = outbox_dir / "new" / f"{bad.id}.json"
    path.write_text(path.read_text().replace('"attempts": 0', '"attempts": "1"'))
    environ = {"PATH": os.environ["PATH"], **queue_env(outbox_dir), "GOSMS_API_URL": emu.url}
    runner = subprocess.Popen([*_command(), "outbox", "run", "--interval", "0.2"], env=environ,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        with Client(SECRET, api_url=emu.url, retry=QUICK) as client:
            outbox.add(client, OTHER, "queued while it runs")
        end = time.monotonic() + 600
        while not stored(emu) and runner.poll() is None and time.monotonic() < end:
            time.sleep(0.05)
        assert runner.poll() is None, "the runner died of a bad entry"
        runner.terminate()
        out, err = runner.communicate(timeout=60)
    finally:
        if runner.poll() is None:
            runner.kill()
    assert runner.returncode == 0, err
    assert_no_secret(out, err)
    assert [m["message"] for m in stored(emu)] == ["queued while it runs"]


# -- 7. one copy of each entry ------------------------------------------------------------------------


def test_a_copy_left_in_sending_beside_sent_is_not_reported_expired_a_day_later(
        emu: Emulator, tmp_path: Path) -> None:
    """An older version's crash after the copy to sent/ and before the removal from sending/."""
    outbox_dir = tmp_path / "ob"
    outbox = Outbox(outbox_dir)
    with Client(SECRET, api_url=emu.url, retry=QUICK) as client:
        entry = outbox.add(client, PHONE, "delivered once")
        assert outbox.flush(client).ok
        name = f"{entry.id}.json"
        shutil.copy2(outbox_dir / "sent" / name, outbox_dir / "sending" / name)
        later = time.time() + 25 * 3600
        first = outbox.flush(client, now=lambda: later)
        second = outbox.flush(client, now=lambda: later)
    assert first.expired == [] and second.expired == [] and first.pending == [] and second.pending == []
    assert not (outbox_dir / "sending" / name).exists()
    assert [m["message"] for m in stored(emu)] == ["delivered once"]


# -- 4 and 5. the runtime folder: squatted or handed over ---------------------------------------------


def runtime_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """As Nagios and cron run a command: no XDG_RUNTIME_DIR, a HOME of its own."""
    home = tmp_path / "home"
    temp = tmp_path / "tmpdir"
    for folder in (home, temp):
        folder.mkdir(exist_ok=True)
        folder.chmod(0o755)
    temp.chmod(0o1777)
    return {"HOME": str(home), "TMPDIR": str(temp), "GOSMS_TOKEN": SECRET, **extra}


def budget_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob("budget-*.json")) if folder.is_dir() else []


def test_a_squatted_runtime_folder_is_said_loudly_and_a_private_one_used(emu: Emulator, tmp_path: Path) -> None:
    env = runtime_env(tmp_path)
    squatted = Path(env["TMPDIR"]) / f"gosms-ops-{os.getuid()}"
    squatted.mkdir(mode=0o700)
    give_away(squatted)
    cli = run_gosms("send", "--to", PHONE, "--message", "m", env=env, emu=emu)
    assert cli.code == 0, cli.stderr
    fallback = Path(env["HOME"]) / ".local/state/gosms-ops/runtime"
    assert "WARNING" in cli.stderr and str(squatted) in cli.stderr and str(fallback) in cli.stderr
    assert len(budget_files(fallback)) == 1  # the budget is shared again, through a folder only we can make
    assert stat.S_IMODE(fallback.stat().st_mode) == 0o700
    assert list(squatted.iterdir()) == [] and squatted.stat().st_uid == nobody()


def test_an_xdg_runtime_dir_of_another_user_is_not_trusted(emu: Emulator, tmp_path: Path) -> None:
    xdg = tmp_path / "run-user"
    xdg.mkdir(mode=0o700)
    swapped = xdg / "gosms-ops"
    swapped.mkdir(mode=0o700)  # root's own, as a swap by the folder's owner would leave it
    give_away(xdg)
    env = runtime_env(tmp_path, XDG_RUNTIME_DIR=str(xdg))
    cli = run_gosms("send", "--to", PHONE, "--message", "m", env=env, emu=emu)
    assert cli.code == 0, cli.stderr
    assert "XDG_RUNTIME_DIR" in cli.stderr and "another user" in cli.stderr
    assert budget_files(swapped) == [] and list(swapped.iterdir()) == []
    assert len(budget_files(Path(env["TMPDIR"]) / f"gosms-ops-{os.getuid()}")) == 1


# -- 8. a partial failure reports each recipient --------------------------------------------------------


def test_a_full_disk_after_one_recipient_was_sent_reports_each_recipient(
        emu: Emulator, full_disk: SmallDisk) -> None:
    emu.add_fault("http_500", endpoint="send", after=1, count=None)  # the first number gets it, not the second
    env = queue_env(full_disk.root / "ob")
    cli = run_gosms("send", "--queue", "--deadline", "1", "--to", PHONE, "--to", OTHER, "--message", "disk full",
                    "--json", env=env, emu=emu, wrapper=full_disk.wrapper)
    assert cli.code == 1, cli.stderr
    (sent,) = stored(emu)
    assert sent["phone_number"] == PHONE
    assert f"NOT sent to {OTHER} and NOT queued" in cli.stderr and full_disk.error in cli.stderr
    document = cli.json()
    assert [r["ids"] for r in document["results"] if r["phone_number"] == PHONE] == [[sent["id"]]]
    assert list(document["unqueued"]) == [OTHER] and document["queued"] == []
    emu.clear_faults()
    emu.add_fault("http_500", endpoint="send", after=1, count=None)
    human = run_gosms("send", "--queue", "--deadline", "1", "--to", PHONE, "--to", OTHER, "--message", "again",
                      env=env, emu=emu, wrapper=full_disk.wrapper)
    assert human.code == 1 and f"sent to {PHONE}: " in human.stdout


@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[SmallDisk]:
    """An outbox's disk filled to the last byte (see :class:`SmallDisk` where no tmpfs can be mounted)."""
    with small_disk(tmp_path / "small-disk", "64k") as disk:
        Outbox(disk.root / "ob")._ensure()  # its folders, made as a first queueing would
        disk.fill()
        yield disk


def test_an_entry_owned_by_another_user_is_set_aside_not_sent(emu: Emulator, tmp_path: Path) -> None:
    outbox_dir = tmp_path / "ob"
    outbox = Outbox(outbox_dir)
    with Client(SECRET, api_url=emu.url, retry=QUICK) as client:
        planted = outbox.add(client, PHONE, "planted by someone else")
        outbox.add(client, OTHER, "ours")
        os.chown(outbox_dir / "new" / f"{planted.id}.json", nobody(), -1)
        report = outbox.flush(client)
    assert report.ok and [m["message"] for m in stored(emu)] == ["ours"]
    (bad,) = outbox.corrupt()
    assert "owned by another user" in bad.reason and bad.where == "corrupt"
