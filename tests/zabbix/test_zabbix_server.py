"""End to end with a real Zabbix 6.0 server: a trigger fires, the SMS is in the emulator; it resolves,
the recovery SMS follows.

The media type is imported through the API from zabbix/gosms.yaml as a user would import the file;
the token is a secret global macro; the alert goes from the trapper value through the trigger, the
action and Zabbix's own alerter to the emulator over loopback.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from zabbix_live import Frontend, Postgres, ZabbixAPI, ZabbixServer, temp_root, wait_for
from zabbix_support import MEDIA_TYPE_FILE, PHONE, SECRET

from gosms.emulator import Emulator

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
def zabbix(postgres: Postgres) -> Iterator[tuple[ZabbixServer, ZabbixAPI]]:
    """A fresh Zabbix (a clone of the template database), its server and its API, logged in as Admin."""
    database = postgres.clone(f"zabbix_{time.monotonic_ns()}")
    with temp_root("gosms-zbx-") as root:
        server = ZabbixServer(root, postgres, database)
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


def set_up_alerting(api: ZabbixAPI, emu: Emulator) -> dict[str, str]:
    """What the README tells a user to do: import, macro, user media, action; plus a host to alert on."""
    api.call("configuration.import", {
        "format": "yaml", "source": MEDIA_TYPE_FILE.read_text(encoding="utf-8"),
        "rules": {"mediaTypes": {"createMissing": True, "updateExisting": True}},
    })
    (media,) = api.call("mediatype.get", {"filter": {"name": "GoSMS"}, "output": "extend",
                                          "selectParameters": "extend"})
    parameters = [dict(p, value=emu.url) if p["name"] == "api_url" else p for p in media["parameters"]]
    api.call("mediatype.update", {"mediatypeid": media["mediatypeid"], "parameters": parameters})
    api.call("usermacro.createglobal", {"macro": "{$GOSMS.TOKEN}", "value": SECRET, "type": 1})
    (admin,) = api.call("user.get", {"filter": {"username": "Admin"}, "output": ["userid"]})
    api.call("user.update", {"userid": admin["userid"], "medias": [{
        "mediatypeid": media["mediatypeid"], "sendto": "+7 (999) 123-45-67", "active": 0, "severity": 63,
        "period": "1-7,00:00-24:00"}]})
    group = api.call("hostgroup.create", {"name": "GoSMS test"})["groupids"][0]
    host = api.call("host.create", {"host": HOST, "groups": [{"groupid": group}]})["hostids"][0]
    api.call("item.create", {"hostid": host, "name": "Load", "key_": KEY, "type": 2, "value_type": 3})
    trigger = api.call("trigger.create", {"description": "Load too high",
                                          "expression": f"last(/{HOST}/{KEY})>5", "priority": 4})["triggerids"][0]
    api.call("action.create", {
        "name": "Page by GoSMS", "eventsource": 0, "status": 0, "esc_period": "1h",
        "filter": {"evaltype": 0, "conditions": [{"conditiontype": 2, "operator": 0, "value": trigger}]},
        "operations": [{"operationtype": 0, "opmessage": {"default_msg": 1, "mediatypeid": media["mediatypeid"]},
                        "opmessage_usr": [{"userid": admin["userid"]}]}],
        # "Notify all involved": everyone the problem was sent to, except whoever made the update.
        "recovery_operations": [{"operationtype": 11, "opmessage": {"default_msg": 1}}],
        "update_operations": [{"operationtype": 12, "opmessage": {"default_msg": 1}}],
    })
    return {"mediatypeid": media["mediatypeid"], "triggerid": trigger}


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


def wait_for_sms(emu: Emulator, count: int, api: ZabbixAPI) -> list[dict[str, Any]]:
    try:
        return list(wait_for(f"{count} SMS in the emulator",
                             lambda: len(emu.messages()) >= count and emu.messages(), timeout=DELIVERY_TIMEOUT))
    except AssertionError as exc:
        alerts = api.call("alert.get", {"output": ["alerttype", "status", "error", "subject", "sendto"]})
        raise AssertionError(f"{exc}\nZabbix's alerts: {alerts}") from None


def test_a_problem_and_its_recovery_page_by_sms(zabbix: tuple[ZabbixServer, ZabbixAPI], tmp_path: Path) -> None:
    server, api = zabbix
    with Emulator(tokens=[SECRET]) as emu:
        ids = set_up_alerting(api, emu)

        send_until_taken(server, "10")
        (problem,) = wait_for_sms(emu, 1, api)
        (event,) = api.call("problem.get", {"objectids": [ids["triggerid"]], "output": ["eventid"]})
        assert problem["message"].startswith(f"Problem {event['eventid']}: Load too high on {HOST}, High, since ")
        assert problem["phone_number"] == PHONE

        operator(api).call("event.acknowledge", {"eventids": [event["eventid"]], "action": 6,
                                                 "message": "on it | ~now"})
        update = wait_for_sms(emu, 2, api)[1]
        assert update["message"] == (f"Update {event['eventid']}: Night Operator (operator) acknowledged and "
                                     f"commented Load too high on {HOST}. on it / -now")

        send_until_taken(server, "0")
        recovery = wait_for_sms(emu, 3, api)[2]
        assert recovery["message"].startswith(f"Resolved {event['eventid']}: Load too high on {HOST} after ")

        alerts = api.call("alert.get", {"eventids": [event["eventid"]], "output": "extend",
                                        "filter": {"mediatypeid": ids["mediatypeid"]}})
        assert SECRET not in str(alerts), "the secret macro's value is kept out of the alerts Zabbix stores"
        assert alerts and all(a["status"] == "1" and a["error"] == "" for a in alerts), alerts
        assert len(emu.messages()) == 3, "one SMS per alert, none twice"
        assert all(SECRET not in m["message"] for m in emu.messages())
