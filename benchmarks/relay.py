"""Relay benchmark: 1,000 Alertmanager posts to ``gosms relay``, 50 at a time, then the drain at the cap.

Run: ``.venv/bin/python benchmarks/relay.py [--posts 1000] [--concurrency 50] [--folder DIR] [--no-drain]``.  The
real ``gosms relay`` command runs in a subprocess against the emulator; each post is one notification
group (a firing alert of its own) for one number, answered only once its SMS is fsynced in the outbox.
The relay's runner sends while the posts arrive, at the account's cap (10 requests per second), so
the posts are answered in the middle of a drain, as in a real storm.  The posts come from one asyncio
loop over 50 kept-alive connections, each a whole HTTP/1.1 request and answer: Alertmanager (Go)
costs little CPU per post, and fifty Python threads with http.client took half a core from the relay
they measured.  The outbox is made in /var/tmp, on a disk as /var/lib/gosms-relay is.  ``--no-drain``
stops once the posts are answered (development runs; the default waits for the drain and checks
that nothing was lost or sent twice).  It printed, on 2 shared CPUs::

    relay: 1000 posts, 50 at a time: median answer 15.7 ms (p90 25.3 ms, max 33.0 ms; goal <= 20 ms)
    relay: 2854 posts/s taken; with 50 in flight that alone makes a mean answer of 17.5 ms
    relay: the relay used 0.27 ms of CPU per post (its runner included), the senders 0.05 ms; one outbox
    write alone takes 0.3 ms here, creating a file 10 us of CPU before the posts and 10 us after; load
    average 1.9 on 2 CPU(s)
    relay: 1000/1000 answered 200 and 1000/1000 on disk in the outbox when the last post was answered
    relay: drained 1000 SMS in 104.6 s from the first post, at the cap (10/s: about 100 s), the relay using
    1.4 s of CPU after the posts; 0 duplicated, 0 lost

The relay writes the posts waiting as one batch from one writer thread (a group commit: each file
written, the batch's files fsynced together from eight threads, renamed, the folder fsynced once,
the handlers resumed with one call into the loop).  Fsynced one after another, fifty files took
9-11 ms of a batch here; together, 4-5 ms.  Interleaved with the relay before that change, each
run in an inode group nothing was removed from lately (``--no-drain``): medians of 15.8-16.8 ms
before, 11.5-18.8 ms after (11.5, 12.1, 12.8, 13.1, 15.6, 15.7, 17.3, 18.8), 0.26-0.32 ms of relay
CPU per post alike.  Earlier designs: 64 writer threads, one post each, 33-37 ms; a thread per
connection, 52-60 ms.

What moves the median most is the file system, not the relay.  Each post is a new file, and this
machine's ext4 has no journal: it passes over every inode freed in the last minute (six, while its
inode table is not written back yet), so after a run whose clean-up removed a thousand files, or a
test suite that removed thousands, creating a file costs 60-900 us of kernel CPU instead of 10, and
the cost climbs as the relay's own files reach the freed inodes (the line above says it before and
after the posts).  Run 20 s after one another, the same relays answered in 34.7-98.5 ms (before)
and 18.5-69.7 ms (after), at 0.6-1.1 ms of CPU per post: space runs several minutes apart.  On
tmpfs (``--folder /dev/shm``, where an fsync proves nothing) the relay answered in 12.7-13.3 ms,
its Python (the loop's 0.12 ms per post: aiohttp, then reading and wording the post) being what is
left then.  Creating the files from several threads would not help here: a folder takes one
creation at a time, so the writer's one thread loses nothing.

The exit status is non-zero only when a post was refused, an answered alert was not on disk, or an
SMS was lost or duplicated: times depend on the machine and are reported, never judged.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Optional

from gosms.delivery.outbox import STATES, Outbox
from gosms.emulator import Emulator

PHONE = "79991234567"
CAP = 10.0
"""Requests per second the API takes from one account (the core's budget)."""
DISK_TMP = "/var/tmp"
"""Where the outbox is made: a disk as a relay's /var/lib/gosms-relay is, not /tmp (tmpfs on many
systems, where an fsync proves nothing; on this ext4 without a journal, a folder every test run
fills and empties makes the kernel search a long time for a free inode: 0.5 ms per file)."""


def gosms() -> list[str]:
    script = Path(sys.executable).with_name("gosms")
    return [str(script)] if script.exists() else [sys.executable, "-m", "gosms"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def body(n: int) -> bytes:
    return json.dumps({
        "version": "4", "status": "firing", "receiver": "sms", "groupKey": f"{{}}:{{alertname=\"Bench{n}\"}}",
        "truncatedAlerts": 0, "groupLabels": {"alertname": f"Bench{n}"},
        "commonLabels": {"alertname": f"Bench{n}", "severity": "critical"}, "commonAnnotations": {},
        "externalURL": "http://alertmanager.example:9093",
        "alerts": [{"status": "firing", "labels": {"alertname": f"Bench{n}", "instance": f"node{n:04d}:9100"},
                    "annotations": {}, "startsAt": "2026-12-04T20:00:00Z", "endsAt": "0001-01-01T00:00:00Z",
                    "fingerprint": f"{n:016x}"}],
    }).encode()


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def single_add_ms(where: str, count: int = 20) -> float:
    """The median time of one Outbox.add on this disk, alone: the floor under an answer's time."""
    from gosms import Client

    with tempfile.TemporaryDirectory(dir=where) as folder, \
            Client("bench-token", api_url="http://127.0.0.1:9/v1") as client:
        outbox = Outbox(Path(folder) / "outbox")
        times = []
        for n in range(count):
            started = time.perf_counter()
            outbox.add(client, PHONE, f"FIRING 1: Bench{n}")
            times.append(time.perf_counter() - started)
        return statistics.median(times) * 1000


def create_us(where: Path, count: int = 50) -> float:
    """Kernel CPU to create one empty file in the folder ``where`` (the outbox's ``tmp/``, where the relay
    creates its files): ext4 without a journal skips inodes freed in the last minutes, and where many
    files were just removed it may search long.  The files stay (hidden, removed with the outbox):
    removing them now would slow the creations after."""
    prefix = where / f".probe-{os.urandom(4).hex()}-"
    started = time.process_time()
    for n in range(count):
        os.close(os.open(f"{prefix}{n}", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    return (time.process_time() - started) / count * 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=1000, help="posts to send (default 1000)")
    parser.add_argument("--concurrency", type=int, default=50, help="posts in flight at once (default 50)")
    parser.add_argument("--folder", default=DISK_TMP if os.path.isdir(DISK_TMP) else None,
                        help=f"where the outbox is made (default {DISK_TMP}: on disk, as /var/lib is)")
    parser.add_argument("--no-drain", action="store_true",
                        help="stop once the posts are answered, without waiting for the drain (development runs: "
                             "the drain's checks for lost and duplicated SMS are skipped)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(dir=args.folder) as folder, Emulator() as emu:
        outbox = Path(folder) / "outbox"
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("GOSMS_") or k == "GOSMS_RUNTIME_DIR"}
        env.update(GOSMS_TOKEN=emu.token, GOSMS_API_URL=emu.url)
        relay = subprocess.Popen([*gosms(), "relay", "--listen", f"127.0.0.1:{port}", "--outbox", str(outbox)],
                                 env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            return run(emu, relay, port, outbox, args.posts, args.concurrency, folder, drain=not args.no_drain)
        finally:
            relay.terminate()
            relay.wait(120)


async def exchange(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes) -> tuple[int, bool]:
    """One whole HTTP/1.1 exchange on a kept-alive connection: the status, and whether the relay keeps it open."""
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.lower().split(":", 1) for line in lines[1:] if ":" in line)
    await reader.readexactly(int(headers["content-length"]))  # every answer of the relay has a length
    return int(lines[0].split()[1]), headers.get("connection", "").strip() != "close"


async def post_all(port: int, posts: int, concurrency: int) -> list[tuple[int, float]]:
    """Send the posts from ``concurrency`` kept-alive connections; each post's status and answer time.

    The load comes from one asyncio loop writing whole requests and reading whole answers (status,
    headers, the announced body), as a Go client like Alertmanager's costs little CPU per request: 50
    Python threads with http.client would take a core from the relay they measure on 2 shared CPUs.
    """
    numbers = iter(range(posts))
    results: list[tuple[int, float]] = [(0, 0.0)] * posts

    async def sender() -> None:
        conn: Optional[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = None
        for n in numbers:
            data = body(n)
            request = (f"POST /alertmanager?to={PHONE} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                       f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n").encode() + data
            started = time.perf_counter()
            try:
                if conn is None:
                    conn = await asyncio.open_connection("127.0.0.1", port)
                status, keep = await asyncio.wait_for(exchange(*conn, request), 60)
            except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, ValueError, KeyError):
                status, keep = 0, False  # counted as not answered 200; the run goes on
            results[n] = (status, time.perf_counter() - started)
            if not keep and conn is not None:
                conn[1].close()
                conn = None
        if conn is not None:
            conn[1].close()

    await asyncio.gather(*(sender() for _ in range(concurrency)))
    return results


def run(emu: Emulator, relay: subprocess.Popen[bytes], port: int, outbox: Path, posts: int, concurrency: int,
        folder: str, *, drain: bool = True) -> int:
    end = time.monotonic() + 60
    while True:  # bounded: the relay listens within a minute or the benchmark fails
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if relay.poll() is not None or time.monotonic() > end:
                print("relay: the relay did not start", flush=True)
                return 1
            time.sleep(0.1)

    tmp = outbox / "tmp"
    while not tmp.is_dir():  # bounded: the relay makes its folders before it listens, or just after
        if relay.poll() is not None or time.monotonic() > end:
            print("relay: the relay made no outbox", flush=True)
            return 1
        time.sleep(0.1)
    create_before = create_us(tmp)
    cpu_before, own_before = cpu_seconds(relay.pid), time.process_time()
    started = time.monotonic()
    results = asyncio.run(post_all(port, posts, concurrency))
    cpu, own = cpu_seconds(relay.pid) - cpu_before, time.process_time() - own_before
    posting = time.monotonic() - started
    on_disk = len(Outbox(outbox).entries(STATES))
    answers = sorted(seconds * 1000 for _, seconds in results)
    ok = sum(1 for status, _ in results if status == 200)
    print(f"relay: {posts} posts, {concurrency} at a time: median answer {statistics.median(answers):.1f} ms "
          f"(p90 {answers[int(len(answers) * 0.9) - 1]:.1f} ms, max {answers[-1]:.1f} ms; goal <= 20 ms)", flush=True)
    # With a fixed number in flight, the mean answer is that number over the throughput (Little's law):
    # the CPU a post costs the relay bounds the answer time however fast the disk is.
    print(f"relay: {posts / posting:.0f} posts/s taken; with {concurrency} in flight that alone makes a mean "
          f"answer of {concurrency / (posts / posting) * 1000:.1f} ms", flush=True)
    print(f"relay: the relay used {cpu / posts * 1000:.2f} ms of CPU per post (its runner included), the senders "
          f"{own / posts * 1000:.2f} ms; one outbox write alone takes {single_add_ms(folder):.1f} ms here, creating "
          f"a file {create_before:.0f} us of CPU before the posts and {create_us(tmp):.0f} us after; load "
          f"average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPU(s)", flush=True)
    print(f"relay: {ok}/{posts} answered 200 and {on_disk}/{posts} on disk in the outbox when the last post was "
          "answered", flush=True)
    if not drain:
        print("relay: the drain was not waited for (--no-drain)", flush=True)
        return 0 if ok == posts and on_disk == posts else 1

    deadline = time.monotonic() + posts / CAP * 3 + 120  # bounded: three times the cap's pace, and some
    drain_cpu = cpu_seconds(relay.pid)
    while len(emu.messages()) < posts and time.monotonic() < deadline and relay.poll() is None:
        time.sleep(0.5)
    drained = time.monotonic() - started
    drain_cpu = cpu_seconds(relay.pid) - drain_cpu
    time.sleep(1.0)
    copies = Counter(m["message"] for m in emu.messages())
    duplicated = sum(c - 1 for c in copies.values())
    lost = posts - len(copies)
    print(f"relay: drained {len(copies)} SMS in {drained:.1f} s from the first post, at the cap ({CAP:g}/s: "
          f"about {posts / CAP:g} s), the relay using {drain_cpu:.1f} s of CPU after the posts; {duplicated} "
          f"duplicated, {lost} lost", flush=True)
    return 0 if ok == posts and on_disk == posts and duplicated == 0 and lost == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
