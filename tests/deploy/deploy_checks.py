"""What the deploy tests check, as functions: a secexport command line against the binary's own
--help, the Dockerfile's stages, byte sizes and memory quantities, systemd unit files, YAML.

Kept generic on purpose: the checks know no option by name except those whose meaning they
verify (--tenant-concurrency, --max-memory, --grace-period, --shard-count, the store's), and they
read defaults and choices from --help, so options added later are checked without edits here.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

SOURCE_DIR = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(SOURCE_DIR / "tools"))
import cli_docs  # noqa: E402  (tools/cli_docs.py: the --help parser the build uses too)

# What the process needs beside its buffers (--max-memory per tenant): code, heap, TLS, the
# event pages in flight outside the budget. A limit below buffers + this is a likely OOM kill.
PROCESS_OVERHEAD = 256 * 2**20


@cache
def cli(binary: str) -> cli_docs.Command:
    return cli_docs.read_cli(binary)


@cache
def documented_env() -> frozenset[str]:
    """Environment variables README.md and docs/OPERATIONS.md document."""
    text = "".join((SOURCE_DIR / p).read_text() for p in ("README.md", "docs/OPERATIONS.md"))
    return frozenset(cli_docs.ENV_RE.findall(text))


@dataclass
class CommandLine:
    command: cli_docs.Command
    values: dict[str, str | bool] = field(default_factory=dict)  # long option -> value (True: a flag)
    problems: list[str] = field(default_factory=list)

    def value(self, long: str) -> str | None:
        """The option's value on the line, else its default from --help."""
        v = self.values.get(long)
        if isinstance(v, str):
            return v
        option = self.command.option(long)
        return option.default if option else None


def parse_command_line(root: cli_docs.Command, argv: list[str], where: str) -> CommandLine:
    """Check argv (without the program) the way CLI11 would read it, from the --help texts."""
    line = CommandLine(root)
    i = 0
    while i < len(argv):
        word = argv[i]
        if word.startswith("-") and word != "-":
            name, eq, value = word.partition("=")
            option = line.command.option(name) or root.option(name)
            if option is None:
                near = next(iter(difflib.get_close_matches(name, [n for o in line.command.options for n in o.names], 1)), None)
                line.problems.append(f"{where}: {name} is not an option of `{line.command.name}`"
                                     + (f" (did you mean {near}?)" if near else "")
                                     + f"; see `{line.command.name} --help`")
            elif option.value:
                if not eq:
                    if i + 1 >= len(argv):
                        line.problems.append(f"{where}: {name} needs a value")
                        break
                    i += 1
                    value = argv[i]
                if option.choices and value not in option.choices:
                    line.problems.append(f"{where}: {name} {value!r} is not one of {', '.join(option.choices)}")
                line.values[option.long] = value
            elif eq:
                line.problems.append(f"{where}: {name} is a flag and takes no value")
            else:
                line.values[option.long] = True
        elif word in line.command.subcommands:
            line.command = line.command.subcommands[word]
        elif line.command.subcommands:
            line.problems.append(f"{where}: {word!r} is not a command of `{line.command.name}` "
                                 f"({', '.join(line.command.subcommands)})")
        i += 1
    if line.command.subcommands:
        line.problems.append(f"{where}: `{line.command.name}` needs a command ({', '.join(line.command.subcommands)})")
    return line


def undocumented_env(root: cli_docs.Command, command: cli_docs.Command, names, where: str) -> list[str]:
    """SECEXPORT_* and AWS_* names that neither the command's (or the top level's) --help nor
    README.md / docs/OPERATIONS.md mention. SECEXPORT_<OPTION> counts where --help says so."""
    known = root.env_names() | command.env_names() | documented_env()
    per_option = "SECEXPORT_<OPTION>" in command.help_text
    problems = []
    for name in names:
        if not cli_docs.ENV_RE.fullmatch(name) or name in known:
            continue
        if per_option and name.startswith("SECEXPORT_"):
            if command.option("--" + name.removeprefix("SECEXPORT_").lower().replace("_", "-")):
                continue
        problems.append(f"{where}: environment variable {name} is not documented by `{command.name} --help`, "
                        "`secexport --help`, README.md or docs/OPERATIONS.md")
    return problems


SIZE_UNITS = {"": 1, "b": 1, "k": 1000, "kb": 1000, "m": 10**6, "mb": 10**6, "g": 10**9, "gb": 10**9,
              "kib": 2**10, "mib": 2**20, "gib": 2**30, "ki": 2**10, "mi": 2**20, "gi": 2**30}


def byte_size(text: str, binary_suffixes: bool = False) -> int:
    """'256MiB' (secexport), '1536Mi' (Kubernetes); with binary_suffixes K/M/G are 1024-based
    (systemd's MemoryMax=)."""
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*", str(text))
    if not m:
        raise ValueError(f"not a size: {text!r}")
    unit = m.group(2).lower()
    if binary_suffixes and unit in ("k", "m", "g"):
        unit += "i"
    return int(float(m.group(1)) * SIZE_UNITS[unit])


def buffer_memory(line: CommandLine) -> int:
    """The most the command's buffers may take: --max-memory for each tenant exported at once."""
    per_tenant = byte_size(line.value("--max-memory") or "0")
    tenants = int(line.value("--tenant-concurrency") or 1)
    return per_tenant * tenants


def seconds(text: str | None) -> float:
    return float(text) if text else 0.0


# --------------------------------------------------------------------------------------------
# Dockerfile


@dataclass
class Stage:
    image: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def all(self, instruction: str) -> list[str]:
        return [args for instr, args in self.instructions if instr == instruction]

    def apt_packages(self) -> list[str]:
        packages = []
        for run in self.all("RUN"):
            for command in re.split(r"&&|;|\|\|", run):
                words = command.split()
                if "apt-get" in words and "install" in words:
                    packages += [w for w in words[words.index("install") + 1 :] if not w.startswith("-")]
        return packages


def dockerfile_stages(text: str) -> list[Stage]:
    stages: list[Stage] = []
    logical, buffer = [], ""
    for raw in text.splitlines():
        if raw.lstrip().startswith("#"):
            continue  # comments, also between continued lines
        if raw.rstrip().endswith("\\"):
            buffer += raw.rstrip()[:-1] + " "
            continue
        buffer += raw
        if buffer.strip():
            logical.append(buffer.strip())
        buffer = ""
    for line in logical:
        instruction, _, args = line.partition(" ")
        instruction, args = instruction.upper(), args.strip()
        if instruction == "FROM":
            words = [w for w in args.split() if not w.startswith("--")]
            name = words[2] if len(words) >= 3 and words[1].upper() == "AS" else None
            stages.append(Stage(words[0], name))
        elif stages:
            stages[-1].instructions.append((instruction, args))
    return stages


def exec_form(args: str) -> list[str]:
    return json.loads(args) if args.startswith("[") else args.split()


# --------------------------------------------------------------------------------------------
# shared libraries and Debian packages


def linked_libraries(binary: str) -> tuple[list[str], list[str]]:
    """Paths of the shared libraries the binary loads (ldd), and the ones that do not resolve."""
    out = subprocess.run(["ldd", binary], capture_output=True, text=True, check=True).stdout
    paths, missing = [], []
    for line in out.splitlines():
        if "not found" in line:
            missing.append(line.strip())
        elif m := re.match(r"\s*\S+\s+=>\s+(/\S+)", line):
            paths.append(m.group(1))
        elif m := re.match(r"\s*(/\S+)\s+\(", line):  # the dynamic loader
            paths.append(m.group(1))
    return paths, missing


def debian_package_of(path: str) -> str | None:
    """The Debian package that ships a file (dpkg -S), across the /usr merge and symlinks."""
    real = os.path.realpath(path)
    candidates = dict.fromkeys([path, real] + [p.removeprefix("/usr") if p.startswith("/usr/") else "/usr" + p
                                                for p in (path, real)])
    for candidate in candidates:
        out = subprocess.run(["dpkg", "-S", candidate], capture_output=True, text=True)
        if out.returncode == 0:
            return out.stdout.split(":", 1)[0].strip().split(",")[0]
    return None


# --------------------------------------------------------------------------------------------
# systemd units


def read_unit(path: Path) -> dict[str, dict[str, list[str]]]:
    """Sections of a unit file, each key with its values in order (keys may repeat)."""
    sections: dict[str, dict[str, list[str]]] = {}
    current = None
    text = path.read_text().replace("\\\n", " ")
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if m := re.fullmatch(r"\[([A-Za-z]+)\]", line):
            current = sections.setdefault(m.group(1), {})
            continue
        key, eq, value = line.partition("=")
        if current is None or not eq or not re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", key.strip()):
            raise ValueError(f"{path.name}:{number}: not a `Key=value` line inside a [Section]: {line!r}")
        current.setdefault(key.strip(), []).append(value.strip())
    return sections


def unit_environment(service: dict[str, list[str]]) -> dict[str, str]:
    env = {}
    for assignment in service.get("Environment", []):
        for word in assignment.split():
            name, _, value = word.strip('"').partition("=")
            env[name] = value
    return env


# --------------------------------------------------------------------------------------------
# YAML: PyYAML in this interpreter, else Debian's python3-yaml (tools/install-deps.sh) under
# /usr/bin/python3, which hands the documents over as JSON.


def load_yaml(path: Path) -> list | None:
    try:
        import yaml  # type: ignore[import-untyped]

        with open(path) as f:
            return [d for d in yaml.safe_load_all(f) if d is not None]
    except ImportError:
        pass
    debian_python = shutil.which("python3", path="/usr/bin")
    if debian_python:
        code = "import json, sys, yaml; print(json.dumps([d for d in yaml.safe_load_all(open(sys.argv[1])) if d is not None]))"
        out = subprocess.run([debian_python, "-c", code, str(path)], capture_output=True, text=True)
        if out.returncode == 0:
            return json.loads(out.stdout)
    return None
