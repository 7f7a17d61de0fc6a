"""The collection as users get it: built with ansible-galaxy, installed elsewhere, documented."""

from __future__ import annotations

import tarfile

from ansible_support import ansible_env, run_tool


def test_built_tarball_installs_into_a_clean_path_and_documents_itself(installed_collection, tmp_path):
    with tarfile.open(installed_collection.tarball) as archive:
        names = archive.getnames()
    assert "plugins/modules/send.py" in names
    assert "plugins/module_utils/_gosms/wire/flows.py" in names  # the core travels with the modules
    assert "meta/runtime.yml" in names
    assert not [n for n in names if n.startswith("tests/output") or "__pycache__" in n]

    env = ansible_env(tmp_path, None)
    env["ANSIBLE_COLLECTIONS_PATH"] = str(installed_collection.path)
    installed = installed_collection.path / "ansible_collections" / "gosms" / "sms"
    assert (installed / "plugins" / "modules" / "send.py").is_file()

    doc = run_tool("ansible-doc", "gosms.sms.send", env=env, cwd=tmp_path)
    assert str(installed_collection.path) in doc
    assert "gosms.sms.send" in doc and "invalid_chars" in doc and "long_message" in doc
    assert "(!UNKNOWN)" not in doc
    assert "+7 (999) 123-45-67" in " ".join(doc.split())  # the normalize option renders as written
    listed = run_tool("ansible-doc", "-l", "gosms.sms", env=env, cwd=tmp_path)
    for module in ("send", "message_info", "device", "device_info"):
        assert f"gosms.sms.{module} " in listed
    callback = run_tool("ansible-doc", "-t", "callback", "gosms.sms.notify", env=env, cwd=tmp_path)
    assert "GOSMS_NOTIFY_TO" in callback
