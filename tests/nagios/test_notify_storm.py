"""An alert storm: 200 notification commands at once, as a daemon starts them, all arrive and none twice.

Against the emulator's strict rate limit (refused requests count in its window, no Retry-After),
200 ``notify_gosms`` single files run at the same time under ``/usr/bin/python3``, sharing one
account budget on this host.  Whatever could not go out within a command's timeout (a busy machine
starts 200 Pythons slowly) is in the outbox, and one ``gosms outbox flush`` sends it: then every
alert has arrived exactly once.  No ``gosms outbox run`` is alive, so each notifier sends itself
(tests/nagios/test_notify_fold.py hands a storm to a live runner).  Delivery is asserted, never speed.
"""

from __future__ import annotations

import subprocess
from collections import Counter
from pathlib import Path

from nagios_support import SECRET, assert_no_secret

from gosms.emulator import Emulator

STORM = 200
PAGER = "79991234567"


def test_a_storm_of_200_notifications_all_arrive_once(single_files: Path, emu: Emulator, tmp_path: Path) -> None:
    emu.set_scenario(rate_limit=10, rate_limit_mode="strict",
                     lifecycle={"waiting": 0, "processing": 0, "sent": 0})
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": str(tmp_path), "GOSMS_TOKEN": SECRET,
           "GOSMS_API_URL": emu.url, "GOSMS_OUTBOX": str(tmp_path / "outbox"),
           "GOSMS_RUNTIME_DIR": str(tmp_path / "runtime")}
    notify = str(single_files / "notify_gosms.pyz")
    procs = [
        subprocess.Popen([notify, "--to", PAGER, "--type", "PROBLEM", "--host", f"host{i:03d}", "--service", "Disk",
                          "--state", "CRITICAL", "--output", f"DISK CRITICAL - / {i} % free", "--time", "08:45"],
                         env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=tmp_path)
        for i in range(STORM)
    ]
    codes: Counter[int] = Counter()
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        codes[proc.returncode] += 1
        assert proc.returncode == 0, f"exit {proc.returncode}: {out}{err}"
        assert_no_secret(out, err)
    print(f"storm exit codes: {dict(codes)} (0: sent or queued)")
    flush = subprocess.run([str(single_files / "gosms.pyz"), "outbox", "flush"], env=env, capture_output=True,
                           text=True, timeout=600, cwd=tmp_path)
    assert flush.returncode == 0, flush
    texts = Counter(m["message"] for m in emu.messages())
    expected = {f"PROBLEM: host{i:03d}/Disk is CRITICAL: DISK CRITICAL - / {i} % free [08:45]" for i in range(STORM)}
    assert set(texts) == expected, sorted(set(texts) ^ expected)[:5]
    assert max(texts.values()) == 1, [t for t, n in texts.items() if n > 1]
