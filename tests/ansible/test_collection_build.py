"""The collection as users get it: built with ansible-galaxy, installed elsewhere, documented."""

from __future__ import annotations

import subprocess
import tarfile

from ansible_support import BIN, REPO, ansible_env

COLLECTION = REPO / "ansible_collections" / "gosms" / "sms"


def run(*cmd, env, cwd):
    done = subprocess.run([str(BIN / cmd[0]), *cmd[1:]], env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_built_tarball_installs_into_a_clean_path_and_documents_itself(tmp_path):
    env = ansible_env(tmp_path, None)
    dist, installed = tmp_path / "dist", tmp_path / "collections"
    run("ansible-galaxy", "collection", "build", str(COLLECTION), "--output-path", str(dist), env=env, cwd=tmp_path)
    (tarball,) = dist.glob("gosms-sms-*.tar.gz")
    with tarfile.open(tarball) as archive:
        names = archive.getnames()
    assert "plugins/modules/send.py" in names
    assert "meta/runtime.yml" in names
    assert not [n for n in names if n.startswith("tests/output") or "__pycache__" in n]

    # Only the clean path is configured: the checkout's copy must not count as installed already.
    env["ANSIBLE_COLLECTIONS_PATH"] = str(installed)
    run("ansible-galaxy", "collection", "install", str(tarball), "-p", str(installed), env=env, cwd=tmp_path)
    assert (installed / "ansible_collections" / "gosms" / "sms" / "plugins" / "modules" / "send.py").is_file()

    doc = run("ansible-doc", "gosms.sms.send", env=env, cwd=tmp_path)
    assert str(installed) in doc
    assert "gosms.sms.send" in doc and "invalid_chars" in doc and "long_message" in doc
    listed = run("ansible-doc", "-l", "gosms.sms", env=env, cwd=tmp_path)
    for module in ("send", "message_info", "device", "device_info"):
        assert f"gosms.sms.{module} " in listed
    callback = run("ansible-doc", "-t", "callback", "gosms.sms.notify", env=env, cwd=tmp_path)
    assert "GOSMS_NOTIFY_TO" in callback
