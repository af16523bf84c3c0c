"""The deploy recipes and what `cmake --install` puts in place, checked without a container engine,
a cluster or a running systemd (CTest label `deploy`, one test per class):

  VersionTest     --version names the version, the commit and the build type; the build-info
                  script follows HEAD, marks a dirty tree and says "unknown" outside git
  InstallTest     cmake --install puts the binary, the bash and zsh completions and the man page in
                  place; the completions complete; the man page renders without warnings
  ImageTest       Dockerfile: two stages on Debian 12, the final one slim, non-root, only the binary
                  copied in, and its package list provides every library ldd finds in the binary
  KubernetesTest  deploy/kubernetes: the YAML parses; the CronJob, the indexed Job and the IRSA
                  service account; every flag and environment variable exists in --help; sharding,
                  the store's Secrets, securityContext and memory agree with the flags
  SystemdTest     deploy/systemd: systemd-analyze verify; timer at 00:00 UTC; flags and environment
                  in --help; hardening; the store key as a credential

Environment (set by tests/CMakeLists.txt): SECEXPORT_BIN, SECEXPORT_BUILD_DIR, SECEXPORT_VERSION,
SECEXPORT_BUILD_TYPE, SECEXPORT_SANITIZE.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import tempfile
import unittest
from functools import cache
from pathlib import Path

from deploy_checks import (
    PROCESS_OVERHEAD,
    SOURCE_DIR,
    buffer_memory,
    byte_size,
    cli,
    debian_package_of,
    dockerfile_stages,
    exec_form,
    linked_libraries,
    load_yaml,
    parse_command_line,
    read_unit,
    seconds,
    undocumented_env,
    unit_environment,
)

BIN = os.environ.get("SECEXPORT_BIN", str(SOURCE_DIR / "build/debug/secexport"))
BUILD_DIR = os.environ.get("SECEXPORT_BUILD_DIR", str(SOURCE_DIR / "build/debug"))
VERSION = os.environ.get("SECEXPORT_VERSION", "")
BUILD_TYPE = os.environ.get("SECEXPORT_BUILD_TYPE", "")
SANITIZE = os.environ.get("SECEXPORT_SANITIZE", "").upper() in ("ON", "1", "TRUE", "YES")
DEPLOY = SOURCE_DIR / "deploy"
ENV = {**os.environ, "ASAN_OPTIONS": os.environ.get("ASAN_OPTIONS", "") + ":detect_leaks=0"}

# The library packages of debian:12-slim (bookworm-slim), so the image need not install them.
# Source: docker-library/repo-info, repos/debian/local/bookworm-slim.md (image of 2026-09-18,
# amd64), its "Binary Packages" lists; libssl3 and ca-certificates are not in it.
BOOKWORM_SLIM_LIBRARIES = frozenset("""
    libacl1 libapt-pkg6.0 libattr1 libaudit1 libblkid1 libbz2-1.0 libc6 libcap-ng0 libcap2
    libcom-err2 libcrypt1 libdb5.3 libdebconfclient0 libext2fs2 libffi8 libgcc-s1 libgcrypt20
    libgmp10 libgnutls30 libgpg-error0 libhogweed6 libidn2-0 liblz4-1 liblzma5 libmd0 libmount1
    libnettle8 libp11-kit0 libpam0g libpcre2-8-0 libseccomp2 libselinux1 libsemanage2 libsepol2
    libsmartcols1 libss2 libstdc++6 libsystemd0 libtasn1-6 libtinfo6 libudev1 libunistring2
    libuuid1 libxxhash0 libzstd1 zlib1g
""".split())
# Packages the final stage may install although the binary does not link them, and why.
IMAGE_EXTRAS = {"ca-certificates": "the CAs that verify S3's and STS's certificates"}
# The sanitizer runtimes a SECEXPORT_SANITIZE build links; the release image has none.
SANITIZER_PACKAGES = re.compile(r"lib(asan|ubsan|lsan|tsan)\d+$")


def run(args, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, env=kw.pop("env", ENV), **kw)


@cache
def installed_prefix() -> Path:
    """`cmake --install BUILD --prefix TMP`, once per test process."""
    prefix = Path(tempfile.mkdtemp(prefix="secexport-install-"))
    out = run(["cmake", "--install", BUILD_DIR, "--prefix", str(prefix)])
    if out.returncode != 0:
        raise AssertionError(f"cmake --install failed ({out.returncode}):\n{out.stdout}\n{out.stderr}")
    return prefix


def tearDownModule():
    if installed_prefix.cache_info().currsize:
        shutil.rmtree(installed_prefix(), ignore_errors=True)


def final_and_builder():
    stages = dockerfile_stages((SOURCE_DIR / "Dockerfile").read_text())
    return stages[-1], stages[:-1]


# ============================================================================================


class VersionTest(unittest.TestCase):
    VERSION_RE = re.compile(r"^secexport (\S+) \(commit (\S+), (\S+) build\)$")

    def test_version_names_version_commit_and_build_type(self):
        out = run([BIN, "--version"])
        self.assertEqual(out.returncode, 0, out.stderr)
        lines = out.stdout.splitlines()
        self.assertEqual(len(lines), 1, out.stdout)
        m = self.VERSION_RE.match(lines[0])
        self.assertIsNotNone(m, f"--version printed {lines[0]!r}")
        version, commit, build_type = m.groups()
        self.assertEqual(version, VERSION)
        self.assertEqual(build_type, BUILD_TYPE)
        head = run(["git", "-C", str(SOURCE_DIR), "rev-parse", "--short", "HEAD"]) if shutil.which("git") else None
        if head is not None and head.returncode == 0:
            self.assertRegex(commit, r"^[0-9a-f]{7,}(-dirty)?$")
            self.assertEqual(commit.removesuffix("-dirty"), head.stdout.strip(),
                             "the binary names another commit than HEAD: rebuild (the header follows HEAD at build time)")
        else:
            self.assertEqual(commit, "unknown")

    def build_info(self, source: Path, output: Path, *extra: str) -> str:
        out = run(["cmake", f"-DSOURCE_DIR={source}", f"-DOUTPUT={output}", "-DBUILD_TYPE=Release", *extra,
                   "-P", str(SOURCE_DIR / "cmake/build_info.cmake")])
        self.assertEqual(out.returncode, 0, out.stderr)
        text = output.read_text()
        self.assertIn('#define SECEXPORT_BUILD_TYPE "Release"', text)
        return re.search(r'#define SECEXPORT_GIT_COMMIT "([^"]*)"', text).group(1)

    @unittest.skipUnless(shutil.which("git"), "git is not installed")
    def test_build_info_follows_head_and_marks_a_dirty_tree(self):
        with tempfile.TemporaryDirectory() as tmp:
            repo, header = Path(tmp, "repo"), Path(tmp, "out/secexport_build_info.hpp")
            git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@example.com"]
            repo.mkdir()
            self.assertEqual(run([*git, "init", "-q"]).returncode, 0)
            (repo / "f.txt").write_text("one\n")
            run([*git, "add", "f.txt"])
            run([*git, "commit", "-qm", "one"])
            first = run([*git, "rev-parse", "--short", "HEAD"]).stdout.strip()
            self.assertEqual(self.build_info(repo, header), first)

            # Unchanged: the header is not rewritten, so nothing that includes it recompiles.
            before = header.stat().st_mtime_ns
            os.utime(header, ns=(before - 10**9, before - 10**9))
            self.assertEqual(self.build_info(repo, header), first)
            self.assertEqual(header.stat().st_mtime_ns, before - 10**9)

            (repo / "f.txt").write_text("two\n")
            self.assertEqual(self.build_info(repo, header), first + "-dirty")
            run([*git, "commit", "-qam", "two"])
            second = run([*git, "rev-parse", "--short", "HEAD"]).stdout.strip()
            self.assertNotEqual(first, second)
            self.assertEqual(self.build_info(repo, header), second)
            (repo / "untracked.txt").write_text("not part of the build\n")
            self.assertEqual(self.build_info(repo, header), second)

    def test_build_info_outside_git_and_given_commit(self):
        with tempfile.TemporaryDirectory() as tmp:
            header = Path(tmp, "secexport_build_info.hpp")
            self.assertEqual(self.build_info(Path(tmp), header), "unknown")
            self.assertEqual(self.build_info(Path(tmp), header, "-DCOMMIT=abc1234"), "abc1234")


# ============================================================================================


class InstallTest(unittest.TestCase):
    FILES = {
        "bin/secexport": "the binary",
        "share/bash-completion/completions/secexport": "bash completion",
        "share/zsh/site-functions/_secexport": "zsh completion",
        "share/man/man1/secexport.1": "man page",
    }

    @classmethod
    def setUpClass(cls):
        cls.prefix = installed_prefix()
        cls.bash_file = cls.prefix / "share/bash-completion/completions/secexport"
        cls.zsh_file = cls.prefix / "share/zsh/site-functions/_secexport"
        cls.man_file = cls.prefix / "share/man/man1/secexport.1"

    def test_files_are_installed(self):
        for rel, what in self.FILES.items():
            self.assertTrue((self.prefix / rel).is_file(), f"{what} not installed at {rel}")
        self.assertTrue(os.access(self.prefix / "bin/secexport", os.X_OK))
        out = run([self.prefix / "bin/secexport", "--version"])
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertTrue(out.stdout.startswith(f"secexport {VERSION} "), out.stdout)

    # --- bash -----------------------------------------------------------------------------------

    def complete_bash(self, *words: str) -> set[str]:
        """COMPREPLY of the completion function for the command line `words`, the last being
        the word under the cursor."""
        script = 'source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _secexport; printf "%s\\n" "${COMPREPLY[@]}"'
        out = run(["bash", "--norc", "--noprofile", "-c", script, "bash", str(self.bash_file), *words])
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(out.stderr, "")
        return {w for w in out.stdout.splitlines() if w}

    def help_options(self, *path: str) -> set[str]:
        """Long options at the start of --help's entries (read here without tools/cli_docs.py)."""
        text = run([BIN, *path, "--help"]).stdout
        return set(re.findall(r"^  (?:-\w,)?(--[\w-]+)", text, re.M))

    def test_bash_completion_is_registered(self):
        out = run(["bash", "--norc", "--noprofile", "-c", 'source "$1" && complete -p secexport', "bash", str(self.bash_file)])
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(out.stdout.strip(), "complete -F _secexport secexport")

    def test_bash_completes_commands_and_options(self):
        self.assertEqual(self.complete_bash("secexport", "ex"), {"export"})
        self.assertEqual(self.complete_bash("secexport", "tenant", "sa"), {"save"})
        self.assertEqual(self.complete_bash("secexport", "--log-format", "json", "tenant", "re"), {"rekey", "remove"})
        expected = {o for o in self.help_options("export") if o.startswith("--pa")}
        self.assertTrue({"--payload", "--part-size"} <= expected)
        self.assertEqual(self.complete_bash("secexport", "export", "--pa"), expected)
        # Options taking a value consume it; global options work after the command.
        self.assertEqual(self.complete_bash("secexport", "export", "--bucket", "run", "--pa"), expected)
        self.assertIn("--log-level", self.complete_bash("secexport", "run", "--log-"))
        every_option = self.complete_bash("secexport", "tenant", "save", "--")
        self.assertTrue(self.help_options("tenant", "save") <= every_option)

    def test_bash_completes_values(self):
        self.assertEqual(self.complete_bash("secexport", "--log-level", ""), {"debug", "info", "warn", "error", "off"})
        self.assertEqual(self.complete_bash("secexport", "--log-level", "=", "w"), {"warn"})
        self.assertEqual(self.complete_bash("secexport", "export", "--on-bad-event", "s"), {"skip"})
        self.assertEqual(self.complete_bash("secexport", "export", "--bucket", ""), set())
        with tempfile.TemporaryDirectory() as tmp:
            Path(tmp, "dir1").mkdir()
            Path(tmp, "doc2").write_text("x")
            stem = str(Path(tmp, "d"))
            self.assertEqual(self.complete_bash("secexport", "run", "--tenants-dir", stem), {stem + "ir1"})
            self.assertEqual(self.complete_bash("secexport", "run", "--store-key-file", stem), {stem + "ir1", stem + "oc2"})
            self.assertEqual(self.complete_bash("secexport", "upload", stem), {stem + "ir1", stem + "oc2"})

    # --- zsh ------------------------------------------------------------------------------------

    def test_zsh_completion_parses_and_completes(self):
        zsh = shutil.which("zsh")
        if not zsh:
            self.skipTest("zsh is not installed (tools/install-deps.sh installs it): the zsh completion is unchecked")
        out = run([zsh, "-n", str(self.zsh_file)])
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertTrue(self.zsh_file.read_text().startswith("#compdef secexport\n"))
        self.assertEqual(self.complete_zsh(zsh, "secexport ex"), {"export"})
        self.assertEqual(self.complete_zsh(zsh, "secexport tenant sa"), {"save"})
        self.assertTrue({"--payload", "--part-size"} <= self.complete_zsh(zsh, "secexport export --pa"))
        self.assertEqual(self.complete_zsh(zsh, "secexport --log-level "), {"debug", "info", "warn", "error", "off"})

    def complete_zsh(self, zsh: str, line: str) -> set[str]:
        """The matches zsh's completion system offers for `line` + TAB, captured in a pseudo
        terminal (zsh/zpty) with compadd wrapped to print what it is given."""
        driver = ZSH_DRIVER.replace("@FPATH@", str(self.zsh_file.parent))
        with tempfile.TemporaryDirectory() as home:
            out = run([zsh, "-f", "-c", driver, "zsh", line], env={**ENV, "HOME": home, "ZDOTDIR": home}, timeout=60)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        return set(re.findall(r"MATCH:([^\s\x1b]+)", out.stdout))

    # --- man ------------------------------------------------------------------------------------

    def test_man_page_renders_without_warnings(self):
        renderers = 0
        if shutil.which("groff"):
            renderers += 1
            out = run(["groff", "-man", "-Tutf8", "-ww", "-z", str(self.man_file)])
            self.assertEqual((out.returncode, out.stderr), (0, ""))
        if shutil.which("mandoc"):
            renderers += 1
            out = run(["mandoc", "-T", "lint", "-W", "warning", str(self.man_file)])
            self.assertEqual((out.returncode, out.stdout + out.stderr), (0, ""))
        if not renderers:
            self.skipTest("neither groff nor mandoc is installed: the man page is unchecked")

    @unittest.skipUnless(shutil.which("man"), "man is not installed")
    def test_man_page_documents_every_command_and_option(self):
        out = run(["man", "-l", str(self.man_file)], env={**ENV, "MANWIDTH": "200", "MANROFFOPT": "-rHY=0", "PAGER": "cat"})
        self.assertEqual(out.returncode, 0, out.stderr)
        text = re.sub(r".\x08", "", out.stdout).replace("\u2010", "-")
        for section in ("NAME", "SYNOPSIS", "DESCRIPTION", "COMMANDS", "ENVIRONMENT"):
            self.assertRegex(text, rf"(?m)^{section}$")
        root = cli(BIN)
        for command in root.walk():
            if command.path:
                self.assertIn(" ".join(["secexport", *command.path]), text)
            for option in command.options:
                self.assertIn(option.long, text, f"{option.long} of `{command.name}` is not in the man page")


# zsh: load the completion from the installed directory, then in a pseudo terminal type the line
# and TAB. compadd is wrapped to print each match it is given as MATCH:word; TAB runs a widget
# that completes and then prints a marker (split in the source, so the echoed command line never
# matches it), so the driver reads exactly until the completion has finished.
ZSH_DRIVER = r"""
zmodload zsh/zpty || exit 3
zpty z zsh -f -i
zpty -w z 'PS1="" PROMPT="" RPROMPT=""'
zpty -w z 'fpath=(@FPATH@ $fpath); autoload -Uz compinit; compinit -u -D'
zpty -w z 'compadd() { local -a __m; builtin compadd -O __m "$@"; print -rl -- ${__m/#/MATCH:} >&2; builtin compadd "$@" }'
zpty -w z 'zstyle ":completion:*" menu no; exec 2>/dev/tty'
zpty -w z 'mark-complete() { zle complete-word; print -u2 COMP""LETED; }; zle -N mark-complete; bindkey "^I" mark-complete'
zpty -w z 'print RE""ADY'
zpty -r z out '*READY*' || exit 4
zpty -w -n z "$1"$'\t'
zpty -r z out '*COMPLETED*' || exit 5
print -r -- ${out//$'\r'/}
zpty -d z
"""


# ============================================================================================


class ImageTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.final, cls.builders = final_and_builder()

    def test_two_stages_on_debian_12(self):
        self.assertTrue(self.builders, "the Dockerfile needs a builder stage and a final stage")
        builder = self.builders[-1]
        self.assertIn(builder.image, ("debian:12", "debian:bookworm"))
        self.assertIn(self.final.image, ("debian:12-slim", "debian:bookworm-slim"))
        self.assertTrue(any("cmake --preset release" in r for r in builder.all("RUN")),
                        "the builder must build the release preset")
        # The builder's packages are the ones CI installs (tools/install-deps.sh): one list of deps.
        install_deps = (SOURCE_DIR / "tools/install-deps.sh").read_text()
        for package in builder.apt_packages():
            listed = re.search(rf"(?m)^\s+[^#\n]*(?<![\w.+-]){re.escape(package)}(?![\w.+-])", install_deps)
            self.assertTrue(listed, f"builder package {package} is not in tools/install-deps.sh")

    def test_final_stage_runs_as_non_root_with_only_the_binary(self):
        users = self.final.all("USER")
        self.assertTrue(users, "the final stage sets no USER: it would run as root")
        user = users[-1].split(":")[0]
        self.assertNotIn(user, ("root", "0"))
        if not user.isdigit():
            self.assertTrue(any(user in r and re.search(r"\b(useradd|adduser)\b", r) for r in self.final.all("RUN")))
        self.assertEqual(self.final.all("ADD"), [], "ADD in the final stage: only the binary is copied in")
        copies = self.final.all("COPY")
        self.assertEqual(len(copies), 1, f"the final stage copies more than the binary: {copies}")
        words = copies[0].split()
        builder_names = {b.name for b in self.builders} | {str(i) for i in range(len(self.builders))}
        self.assertTrue(any(w.startswith("--from=") and w.removeprefix("--from=") in builder_names for w in words))
        source, target = [w for w in words if not w.startswith("--")]
        self.assertEqual(Path(source).name, "secexport")
        self.assertEqual(exec_form(self.final.all("ENTRYPOINT")[-1])[0], target)

    def test_dockerignore_keeps_build_trees_out(self):
        ignored = [l.strip().strip("/") for l in (SOURCE_DIR / ".dockerignore").read_text().splitlines()
                   if l.strip() and not l.startswith("#")]
        self.assertIn("build", ignored, "a host build tree in the context breaks the builder's configure")
        self.assertIn(".git", ignored)

    def check_libraries(self, binary: str, ignore=re.compile(r"$^")) -> None:
        paths, missing = linked_libraries(binary)
        self.assertEqual(missing, [], f"{binary}: libraries that do not resolve")
        self.assertTrue(paths)
        wanted = set(self.final.apt_packages())
        needed = set()
        for path in paths:
            package = debian_package_of(path)
            self.assertIsNotNone(package, f"{path} ({binary}) belongs to no Debian package")
            if ignore.match(package):
                continue
            needed.add(package)
            self.assertTrue(package in wanted or package in BOOKWORM_SLIM_LIBRARIES,
                            f"{binary} links {path} from {package}, which is neither in debian:12-slim nor in "
                            f"the final stage's apt-get install ({' '.join(sorted(wanted))})")
        for package in wanted - needed:
            self.assertIn(package, IMAGE_EXTRAS, f"the final stage installs {package}, which the binary does not use")

    def test_final_stage_packages_provide_every_library(self):
        # A sanitizer build links ASan/UBSan runtimes that the release preset (the image's) does not.
        self.check_libraries(BIN, SANITIZER_PACKAGES if SANITIZE else re.compile(r"$^"))

    def test_release_binary_libraries_if_built(self):
        release = SOURCE_DIR / "build/release/secexport"
        if not release.is_file():
            self.skipTest(f"{release} is not built (cmake --preset release && cmake --build --preset release)")
        self.check_libraries(str(release))


# ============================================================================================


class KubernetesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.root = cli(BIN)
        cls.docs = {}
        for path in sorted((DEPLOY / "kubernetes").glob("*.yaml")):
            docs = load_yaml(path)
            if docs is None:
                raise unittest.SkipTest("no YAML parser: neither PyYAML in this python3 nor Debian's python3-yaml")
            cls.docs[path.name] = docs
        cls.objects = [(name, d) for name, docs in cls.docs.items() for d in docs]
        cls.final, _ = final_and_builder()

    def of_kind(self, kind):
        return [(name, d) for name, d in self.objects if d.get("kind") == kind]

    def pod_templates(self):
        for name, d in self.of_kind("Job"):
            yield f"{name} (Job {d['metadata']['name']})", d["spec"], d["spec"]["template"]["spec"]
        for name, d in self.of_kind("CronJob"):
            job = d["spec"]["jobTemplate"]["spec"]
            yield f"{name} (CronJob {d['metadata']['name']})", job, job["template"]["spec"]

    def test_files_parse_and_hold_the_recipe(self):
        self.assertTrue(self.docs, "no YAML under deploy/kubernetes")
        for name, d in self.objects:
            self.assertIn("apiVersion", d, name)
            self.assertIn("kind", d, name)
        self.assertTrue(self.of_kind("Job") and self.of_kind("CronJob") and self.of_kind("ServiceAccount"))
        for name, cron in self.of_kind("CronJob"):
            self.assertEqual(cron["spec"]["schedule"], "0 0 * * *", name)
            self.assertEqual(cron["spec"]["timeZone"], "Etc/UTC", name)
            self.assertEqual(cron["spec"].get("concurrencyPolicy"), "Forbid", f"{name}: two passes would overlap")
        # The one-off Job runs exactly what the CronJob runs.
        templates = [t for _, t in ((n, d["spec"]["template"]) for n, d in self.of_kind("Job"))]
        templates += [d["spec"]["jobTemplate"]["spec"]["template"] for _, d in self.of_kind("CronJob")]
        for t in templates[1:]:
            self.assertEqual(t, templates[0], "the Job's and the CronJob's pod templates differ")

    def test_irsa_service_account(self):
        accounts = {d["metadata"]["name"]: d for _, d in self.of_kind("ServiceAccount")}
        for where, _, pod in self.pod_templates():
            self.assertIn(pod.get("serviceAccountName"), accounts, f"{where}: serviceAccountName")
            account = accounts[pod["serviceAccountName"]]
            arn = (account["metadata"].get("annotations") or {}).get("eks.amazonaws.com/role-arn", "")
            self.assertRegex(arn, r"^arn:aws:iam::\d{12}:role/[\w+=,.@/-]+$", f"{where}: IRSA annotation")

    def secexport_containers(self, pod):
        entrypoint = exec_form(self.final.all("ENTRYPOINT")[-1])
        for c in pod.get("initContainers", []) + pod["containers"]:
            if not c.get("command") or c["command"] == entrypoint:
                yield c

    def command_line(self, where, container):
        line = parse_command_line(self.root, [str(a) for a in container.get("args", [])], f"{where} {container['name']}")
        self.assertEqual(line.problems, [])
        return line

    def test_flags_and_environment_exist_in_help(self):
        for where, _, pod in self.pod_templates():
            for c in self.secexport_containers(pod):
                line = self.command_line(where, c)
                names = [e["name"] for e in c.get("env", [])]
                self.assertEqual(undocumented_env(self.root, line.command, names, f"{where} {c['name']}"), [])
                self.assertEqual(c.get("envFrom"), None, f"{where}: envFrom hides which variables are set")

    def test_image_matches_the_dockerfile(self):
        user = self.final.all("USER")[-1].split(":")
        for where, _, pod in self.pod_templates():
            security = pod.get("securityContext", {})
            self.assertIs(security.get("runAsNonRoot"), True, where)
            self.assertEqual(str(security.get("runAsUser")), user[0], f"{where}: runAsUser is not the image's USER")
            if len(user) > 1:
                self.assertEqual(str(security.get("runAsGroup")), user[1], where)
            for c in pod.get("initContainers", []) + pod["containers"]:
                repository, _, tag = c["image"].rpartition(":")
                self.assertEqual(repository.rsplit("/", 1)[-1], "secexport", f"{where} {c['name']}: image")
                self.assertEqual(tag, VERSION, f"{where} {c['name']}: the image tag is not this version")
                s = c.get("securityContext", {})
                self.assertIs(s.get("allowPrivilegeEscalation"), False, f"{where} {c['name']}")
                self.assertIs(s.get("readOnlyRootFilesystem"), True, f"{where} {c['name']}")
                self.assertIn("ALL", s.get("capabilities", {}).get("drop", []), f"{where} {c['name']}")

    def test_sharding_matches_the_job(self):
        for where, job, pod in self.pod_templates():
            for c in self.secexport_containers(pod):
                line = self.command_line(where, c)
                if line.command.option("--shard-count") is None:
                    continue
                count = line.values.get("--shard-count")
                if job.get("completionMode") == "Indexed":
                    self.assertIsNotNone(count, f"{where}: an Indexed Job without --shard-count runs every tenant in every pod")
                if count is not None:
                    self.assertEqual(job.get("completionMode"), "Indexed", f"{where}: --shard-count needs JOB_COMPLETION_INDEX")
                    self.assertEqual(int(job["completions"]), int(count), f"{where}: completions != --shard-count")
                    self.assertLessEqual(int(job.get("parallelism", 1)), int(count), where)

    def mount_of(self, container, path):
        """The volume mount that holds `path`, the deepest one."""
        mounts = [m for m in container.get("volumeMounts", [])
                  if path == m["mountPath"] or path.startswith(m["mountPath"].rstrip("/") + "/")]
        return max(mounts, key=lambda m: len(m["mountPath"]), default=None)

    def secret_sources(self, pod, volume_name):
        """The Secrets a volume's files come from: itself, or those an init container copies in."""
        volumes = {v["name"]: v for v in pod.get("volumes", [])}
        volume = volumes[volume_name]
        if "secret" in volume:
            return {volume["secret"]["secretName"]: volume}
        sources = {}
        for init in pod.get("initContainers", []):
            mounts = init.get("volumeMounts", [])
            if any(m["name"] == volume_name and not m.get("readOnly") for m in mounts):
                for m in mounts:
                    v = volumes[m["name"]]
                    if "secret" in v:
                        self.assertIs(m.get("readOnly"), True, f"init container {init['name']} mounts {m['name']} writable")
                        sources[v["secret"]["secretName"]] = v
        return sources

    def test_store_comes_from_secrets_read_only(self):
        for where, _, pod in self.pod_templates():
            for c in self.secexport_containers(pod):
                line = self.command_line(where, c)
                if line.command.option("--tenants-dir") is None:
                    continue
                env = {e["name"]: e.get("value") for e in c.get("env", [])}
                store = line.values.get("--tenants-dir") or env.get("SECEXPORT_TENANTS_DIR")
                key = line.values.get("--store-key-file") or env.get("SECEXPORT_STORE_KEY_FILE")
                self.assertTrue(store, f"{where}: no --tenants-dir / SECEXPORT_TENANTS_DIR")
                secrets_of = {}
                for what, path in (("tenant store", store), ("store key", key)):
                    if not path:
                        continue
                    mount = self.mount_of(c, path)
                    self.assertIsNotNone(mount, f"{where}: the {what} {path} is on no volume")
                    self.assertIs(mount.get("readOnly"), True, f"{where}: the {what} is mounted writable")
                    volume = next(v for v in pod["volumes"] if v["name"] == mount["name"])
                    if "secret" in volume and pod.get("securityContext", {}).get("runAsUser", 0) != 0:
                        self.fail(f"{where}: the {what} is a Secret volume mounted directly; its files are root's "
                                  "(or group-readable with fsGroup), which secexport refuses for a non-root user. "
                                  "Copy it into a memory volume in an init container, as deploy/kubernetes does")
                    secrets_of[what] = self.secret_sources(pod, mount["name"])
                    self.assertTrue(secrets_of[what], f"{where}: the {what} comes from no Secret")
                    for secret in secrets_of[what].values():
                        mode = secret["secret"].get("defaultMode", 0o644)
                        self.assertEqual(mode & 0o007, 0, f"{where}: Secret volume {secret['name']} is world-readable")
                if key:
                    self.assertEqual(len(set(secrets_of["tenant store"]) | set(secrets_of["store key"])), 2,
                                     f"{where}: the store key must come from another Secret than the store")

    def test_resources_fit_the_memory_budget(self):
        for where, _, pod in self.pod_templates():
            for c in self.secexport_containers(pod):
                line = self.command_line(where, c)
                resources = c.get("resources", {})
                limit = resources.get("limits", {}).get("memory")
                request = resources.get("requests", {}).get("memory")
                self.assertTrue(limit and request and resources["requests"].get("cpu"), f"{where}: requests and limits")
                buffers = buffer_memory(line)
                self.assertGreaterEqual(byte_size(request), buffers,
                                        f"{where}: memory request below --tenant-concurrency x --max-memory")
                self.assertGreaterEqual(byte_size(limit), buffers + PROCESS_OVERHEAD,
                                        f"{where}: memory limit below the buffers plus {PROCESS_OVERHEAD >> 20} MiB")
                grace = seconds(line.value("--grace-period"))
                self.assertGreater(int(pod.get("terminationGracePeriodSeconds", 30)), grace,
                                   f"{where}: terminationGracePeriodSeconds must exceed --grace-period")


# ============================================================================================


class SystemdTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.root = cli(BIN)
        cls.units = {p.name: read_unit(p) for p in sorted((DEPLOY / "systemd").glob("*.service"))
                     + sorted((DEPLOY / "systemd").glob("*.timer"))}

    def services(self):
        return {n: u for n, u in self.units.items() if n.endswith(".service")}

    def exec_line(self, name, unit):
        argv = unit["Service"]["ExecStart"][-1].split()
        self.assertEqual(Path(argv[0].lstrip("-@:+!")).name, "secexport", name)
        line = parse_command_line(self.root, argv[1:], name)
        self.assertEqual(line.problems, [])
        return line

    def test_units_verify(self):
        analyze = shutil.which("systemd-analyze")
        if not analyze:
            self.skipTest("systemd-analyze is not installed: only the syntax of the units was read")
        prefix = installed_prefix()
        with tempfile.TemporaryDirectory() as tmp:
            # Copies whose ExecStart runs the installed binary (verify checks that it exists), with
            # the installed man page on MANPATH (verify checks Documentation=man:secexport(1)).
            for path in list((DEPLOY / "systemd").glob("*.service")) + list((DEPLOY / "systemd").glob("*.timer")):
                text = re.sub(r"(?m)^(ExecStart=[-@:+!]*)\S*/secexport\b", rf"\g<1>{prefix}/bin/secexport", path.read_text())
                Path(tmp, path.name).write_text(text)
            files = sorted(str(p) for p in Path(tmp).iterdir())
            out = run([analyze, "verify", *files], env={**ENV, "MANPATH": str(prefix / "share/man")}, cwd=tmp)
            self.assertEqual((out.returncode, out.stdout + out.stderr), (0, ""), "systemd-analyze verify")

    def test_timer_runs_at_midnight_utc(self):
        timers = {n: u for n, u in self.units.items() if n.endswith(".timer")}
        self.assertTrue(timers)
        for name, timer in timers.items():
            self.assertEqual(timer["Timer"]["OnCalendar"], ["*-*-* 00:00:00 UTC"], name)
            self.assertEqual(timer["Timer"].get("Persistent"), ["true"], f"{name}: a missed run must run at boot")
            service = timer["Timer"].get("Unit", [name.replace(".timer", ".service")])[0]
            self.assertIn(service, self.units, f"{name} starts {service}, which is not in deploy/systemd")
            self.assertEqual(self.exec_line(service, self.units[service]).command.path, ["run"])
            if shutil.which("systemd-analyze"):
                out = run(["systemd-analyze", "calendar", timer["Timer"]["OnCalendar"][0]])
                self.assertIn("Normalized form: *-*-* 00:00:00 UTC", out.stdout)
        self.assertTrue(any(self.exec_line(n, u).command.path == ["daemon"] for n, u in self.services().items()),
                        "no daemon service")

    def test_flags_and_environment_exist_in_help(self):
        for name, unit in self.services().items():
            line = self.exec_line(name, unit)
            env = unit_environment(unit["Service"])
            self.assertEqual(undocumented_env(self.root, line.command, env, name), [])

    def test_hardening_and_store_key_credential(self):
        for name, unit in self.services().items():
            s = unit["Service"]
            self.assertTrue(s.get("DynamicUser") == ["yes"] or s.get("User", ["root"])[-1] not in ("root", "0"), name)
            for key, value in (("ProtectSystem", "strict"), ("NoNewPrivileges", "yes"), ("ProtectHome", "yes"),
                               ("PrivateTmp", "yes"), ("CapabilityBoundingSet", ""), ("UMask", "0077")):
                self.assertEqual(s.get(key, [None])[-1], value, f"{name}: {key}")
            self.assertTrue(s.get("StateDirectory"), f"{name}: StateDirectory")
            env = unit_environment(s)
            key_file = env.get("SECEXPORT_STORE_KEY_FILE", "")
            credentials = {c.split(":", 1)[0] for c in s.get("LoadCredential", [])}
            self.assertRegex(key_file, r"^(%d|\$\{CREDENTIALS_DIRECTORY\})/", f"{name}: the store key is not a credential")
            self.assertIn(key_file.split("/", 1)[1], credentials, f"{name}: SECEXPORT_STORE_KEY_FILE names no LoadCredential")
            store = env.get("SECEXPORT_TENANTS_DIR", "")
            state = "/var/lib/" + s["StateDirectory"][-1].split()[0]
            self.assertTrue(store == state or store.startswith(state + "/"), f"{name}: the store is not in StateDirectory")

    def test_stop_and_memory_fit_the_flags(self):
        for name, unit in self.services().items():
            s, line = unit["Service"], self.exec_line(name, unit)
            stop = s.get("TimeoutStopSec", ["90"])[-1]
            self.assertGreater(float(stop.rstrip("s")), seconds(line.value("--grace-period")),
                               f"{name}: TimeoutStopSec must exceed --grace-period")
            self.assertIn("MemoryMax", s, name)
            self.assertGreaterEqual(byte_size(s["MemoryMax"][-1], binary_suffixes=True),
                                    buffer_memory(line) + PROCESS_OVERHEAD, f"{name}: MemoryMax")


if __name__ == "__main__":
    unittest.main()
