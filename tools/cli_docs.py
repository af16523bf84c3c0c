#!/usr/bin/env python3
"""Generate secexport's shell completions and man page from the binary's own --help texts.

Run by the build after the binary links (CMakeLists.txt), so the completions and the man page
always describe the options the code has:

    python3 tools/cli_docs.py BINARY OUT_DIR     # writes OUT_DIR/secexport.bash, _secexport, secexport.1

The tests import read_cli() too, to check that the deploy files (deploy/) use only options and
environment variables the binary documents. The parser reads CLI11's help layout: a description,
a `Usage:` line, then sections (`Options:`, `Positionals:`, `Subcommands:` and option groups such as
`AWS:`) whose entries start at column 2 and whose descriptions continue on lines indented further.
Standard library only.
"""

from __future__ import annotations

import argparse
import datetime
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

PROGRAM = "secexport"
# Environment variables the help texts name (AWS_* read by the credential chain, SECEXPORT_*).
ENV_RE = re.compile(r"\b(?:SECEXPORT|AWS)_[A-Z0-9_]*[A-Z0-9]\b")


@dataclass
class Option:
    names: list[str]
    group: str
    description: str = ""
    value: str | None = None  # CLI11's type name (TEXT, UINT, FLOAT); None for a flag
    choices: list[str] = field(default_factory=list)
    default: str | None = None
    repeatable: bool = False

    @property
    def long(self) -> str:
        return next((n for n in self.names if n.startswith("--")), self.names[0])

    @property
    def value_kind(self) -> str:
        """What the value is, for completion: choice, file, dir, or text."""
        if self.choices:
            return "choice"
        name = self.long
        if name.endswith("-dir"):
            return "dir"
        if name.endswith(("-file", "-path")) or name == "--config":
            return "file"
        return "text"


@dataclass
class Positional:
    name: str
    description: str
    required: bool

    @property
    def is_file(self) -> bool:
        return bool(re.search(r"\bfile\b", self.description, re.I))


@dataclass
class Command:
    path: list[str]
    description: str = ""
    usage: str = ""
    options: list[Option] = field(default_factory=list)
    positionals: list[Positional] = field(default_factory=list)
    subcommands: dict[str, "Command"] = field(default_factory=dict)
    summaries: dict[str, str] = field(default_factory=dict)  # subcommand -> its line in the list
    help_text: str = ""

    @property
    def name(self) -> str:
        return " ".join([PROGRAM, *self.path])

    def option(self, name: str) -> Option | None:
        return next((o for o in self.options if name in o.names), None)

    def walk(self):
        yield self
        for sub in self.subcommands.values():
            yield from sub.walk()

    def find(self, path: list[str]) -> "Command | None":
        command = self
        for word in path:
            command = command.subcommands.get(word)
            if command is None:
                return None
        return command

    def env_names(self) -> set[str]:
        return set(ENV_RE.findall(self.help_text))


def run_help(binary: str, path: list[str]) -> str:
    env = dict(os.environ)
    # A sanitizer build's leak check is no concern of a help text (and needs ptrace rights).
    env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":detect_leaks=0"
    # argv[0] is the program's name, so the usage lines say `secexport`, not the build path.
    out = subprocess.run([PROGRAM, *path, "--help"], executable=binary, env=env, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"`{PROGRAM} {' '.join(path)} --help` exited {out.returncode}: {out.stderr.strip()}")
    return out.stdout


SECTION_RE = re.compile(r"^(\S[^:]*):\s*$")
ENTRY_RE = re.compile(r"^  (\S+)(?: ((?:(?!  ).)*))?(?: {2,}(.*))?$")


def parse_value_spec(option: Option, spec: str) -> None:
    spec = spec.strip()
    if spec.endswith(" ..."):
        option.repeatable = True
        spec = spec[: -len(" ...")]
    spec = spec.removesuffix(" REQUIRED")
    # CLI11's annotations after the type: an environment variable, options needed or excluded.
    if (m := re.search(r"\(Env:([^)]*)\)", spec)) is not None:
        option.description = (option.description + f" (environment: {m.group(1)})").strip()
    spec = re.sub(r"\s*\(Env:[^)]*\)|(?:^|\s+)(?:Needs|Excludes):.*$", "", spec).strip()
    if not spec:
        return
    if (m := re.search(r"=([^=\]}]*)$", spec)) is not None:
        option.default = m.group(1)
        spec = spec[: m.start()]
    option.value = spec.split(":", 1)[0]
    if (m := re.search(r"\{([^}]*)\}", spec)) is not None:
        option.choices = [c for c in m.group(1).split(",") if c]


def parse_help(path: list[str], text: str) -> Command:
    command = Command(path=path, help_text=text)
    lines = text.splitlines()
    usage_at = next(i for i, line in enumerate(lines) if line.startswith("Usage: "))
    command.description = " ".join(line.strip() for line in lines[:usage_at] if line.strip())
    command.usage = re.sub(r"^Usage: \S+", PROGRAM, lines[usage_at])
    section = ""
    last: Option | Positional | None = None
    last_sub: str | None = None
    for line in lines[usage_at + 1 :]:
        if not line.strip():
            continue
        if (m := SECTION_RE.match(line)) is not None:
            section, last, last_sub = m.group(1), None, None
            continue
        if line.startswith("   "):  # a description continued below a long entry
            more = line.strip()
            if last_sub is not None:
                command.summaries[last_sub] = (command.summaries[last_sub] + " " + more).strip()
            elif last is not None:
                last.description = (last.description + " " + more).strip()
            continue
        m = ENTRY_RE.match(line)
        if m is None:
            raise ValueError(f"{command.name} --help: cannot read line {line!r}")
        head, spec, description = m.group(1), m.group(2) or "", (m.group(3) or "").strip()
        last, last_sub = None, None
        if section == "Subcommands":
            command.summaries[head] = (spec + "  " + description).strip() if spec else description
            last_sub = head
        elif section == "Positionals":
            last = Positional(head, description, "REQUIRED" in spec)
            command.positionals.append(last)
        else:
            last = Option(names=head.split(","), group=section, description=description)
            parse_value_spec(last, spec)
            command.options.append(last)
    return command


def read_cli(binary: str, path: list[str] | None = None) -> Command:
    """The command tree below `path`, each node parsed from its own --help."""
    path = path or []
    command = parse_help(path, run_help(binary, path))
    for name in command.summaries:
        command.subcommands[name] = read_cli(binary, [*path, name])
    return command


def read_version(binary: str) -> str:
    out = subprocess.run([PROGRAM, "--version"], executable=binary, capture_output=True, text=True, check=True)
    return out.stdout.strip()


def global_options(root: Command) -> list[Option]:
    """The top level's options other than --help: they work after a subcommand too."""
    return [o for o in root.options if "--help" not in o.names]


def all_options(root: Command, command: Command) -> list[Option]:
    own = {n for o in command.options for n in o.names}
    return command.options + ([o for o in global_options(root) if not own & set(o.names)] if command.path else [])


def first_sentence(text: str, limit: int = 90) -> str:
    m = re.match(r"(.+?[.;])(?:\s|$)", text)
    s = m.group(1).rstrip(".;") if m else text
    return s if len(s) <= limit else s[: limit - 3].rstrip() + "..."


# --------------------------------------------------------------------------------------------
# bash


def bash_quote(words) -> str:
    return "'" + " ".join(words).replace("'", "'\\''") + "'"


def bash_completion(root: Command) -> str:
    commands, values = [], []
    for c in root.walk():
        opts = all_options(root, c)
        names = [n for o in opts for n in o.names]
        takes = [n for o in opts if o.value for n in o.names]
        files = "file" if any(p.is_file for p in c.positionals) else "''"
        commands.append(
            f"    {bash_quote(c.path)})\n"
            f"      subs={bash_quote(c.subcommands)}\n"
            f"      opts={bash_quote(names)}\n"
            f"      args={bash_quote(takes)}\n"
            f"      positional={files} ;;"
        )
        for o in c.options:
            if not o.value:
                continue
            kind = o.value_kind
            action = {"choice": f"words={bash_quote(o.choices)}", "file": "kind=file", "dir": "kind=dir"}.get(kind)
            if action:
                scope = bash_quote(c.path) if c.path else "*"
                for n in o.names:
                    pattern = f"{scope}' {n}'" if c.path else f"*' {n}'"
                    values.append(f"    {pattern}) {action} ;;")
    return BASH_TEMPLATE.format(commands="\n".join(commands), values="\n".join(values), program=PROGRAM)


BASH_TEMPLATE = r"""# bash completion for {program}                              -*- shell-script -*-
# Generated from `{program} --help` by tools/cli_docs.py at build time; do not edit.

# The subcommands, options, options that take a value, and whether positionals are files, of one
# command path ('' for the top level, 'tenant save' for a nested one).
__{program}_command() {{
  case "$1" in
{commands}
    *) subs='' opts='' args='' positional='' ;;
  esac
}}

# The values of option $2 of command path $1: a word list, or files or directories.
__{program}_value() {{
  words='' kind=''
  case "$1 $2" in
{values}
  esac
}}

_{program}() {{
  local cur=${{COMP_WORDS[COMP_CWORD]}} path='' word value_of='' i
  local subs opts args positional words kind
  COMPREPLY=()
  __{program}_command ''
  for ((i = 1; i < COMP_CWORD; i++)); do
    word=${{COMP_WORDS[i]}}
    if [[ $word == -* ]]; then
      # An option that takes a value consumes the next word (bash splits --opt=value at '=').
      if [[ " $args " == *" $word "* ]]; then
        if ((i + 1 < COMP_CWORD)) && [[ ${{COMP_WORDS[i + 1]}} == = ]]; then ((i++)); fi
        if ((i + 1 == COMP_CWORD)); then value_of=$word; fi
        ((i++))
      fi
    elif [[ " $subs " == *" $word "* ]]; then
      path=${{path:+$path }}$word
      __{program}_command "$path"
    fi
  done
  [[ $cur == = ]] && cur=''
  if [[ -n $value_of ]]; then
    __{program}_value "$path" "$value_of"
    if [[ $kind == file ]]; then
      compopt -o filenames 2>/dev/null
      COMPREPLY=($(compgen -f -- "$cur"))
    elif [[ $kind == dir ]]; then
      compopt -o filenames 2>/dev/null
      COMPREPLY=($(compgen -d -- "$cur"))
    elif [[ -n $words ]]; then
      COMPREPLY=($(compgen -W "$words" -- "$cur"))
    fi
  elif [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
  elif [[ -n $subs ]]; then
    COMPREPLY=($(compgen -W "$subs" -- "$cur"))
  elif [[ $positional == file ]]; then
    compopt -o filenames 2>/dev/null
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
  return 0
}}
complete -F _{program} {program}
"""

# --------------------------------------------------------------------------------------------
# zsh


def zsh_escape(text: str) -> str:
    """Text inside a single-quoted _arguments spec's [description] or _describe item."""
    text = text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]").replace(":", "\\:")
    return text.replace("'", "'\\''")


def zsh_option_specs(option: Option) -> list[str]:
    desc = zsh_escape(first_sentence(option.description or option.long))
    if "--help" in option.names or "--version" in option.names:
        exclusive = "(- *)"  # nothing else on the line matters
    else:
        exclusive = "*" if option.repeatable else ""
    spec = f"[{desc}]"
    if option.value:
        action = {"choice": "(" + " ".join(option.choices) + ")", "file": "_files", "dir": "_files -/"}
        # `--name=` takes the value in the same word after = or in the next word
        spec = f"=[{desc}]:{zsh_escape(option.value.lower())}:{action.get(option.value_kind, ' ')}"
    return [f"'{exclusive}{name}{spec}'" for name in option.names]


def zsh_function_name(command: Command) -> str:
    return "_" + "_".join([PROGRAM, *command.path]).replace("-", "_")


def zsh_completion(root: Command) -> str:
    out = [
        f"#compdef {PROGRAM}",
        f"# zsh completion for {PROGRAM}. Generated from `{PROGRAM} --help` by tools/cli_docs.py at build",
        "# time; do not edit.",
        "",
    ]
    for c in root.walk():
        specs = [s for o in all_options(root, c) for s in zsh_option_specs(o)]
        out.append(f"{zsh_function_name(c)}() {{")
        if c.subcommands:
            out.append("  local curcontext=$curcontext state line ret=1")
            out.append("  typeset -A opt_args")
            args = specs + ["'1: :->command'", "'*:: :->argument'"]
            out.append("  _arguments -C -s \\\n    " + " \\\n    ".join(args) + " && ret=0")
            items = " ".join(f"'{zsh_escape(name)}:{zsh_escape(first_sentence(c.summaries[name]))}'" for name in c.subcommands)
            out.append("  case $state in")
            out.append(f"    command)\n      local -a commands=({items})")
            out.append(f"      _describe -t commands '{' '.join([PROGRAM, *c.path])} command' commands && ret=0 ;;")
            out.append("    argument)")
            out.append(f"      curcontext=${{curcontext%:*:*}}:{PROGRAM}-$line[1]:")
            out.append("      case $line[1] in")
            for name, sub in c.subcommands.items():
                out.append(f"        ({name}) {zsh_function_name(sub)} && ret=0 ;;")
            out.append("      esac ;;")
            out.append("  esac")
            out.append("  return ret")
        else:
            args = list(specs)
            for i, p in enumerate(c.positionals, 1):
                args.append(f"'{i}:{zsh_escape(p.name.lower())}:{'_files' if p.is_file else ' '}'")
            out.append("  _arguments -s \\\n    " + " \\\n    ".join(args))
        out.append("}")
        out.append("")
    out.append(f'{zsh_function_name(root)} "$@"')
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------------------------
# man page


def roff(text: str) -> str:
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return "\n".join(("\\&" + line if line[:1] in ".'" else line) for line in text.splitlines())


def man_option(option: Option) -> list[str]:
    names = ", ".join(f"\\fB{roff(n)}\\fR" for n in option.names)
    if option.value:
        names += " \\fI" + roff("|".join(option.choices) if option.choices else option.value) + "\\fR"
    if option.repeatable:
        names += " ..."
    text = option.description
    if option.default:
        text += f" (default: {option.default})"
    return [".TP", names, roff(text)]


def man_page(root: Command, version: str) -> str:
    # The page's date: SOURCE_DATE_EPOCH for reproducible builds, else the day it was built.
    date = datetime.datetime.fromtimestamp(int(os.environ.get("SOURCE_DATE_EPOCH", time.time())), datetime.timezone.utc)
    summary = root.description.split(": ", 1)[-1]
    summary = first_sentence(summary, 200)
    out = [
        f'.TH {PROGRAM.upper()} 1 {date:%Y-%m-%d} "{roff(version)}" "User Commands"',
        ".SH NAME",
        f"{PROGRAM} \\- {roff(summary)}",
        ".SH SYNOPSIS",
        f".B {PROGRAM}",
        "[\\fIGLOBAL OPTIONS\\fR] \\fICOMMAND\\fR [\\fIOPTIONS\\fR]",
        ".SH DESCRIPTION",
        roff(root.description),
        ".PP",
        f"Every command has \\fB\\-\\-help\\fR. This page is generated from those texts.",
        ".SH GLOBAL OPTIONS",
        "Before or after the command.",
    ]
    for o in root.options:
        out += man_option(o)
    out.append(".SH COMMANDS")
    for c in root.walk():
        if not c.path:
            continue
        out.append(f'.SS "{roff(c.usage)}"')
        out.append(roff(c.description))
        for p in c.positionals:
            out += [".TP", f"\\fI{roff(p.name)}\\fR", roff(p.description)]
        group = None
        for o in c.options:
            if "--help" in o.names:
                continue
            if o.group != group and o.group != "Options":
                out += [".PP", f"\\fI{roff(o.group)}:\\fR"]
            group = o.group
            out += man_option(o)
        if c.subcommands:
            out += [".PP", "Commands: " + ", ".join(f"\\fB{roff(' '.join([PROGRAM, *c.path, s]))}\\fR" for s in c.subcommands) + "."]
    env: dict[str, list[str]] = {}
    for c in root.walk():
        for name in c.env_names():
            env.setdefault(name, []).append(c.name)
    if env:
        out += [".SH ENVIRONMENT", "Named in the help texts of these commands; see there for what each does."]
        for name in sorted(env):
            out += [".TP", f"\\fB{roff(name)}\\fR", roff(", ".join(sorted(set(env[name]))))]
    out += [
        ".SH SEE ALSO",
        "README.md and docs/OPERATIONS.md in the source tree; the deploy recipes in deploy/.",
    ]
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("binary", help="the secexport binary")
    parser.add_argument("out_dir", help="where to write secexport.bash, _secexport and secexport.1")
    args = parser.parse_args(argv)
    root = read_cli(args.binary)
    version = read_version(args.binary).split(" (")[0]
    out = Path(args.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files = {
        f"{PROGRAM}.bash": bash_completion(root),
        f"_{PROGRAM}": zsh_completion(root),
        f"{PROGRAM}.1": man_page(root, version),
    }
    for name, text in files.items():
        (out / name).write_text(text)  # always: the build compares its time with the binary's
    return 0


if __name__ == "__main__":
    sys.exit(main())
