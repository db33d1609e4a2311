"""deploy/: the systemd units parse, restart what dies, and hold no secret."""

from __future__ import annotations

import getpass
import grp
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
UNITS = ROOT / "deploy" / "systemd"
ENV_EXAMPLE = ROOT / "deploy" / "parcours.env.example"
SERVICES = sorted(UNITS.glob("*.service"))
SECRET_NAME = re.compile(r"TOKEN|SECRET|PASSWORD|KEY|SID", re.I)


def parse(path: Path) -> dict[str, list[tuple[str, str]]]:
    """systemd's syntax: sections, repeated keys allowed, # comments."""
    sections: dict[str, list[tuple[str, str]]] = {}
    current = None
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            assert line.endswith("]"), f"{path.name}: {line}"
            current = sections.setdefault(line[1:-1], [])
            continue
        assert current is not None and "=" in line, f"{path.name}: {line}"
        key, value = line.split("=", 1)
        current.append((key.strip(), value.strip()))
    return sections


def values(section: list[tuple[str, str]], key: str) -> list[str]:
    return [value for name, value in section if name == key]


def env_example() -> dict[str, str]:
    pairs = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            key, value = line.split("=", 1)
            pairs[key] = value
    return pairs


def test_the_four_processes_have_a_unit():
    names = {path.name for path in SERVICES}
    assert names == {
        "parcours-backend.service",
        "parcours-worker@.service",
        "parcours-rasa.service",
        "parcours-actions.service",
    }


@pytest.mark.parametrize("path", SERVICES, ids=lambda p: p.name)
def test_a_unit_restarts_its_process_and_reads_settings_from_the_environment_file(path):
    unit = parse(path)
    service = unit["Service"]
    assert values(service, "Restart") == ["always"]
    assert float(values(service, "RestartSec")[0]) > 0
    assert values(service, "EnvironmentFile") == ["/etc/parcours/parcours.env"]
    assert values(service, "User") == ["parcours"]
    assert values(service, "NoNewPrivileges") == ["yes"]
    assert values(unit["Install"], "WantedBy") == ["multi-user.target"]
    [command] = values(service, "ExecStart")
    program = command.split()[0]
    assert program.startswith("/opt/parcours/.venv")
    # The interpreter the unit names is the one the repository builds.
    assert (ROOT / program.removeprefix("/opt/parcours/")).exists()
    # Every variable it uses is set in the environment file.
    for name in re.findall(r"\$\{(\w+)\}", command):
        assert name in env_example(), f"{path.name}: {name} not in parcours.env.example"


@pytest.mark.parametrize("path", SERVICES, ids=lambda p: p.name)
def test_no_secret_in_a_unit(path):
    for key, value in parse(path)["Service"]:
        if key == "Environment":
            name = value.split("=", 1)[0]
            assert not SECRET_NAME.search(name), f"{path.name}: {value}"
        assert "CHANGE-ME" not in value


def test_the_environment_file_example_holds_no_real_secret():
    for name, value in env_example().items():
        if SECRET_NAME.search(name) and name != "RASA_TRACKER_DB":
            assert value in ("", "CHANGE-ME"), name
    assert "CHANGE-ME" in env_example()["DATABASE_URL"]


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
def test_systemd_accepts_the_units(tmp_path):
    """`systemd-analyze verify` on copies pointing at this checkout (it checks that the
    programs exist); any warning (an unknown key, a bad value) fails."""
    user, group = getpass.getuser(), grp.getgrgid(os.getgid()).gr_name
    for path in [*UNITS.glob("*.service"), *UNITS.glob("*.target")]:
        text = (
            path.read_text()
            .replace("/etc/parcours/parcours.env", str(ENV_EXAMPLE))
            .replace("/opt/parcours", str(ROOT))
            .replace("User=parcours", f"User={user}")
            .replace("Group=parcours", f"Group={group}")
        )
        name = path.name.replace("@.service", "@1.service")
        (tmp_path / name).write_text(text)
    units = sorted(str(p) for p in tmp_path.iterdir())
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *units],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode == 0 and result.stderr == "", result.stderr
