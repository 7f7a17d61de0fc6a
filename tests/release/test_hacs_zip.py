"""The HACS release zip by itself: unpacked into an empty config folder, Home Assistant loads it."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

from PIL import Image

from .conftest import ROOT, VENV, VERSION, run

# Runs inside Home Assistant's test harness (pytest-homeassistant-custom-component) in a separate
# pytest process whose only custom_components is the unpacked zip: the loader cannot fall back on the
# checkout's copy.
LOAD_TEST = '''
import threading

from homeassistant.config_entries import ConfigEntryState
from pytest_homeassistant_custom_component.common import MockConfigEntry

import custom_components.gosms as integration
from custom_components.gosms.const import CONF_API_TOKEN, CONF_API_URL, DOMAIN
from gosms.emulator import Emulator

TOKEN = "zip-release-token"


async def test_the_unpacked_integration_loads(hass, enable_custom_integrations, socket_enabled):
    assert integration.__file__.startswith(CONFIG_DIR), integration.__file__
    with Emulator(tokens=[TOKEN]) as emulator:
        entry = MockConfigEntry(domain=DOMAIN, title="zip", unique_id="zip",
                                data={CONF_API_TOKEN: TOKEN, CONF_API_URL: emulator.url})
        entry.add_to_hass(hass)
        assert await hass.config_entries.async_setup(entry.entry_id)
        await hass.async_block_till_done()
        assert entry.state is ConfigEntryState.LOADED
        assert await hass.config_entries.async_unload(entry.entry_id)
        await hass.async_block_till_done()
    for thread in threading.enumerate():
        if "process_request_thread" in thread.name:
            thread.join(timeout=5)
'''

PYTEST_INI = """[pytest]
asyncio_mode = auto
asyncio_default_fixture_loop_scope = function
"""


def test_zip_matches_hacs_json(dist: Path) -> None:
    hacs = json.loads((ROOT / "hacs.json").read_text(encoding="utf-8"))
    assert hacs["zip_release"] is True
    with zipfile.ZipFile(dist / hacs["filename"]) as archive:
        names = archive.namelist()
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest["domain"] == "gosms" and manifest["version"] == VERSION
    assert hacs["name"] == manifest["name"]
    assert {"__init__.py", "config_flow.py", "strings.json", "translations/en.json"} <= set(names)
    assert [n for n in names if "__pycache__" in n or n.endswith((".pyc", "ruff.toml"))] == []


def test_zip_carries_the_brand_icons(dist: Path) -> None:
    """HACS refuses an integration without brand images; Home Assistant reads them from brand/."""
    with zipfile.ZipFile(dist / "gosms.zip") as archive:
        for name, size in (("brand/icon.png", 256), ("brand/icon@2x.png", 512)):
            with Image.open(io.BytesIO(archive.read(name))) as icon:
                assert (icon.format, icon.size, icon.mode) == ("PNG", (size, size), "RGBA"), name
                # Transparent corners around the shape, as the brands repository asks.
                assert icon.getpixel((0, 0))[3] == 0, name


def test_unpacked_into_an_empty_config_folder_it_loads(dist: Path, tmp_path: Path,
                                                        clean_env: dict[str, str]) -> None:
    config = tmp_path / "config"
    target = config / "custom_components" / "gosms"
    target.mkdir(parents=True)
    (config / "custom_components" / "__init__.py").write_text("", encoding="utf-8")
    with zipfile.ZipFile(dist / "gosms.zip") as archive:
        archive.extractall(target)
    (config / "pytest.ini").write_text(PYTEST_INI, encoding="utf-8")
    (config / "test_load.py").write_text(f"CONFIG_DIR = {str(config)!r}\n{LOAD_TEST}", encoding="utf-8")
    result = run(VENV / "bin" / "python", "-m", "pytest", "-p", "no:sugar", "-p", "no:cacheprovider", "-q",
                 "test_load.py", cwd=config, env=clean_env)
    assert result.returncode == 0, result.stdout[-4000:]
    assert "1 passed" in result.stdout
