"""End to end with a real Zabbix 6.0 server: a trigger fires, the SMS is in the emulator; it resolves,
the recovery SMS follows.

The media type is imported through the API from zabbix/gosms.yaml as a user would import the file;
the token is a secret global macro; the alert goes from the trapper value through the trigger, the
action and Zabbix's own alerter to the emulator over loopback.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from zabbix_live import Frontend, Postgres, ZabbixAPI, ZabbixServer, temp_root, wait_for
from zabbix_support import MEDIA_TYPE_FILE, PHONE, ROOT, SECRET

from gosms.emulator import Emulator
from gosms.wire.errors import TABLE

HOST, KEY = "web01", "load"
DELIVERY_TIMEOUT = 90.0
"""Generous for a busy CI machine; on an idle one each SMS arrives within seconds."""


@pytest.fixture(scope="module")
def postgres() -> Iterator[Postgres]:
    with temp_root("gosms-pg-") as root:
        cluster = Postgres(root).start()
        try:
            cluster.load_template()
            yield cluster
        finally:
            cluster.stop()


@pytest.fixture
def zabbix(postgres: Postgres, emu: Emulator) -> Iterator[tuple[ZabbixServer, ZabbixAPI]]:
    """A fresh Zabbix (a clone of the template database), its server and its API, logged in as Admin.

    The server's environment points GoSMS_API_URL at the emulator: alert scripts inherit it (an
    admin never sets it; the README's parameters stay as they are, the API is all that differs).
    """
    database = postgres.clone(f"zabbix_{time.monotonic_ns()}")
    with temp_root("gosms-zbx-") as root:
        server = ZabbixServer(root, postgres, database, env={"GOSMS_API_URL": emu.url})
        frontend = Frontend(root, postgres, database, server)
        try:
            server.start()
            api = frontend.start()
            api.login()
            yield server, api
        finally:
            frontend.stop()
            server.stop()
            log = server.log.read_text(errors="replace") if server.log.exists() else ""
            assert SECRET not in log, "the token leaked into the Zabbix server's log"


def import_webhook(api: ZabbixAPI, emu: Emulator) -> str:
    """The README's steps 1 and 2: import the file, the token in the secret macro; the API is the emulator."""
    api.call("configuration.import", {
        "format": "yaml", "source": MEDIA_TYPE_FILE.read_text(encoding="utf-8"),
        "rules": {"mediaTypes": {"createMissing": True, "updateExisting": True}},
    })
    (media,) = api.call("mediatype.get", {"filter": {"name": "GoSMS"}, "output": "extend",
                                          "selectParameters": "extend"})
    parameters = [dict(p, value=emu.url) if p["name"] == "api_url" else p for p in media["parameters"]]
    api.call("mediatype.update", {"mediatypeid": media["mediatypeid"], "parameters": parameters})
    api.call("usermacro.createglobal", {"macro": "{$GOSMS.TOKEN}", "value": SECRET, "type": 1})
    return str(media["mediatypeid"])


def set_up_alerting(api: ZabbixAPI, mediatypeid: str) -> str:
    """The README's steps 3 and 4 (user media, action), and a host with a trigger to alert on; the trigger."""
    (admin,) = api.call("user.get", {"filter": {"username": "Admin"}, "output": ["userid"]})
    api.call("user.update", {"userid": admin["userid"], "medias": [{
        "mediatypeid": mediatypeid, "sendto": "+7 (999) 123-45-67", "active": 0, "severity": 63,
        "period": "1-7,00:00-24:00"}]})
    group = api.call("hostgroup.create", {"name": "GoSMS test"})["groupids"][0]
    # The action first, on the host group: the server's configuration cache syncs every second, and
    # an action it learns of after the problem would never page.
    api.call("action.create", {
        "name": "Page by GoSMS", "eventsource": 0, "status": 0, "esc_period": "1h",
        "filter": {"evaltype": 0, "conditions": [{"conditiontype": 0, "operator": 0, "value": group}]},
        "operations": [{"operationtype": 0, "opmessage": {"default_msg": 1, "mediatypeid": mediatypeid},
                        "opmessage_usr": [{"userid": admin["userid"]}]}],
        # "Notify all involved": everyone the problem was sent to, except whoever made the update.
        "recovery_operations": [{"operationtype": 11, "opmessage": {"default_msg": 1}}],
        "update_operations": [{"operationtype": 12, "opmessage": {"default_msg": 1}}],
    })
    host = api.call("host.create", {"host": HOST, "groups": [{"groupid": group}]})["hostids"][0]
    api.call("item.create", {"hostid": host, "name": "Load", "key_": KEY, "type": 2, "value_type": 3})
    trigger = api.call("trigger.create", {"description": "Load too high",
                                          "expression": f"last(/{HOST}/{KEY})>5", "priority": 4})["triggerids"][0]
    return str(trigger)


def operator(api: ZabbixAPI) -> ZabbixAPI:
    """A second user, logged in: Zabbix tells nobody of their own updates, so another user acknowledges."""
    password = "Gosms-op-7f3a9c2e"
    api.call("user.create", {"username": "operator", "passwd": password, "name": "Night", "surname": "Operator",
                             "roleid": "3", "usrgrps": [{"usrgrpid": "7"}]})
    other = ZabbixAPI(api.url)
    other.login("operator", password)
    return other


def send_until_taken(server: ZabbixServer, value: str) -> None:
    """Send ``value`` until the server takes it: a new item is unknown to it until its cache syncs."""
    wait_for(f"the server to take {KEY}={value}",
             lambda: "processed: 1" in server.send(HOST, KEY, value).get("info", ""))


def fire(server: ZabbixServer, api: ZabbixAPI, triggerid: str) -> str:
    """Send high values until the trigger is in PROBLEM; its event id.

    The item can reach the server's cache a sync before its trigger does, and a value the trigger
    never saw fires nothing: so each try sends a new value, and looks for the problem a while.
    """
    deadline = time.monotonic() + DELIVERY_TIMEOUT
    value = 10
    while time.monotonic() < deadline:
        send_until_taken(server, str(value))
        try:
            (problem,) = wait_for("the problem", lambda: api.call("problem.get", {
                "objectids": [triggerid], "output": ["eventid"]}), timeout=5)
            return str(problem["eventid"])
        except AssertionError:
            value += 1
    raise AssertionError(f"the trigger did not fire in {DELIVERY_TIMEOUT:.0f}s")


def wait_for_sms(emu: Emulator, count: int, api: ZabbixAPI) -> list[dict[str, Any]]:
    try:
        return list(wait_for(f"{count} SMS in the emulator",
                             lambda: len(emu.messages()) >= count and emu.messages(), timeout=DELIVERY_TIMEOUT))
    except AssertionError as exc:
        alerts = api.call("alert.get", {"output": ["alerttype", "status", "error", "subject", "sendto"]})
        raise AssertionError(f"{exc}\nZabbix's alerts: {alerts}") from None


def test_a_problem_and_its_recovery_page_by_sms(zabbix: tuple[ZabbixServer, ZabbixAPI], emu: Emulator) -> None:
    server, api = zabbix
    mediatypeid = import_webhook(api, emu)
    triggerid = set_up_alerting(api, mediatypeid)

    eventid = fire(server, api, triggerid)
    (problem,) = wait_for_sms(emu, 1, api)
    assert problem["message"].startswith(f"Problem {eventid}: Load too high on {HOST}, High, since ")
    assert problem["phone_number"] == PHONE

    operator(api).call("event.acknowledge", {"eventids": [eventid], "action": 6,
                                             "message": "on it | ~now"})
    update = wait_for_sms(emu, 2, api)[1]
    assert update["message"] == (f"Update {eventid}: Night Operator (operator) acknowledged and "
                                 f"commented Load too high on {HOST}. on it / -now")

    send_until_taken(server, "0")
    recovery = wait_for_sms(emu, 3, api)[2]
    assert recovery["message"].startswith(f"Resolved {eventid}: Load too high on {HOST} after ")

    alerts = api.call("alert.get", {"eventids": [eventid], "output": "extend",
                                    "filter": {"mediatypeid": mediatypeid}})
    assert SECRET not in str(alerts), "the secret macro's value is kept out of the alerts Zabbix stores"
    assert alerts and all(a["status"] == "1" and a["error"] == "" for a in alerts), alerts
    assert len(emu.messages()) == 3, "one SMS per alert, none twice"
    assert all(SECRET not in m["message"] for m in emu.messages())


# --- the script-type alternative, as zabbix/README.md sets it up ------------------------------------

SCRIPT_MEDIA_TYPE_FILE = ROOT / "zabbix" / "gosms-script.yaml"
TOKEN_PATH, OUTBOX_PATH = "/etc/zabbix/gosms.token", "/var/lib/zabbix/gosms"


@pytest.fixture(scope="module")
def single_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """gosms.pyz for the system Python, built as the release builds it."""
    out = tmp_path_factory.mktemp("single-files")
    subprocess.run([sys.executable, str(ROOT / "scripts" / "build_single_files.py"), "--out", str(out),
                    "--python", "/usr/bin/python3"], check=True, capture_output=True, timeout=300)
    return out


def test_the_gosms_command_as_an_alert_script_waits_out_an_outage(zabbix: tuple[ZabbixServer, ZabbixAPI],
                                                                  emu: Emulator, single_files: Path) -> None:
    server, api = zabbix
    script = server.alert_scripts / "gosms"
    shutil.copy2(single_files / "gosms.pyz", script)
    script.chmod(0o755)
    token_file, outbox = server.root / "gosms.token", server.root / "outbox"
    token_file.write_text(SECRET + "\n")
    token_file.chmod(0o400)
    server.own(token_file)
    api.call("configuration.import", {
        "format": "yaml", "source": SCRIPT_MEDIA_TYPE_FILE.read_text(encoding="utf-8"),
        "rules": {"mediaTypes": {"createMissing": True, "updateExisting": True}},
    })
    (media,) = api.call("mediatype.get", {"filter": {"name": "GoSMS (gosms command)"},
                                          "output": ["mediatypeid", "exec_params"]})
    # The imported parameters with this test's paths for the token file and the outbox.
    params = media["exec_params"].replace(TOKEN_PATH, str(token_file)).replace(OUTBOX_PATH, str(outbox))
    assert params.count(str(server.root)) == 2
    api.call("mediatype.update", {"mediatypeid": media["mediatypeid"], "exec_params": params})
    triggerid = set_up_alerting(api, media["mediatypeid"])

    eventid = fire(server, api, triggerid)
    (problem,) = wait_for_sms(emu, 1, api)
    assert problem["message"].startswith(f"Problem {eventid}: Load too high on {HOST}, High, since ")
    assert problem["phone_number"] == PHONE

    emu.outage()
    send_until_taken(server, "0")

    def alerts() -> list[dict[str, str]]:
        return list(api.call("alert.get", {"output": ["status", "error", "retries"],
                                           "filter": {"mediatypeid": media["mediatypeid"]}}))

    try:
        wait_for("Zabbix to count the queued recovery as sent",
                 lambda: len(alerts()) == 2 and all(a["status"] == "1" for a in alerts()), timeout=DELIVERY_TIMEOUT)
    except AssertionError as exc:
        raise AssertionError(f"{exc}\nZabbix's alerts: {alerts()}") from None
    assert len(emu.messages()) == 1, "GoSMS was away: the recovery waits in the outbox"
    emu.end_outage()
    flushed = subprocess.run(["/usr/bin/python3", str(single_files / "gosms.pyz"), "outbox", "flush"],
                             env={"GOSMS_TOKEN_FILE": str(token_file), "GOSMS_OUTBOX": str(outbox),
                                  "GOSMS_API_URL": emu.url, "PATH": "/usr/bin:/bin"},
                             capture_output=True, text=True, timeout=120, check=False)
    assert flushed.returncode == 0, flushed.stdout + flushed.stderr
    assert SECRET not in flushed.stdout + flushed.stderr
    messages = emu.messages()
    assert len(messages) == 2, "the recovery went out once"
    assert messages[1]["message"].startswith(f"Resolved {eventid}: Load too high on {HOST} after ")

    # A refusal for good: the alert fails with the code and its remedy in the action log.
    emu.add_fault("error", endpoint="send", code=3000, count=None)
    fire(server, api, triggerid)
    wait_for("the refused alert's reason in Zabbix", lambda: any("GoSMS error 3000" in a["error"] for a in alerts()),
             timeout=DELIVERY_TIMEOUT)
    (refused,) = [a for a in alerts() if a["error"]]
    assert TABLE[3000].remedy in refused["error"]
    assert SECRET not in str(alerts())
