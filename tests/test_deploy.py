"""deploy/ cannot drift from the code: settings, commands, services and ports, the torch pin (docs/deploy.md)."""

from __future__ import annotations

import re
import shlex

import pytest
import yaml

from qa import cli
from qa.config import ROOT, Settings, default
from web.security import MAX_BODY, MAX_HEADERS

DEPLOY = ROOT / "deploy"
COMPOSE = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
SERVICES = COMPOSE["services"]
CADDYFILE = (DEPLOY / "Caddyfile").read_text(encoding="utf-8")
DOCKERFILE = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
ENV_EXAMPLE = (DEPLOY / ".env.example").read_text(encoding="utf-8")
DOCS = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
MAKEFILE = (ROOT / "Makefile").read_text(encoding="utf-8")
FILES = {"deploy/compose.yaml": (DEPLOY / "compose.yaml").read_text(encoding="utf-8"), "deploy/.env.example": ENV_EXAMPLE,
         "deploy/Dockerfile": DOCKERFILE, "deploy/Caddyfile": CADDYFILE, "docs/deploy.md": DOCS}
APPS = [name for name, service in SERVICES.items() if (service.get("command") or [])[:2] == ["qa", "serve"]]
SIZE = {"KB": 1000, "KiB": 1024, "MB": 1000**2, "MiB": 1024**2}  # Caddy's units


def setting_names() -> set[str]:
    return {f"QA_{field.upper()}" for field in Settings.model_fields}


def parse(argv: list[str], monkeypatch: pytest.MonkeyPatch):
    """``qa argv`` through the real parser, without running the command; its arguments."""
    seen = []
    for name in cli.COMMANDS:
        monkeypatch.setitem(cli.COMMANDS, name, lambda args: seen.append(args) or 0)
    try:
        assert cli.main(argv) == 0
    except SystemExit as e:
        pytest.fail(f"qa {shlex.join(argv)} is refused by qa's parser (exit {e.code})")
    return seen[0]


def environment(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    return dict(item.split("=", 1) for item in env) if isinstance(env, list) else {k: str(v) for k, v in env.items()}


def dockerfile_env() -> dict[str, str]:
    """The ENV settings of the Dockerfile (KEY=VALUE, continued over lines)."""
    text = DOCKERFILE.replace("\\\n", " ")
    return dict(pair.split("=", 1) for line in re.findall(r"^ENV (.+)$", text, re.M) for pair in shlex.split(line))


@pytest.mark.parametrize("name", sorted(FILES))
def test_every_qa_variable_named_is_a_real_setting(name):
    named = set(re.findall(r"\bQA_[A-Z0-9_]+", FILES[name]))
    assert named, f"{name} names no setting: the check would pass for nothing"
    assert named <= setting_names(), f"{name} names settings that qa/config.py does not have: {named - setting_names()}"


def test_the_values_compose_and_the_image_give_are_ones_the_settings_accept():
    for env in [dockerfile_env(), *(environment(s) for s in SERVICES.values())]:
        values = {k[3:].lower(): v for k, v in env.items() if k.startswith("QA_")}
        Settings(**values)  # a ValidationError names the setting and the value


def test_the_compose_file_runs_two_instances_on_one_index_and_one_postgresql(monkeypatch):
    assert len(APPS) >= 2, APPS
    for name in APPS:
        app = SERVICES[name]
        env = environment(app)
        assert env["QA_DATABASE_URL"].startswith("postgresql+psycopg://") and "@postgres:" in env["QA_DATABASE_URL"]
        assert env["QA_STAFF_HTTP_LOOPBACK"] == "false"  # staff only through the proxy's https
        assert "index:/srv/index:ro" in app["volumes"] and env["QA_INDEX_DIR"] == "/srv/index"
        assert "ports" not in app, "an instance is reached through the proxy only"
        assert app["depends_on"]["postgres"]["condition"] == "service_healthy"
        # the proxy is trusted for X-Forwarded-* from its own fixed address, and only from it
        assert env["FORWARDED_ALLOW_IPS"] == SERVICES["caddy"]["networks"]["web"]["ipv4_address"]
    assert len({environment(SERVICES[n])["QA_DATABASE_URL"] for n in APPS}) == 1
    build = SERVICES["build"]
    assert parse(build["command"][1:], monkeypatch).command == "build"
    assert "index:/srv/index" in build["volumes"] and build["profiles"] == ["build"]
    postgres = SERVICES["postgres"]
    assert postgres["image"].startswith("postgres:") and "pg_isready" in postgres["healthcheck"]["test"]
    assert any(v.endswith(":/var/lib/postgresql/data") and v.split(":")[0] in COMPOSE["volumes"]
               for v in postgres["volumes"])


def test_every_variable_compose_reads_is_in_the_env_example_and_it_holds_no_real_secret():
    used = set(re.findall(r"\$\{(\w+)", FILES["deploy/compose.yaml"]))
    listed = set(re.findall(r"^(\w+)=", ENV_EXAMPLE, re.M))
    assert used and used <= listed, f"compose.yaml reads {used - listed}, which deploy/.env.example does not list"
    assert "change-me" in re.search(r"^POSTGRES_PASSWORD=(.*)$", ENV_EXAMPLE, re.M).group(1)
    assert ".env" in (DEPLOY / ".gitignore").read_text(encoding="utf-8").split()


def test_the_caddyfile_sends_to_the_instances_on_the_port_qa_serve_listens_on(monkeypatch):
    upstreams = re.search(r"^\s*reverse_proxy ([^{\n]+)", CADDYFILE, re.M).group(1).split()
    assert sorted(u.split(":")[0] for u in upstreams) == sorted(APPS)
    for upstream in upstreams:
        host, port = upstream.split(":")
        app = SERVICES[host]
        args = parse(app["command"][1:], monkeypatch)
        assert args.host == "0.0.0.0"  # noqa: S104 - inside the container, for the proxy
        assert int(port) == (args.port or int(environment(app).get("QA_PORT", default("port"))))
    caddy = SERVICES["caddy"]
    assert "./Caddyfile:/etc/caddy/Caddyfile:ro" in caddy["volumes"]
    placeholders = set(re.findall(r"\{\$(\w+)\}", CADDYFILE))
    assert placeholders and placeholders <= set(environment(caddy))
    assert {"80:80", "443:443"} <= set(caddy["ports"])


def test_the_proxys_limits_are_backstops_at_or_above_the_apps_own():
    def size(name: str) -> int:
        number, unit = re.search(rf"^\s*{name} (\d+)([KM]i?B)$", CADDYFILE, re.M).groups()
        return int(number) * SIZE[unit]

    # at or above: the app refuses first, with its own page or JSON and its headers (docs/security.md)
    assert MAX_BODY <= size("max_size") <= 4 * MAX_BODY
    assert MAX_HEADERS <= size("max_header_size") <= 4 * MAX_HEADERS
    read_header = int(re.search(r"^\s*read_header (\d+)s$", CADDYFILE, re.M).group(1))
    assert read_header == default("header_timeout")
    assert re.search(r"^\s*Strict-Transport-Security ", CADDYFILE, re.M)
    assert not re.search(r"^\s*log\b", CADDYFILE, re.M), "no request logging (README, Privacy)"


def test_the_dockerfile_installs_as_the_makefile_does_and_serves_as_qa_serve_accepts(monkeypatch):
    pin = re.findall(r"pip install .*?(torch==[\w.]+)", MAKEFILE)
    assert len(pin) == 1 and re.findall(r"(torch==[\w.]+)", DOCKERFILE) == pin  # the same CPU pin, once
    # torch first (a plain dependency would pull the CUDA build), then the project, then the export
    order = [DOCKERFILE.index(s) for s in (pin[0], 'pip install "/src[postgres]"', "RUN qa export-model")]
    assert order == sorted(order)
    assert "download.pytorch.org/whl/cpu" in DOCKERFILE
    assert re.findall(r"^FROM \$\{PYTHON_IMAGE\}", DOCKERFILE, re.M) and "ARG PYTHON_IMAGE=python:3.11-slim" in DOCKERFILE
    runtime = DOCKERFILE.split("AS runtime", 1)[1]
    assert re.search(r"^USER qa$", runtime, re.M) and "useradd" in runtime
    assert "torch" not in runtime.split("FROM runtime AS index")[0].replace("torch's", "")  # torch stays in build
    healthcheck = re.search(r"^HEALTHCHECK .*?\n(?!\s)", runtime, re.M | re.S).group(0)
    assert "/healthz" in healthcheck and "${QA_PORT}" in healthcheck
    cmd = re.search(r"^CMD (\[.*\])$", runtime, re.M).group(1)
    args = parse(yaml.safe_load(cmd)[1:], monkeypatch)
    assert args.command == "serve" and args.host == "0.0.0.0"  # noqa: S104
    assert dockerfile_env()["QA_PORT"] == "8000" and "EXPOSE 8000" in runtime
    for line in re.findall(r"^RUN (qa .+)$", DOCKERFILE, re.M):
        parse(shlex.split(line)[1:], monkeypatch)


def test_every_qa_command_the_docs_and_compose_give_is_one_qa_accepts(monkeypatch):
    lines = [cmd for text in (DOCS, FILES["deploy/compose.yaml"]) for cmd in re.findall(r"\bqa ([a-z][^`\n#]*)", text)]
    assert len(lines) > 10
    for line in lines:
        words = line.strip().rstrip(")").split()
        assert words[0] in cli.COMMANDS, f"'qa {line.strip()}' names no qa command"
    # the command lines in the docs' shell blocks, parsed whole (NAME stands for a staff name)
    blocks = "\n".join(re.findall(r"```sh\n(.*?)```", DOCS, re.S))
    for command in re.findall(r" (qa [a-z].*?)\s*(?:#.*)?$", blocks, re.M):
        parse(shlex.split(command)[1:], monkeypatch)
