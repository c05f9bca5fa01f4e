"""The Procfile and app.json describe a deployable app: process types, importable commands, add-ons."""

import importlib
import importlib.util
import json
import shlex
from pathlib import Path

from cryptography.fernet import Fernet

from portal.config import parse_encryption_keys

ROOT = Path(__file__).resolve().parent.parent


def procfile() -> dict[str, str]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if line.strip())


def test_procfile_has_release_web_worker_and_clock():
    assert set(procfile()) == {"release", "web", "worker", "clock"}


def test_procfile_commands_point_at_importable_code():
    commands = {name: shlex.split(command) for name, command in procfile().items()}
    assert commands["release"][:3] == ["flask", "--app", "portal:create_app"]
    assert commands["release"][3:] == ["db", "upgrade"]
    module, attr = commands["web"][1].split(":")
    assert commands["web"][0] == "gunicorn" and importlib.util.find_spec(module) and attr == "app"
    timeout = int(commands["web"][commands["web"].index("--timeout") + 1])
    assert timeout < 30  # the Heroku router gives up after 30 s
    for name in ("worker", "clock"):
        assert commands[name][:2] == ["python", "-m"]
        assert hasattr(importlib.import_module(commands[name][2]), "main")


def test_app_json_names_addons_formation_and_secrets():
    manifest = json.loads((ROOT / "app.json").read_text())
    assert {addon["plan"].split(":")[0] for addon in manifest["addons"]} == {"heroku-postgresql", "heroku-redis"}
    assert set(manifest["formation"]) == {"web", "worker", "clock"}
    assert all(spec["quantity"] == 1 for spec in manifest["formation"].values())
    assert manifest["env"]["SECRET_KEY"]["generator"] == "secret"
    assert manifest["env"]["QBO_CLIENT_ID"]["required"] is True
    assert set(procfile()) - {"release"} == set(manifest["formation"])


def test_a_generated_secret_works_as_an_encryption_key():
    generated = "4f" * 32  # what app.json's "generator": "secret" produces: 64 hex characters
    [key] = parse_encryption_keys(generated)
    assert Fernet(key).decrypt(Fernet(key).encrypt(b"token")) == b"token"
    assert parse_encryption_keys(generated) == [key]
