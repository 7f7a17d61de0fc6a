"""What the Zabbix tests share: the media type as shipped, and Zabbix's own engine to run its script.

The script is taken from zabbix/gosms.yaml, the file users import, and run by ``zabbix_js`` from
Debian's zabbix-server-pgsql: the Duktape build and the HttpRequest object the Zabbix server itself
uses, so nothing here stands in for Zabbix.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
MEDIA_TYPE_FILE = ROOT / "zabbix" / "gosms.yaml"
SECRET = "tok-4c2e9a7b1d6f0385e2a9-ZBXSECRET"
"""The test account's token: recognisable, so a leak anywhere is found by a plain substring test."""
PHONE = "79991234567"
ENGINE_TRACE = "In zbx_es_execute() param:"
"""zabbix_js's own debug line that echoes the whole input (token included) before the script runs."""


def media_type() -> dict[str, Any]:
    """The one media type in the export file, as Zabbix reads it."""
    data = yaml.safe_load(MEDIA_TYPE_FILE.read_text(encoding="utf-8"))
    (media,) = data["zabbix_export"]["media_types"]
    return dict(media)


def default_params() -> dict[str, str]:
    return {p["name"]: p["value"] for p in media_type()["parameters"]}


def zabbix_js() -> str:
    path = shutil.which("zabbix_js")
    if path is None:
        raise AssertionError("zabbix_js is not installed: run scripts/setup.sh --zabbix")
    return path


@dataclass
class Run:
    """One run of the webhook: Zabbix's verdict and everything it printed."""

    ok: bool
    result: str
    """The script's return value when it succeeded, else the error it threw."""
    output: str
    """Everything zabbix_js printed (the script's Zabbix.log lines at debug level included)."""

    @property
    def script_output(self) -> str:
        """The output without the engine's echo of its input: what the script itself logged or threw."""
        return "\n".join(line for line in self.output.splitlines() if ENGINE_TRACE not in line)


def run_webhook(script: Path, params: dict[str, Any], tmp_path: Path, *, escaped: bool = False,
                timeout: int = 20) -> Run:
    """Run the media type's script as Zabbix's alerter does: the parameters as a JSON object in ``value``.

    Zabbix writes text as UTF-8; ``escaped`` writes every non-ASCII character as a JSON escape instead.
    """
    values = {**default_params(), **params}
    source = tmp_path / "params.json"
    source.write_text(json.dumps(values, ensure_ascii=escaped), encoding="utf-8")
    done = subprocess.run([zabbix_js(), "-s", str(script), "-i", str(source), "-l", "4", "-t", str(timeout)],
                          capture_output=True, text=True, timeout=timeout + 30, check=False)
    output = done.stdout + done.stderr
    failed = "cannot execute script: "
    if failed in output:
        return Run(False, output.split(failed, 1)[1].strip(), output)
    marker = "zbx_es_execute() output:'"
    if done.returncode != 0 or marker not in output:
        raise AssertionError(f"zabbix_js neither returned nor threw (exit {done.returncode}):\n{output}")
    return Run(True, output.split(marker, 1)[1].split("'\n", 1)[0], output)
