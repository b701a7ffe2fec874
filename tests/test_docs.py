"""The README and docs/*.md as a newcomer uses them: the README fits on a few screens, every relative link
points to a file, and every command in a fenced block either runs (the cheap, read-only ones: `--help`,
`make -n`, `dvc dag`, ...) or names things that exist (a make target, a script, params.yaml keys, a stage,
a `fashion-diffusion` subcommand and its options). `classify` and RULES say which command gets which."""

from __future__ import annotations

import functools
import importlib.util
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from fashion_diffusion.config import load_params

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
README_MAX_LINES = 150
SHELL_LANGUAGES = {"bash", "sh", "shell", "console"}  # a block without a language is shell if its first word has a rule
FENCE = re.compile(r"^(?P<indent>\s*)```(?P<language>\S*)\s*$")
LINK = re.compile(r"!?\[[^\]]*\]\((?P<target>[^)\s]+)[^)]*\)")
ENV_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
SEPARATORS = {"&&", "||", ";", "|"}
TIMEOUT_S = 60


# --- The pages: fenced blocks, commands, links ---------------------------------------------------------------


def fenced_blocks(page: Path) -> list[tuple[int, str, str]]:
    """(line number of the block's first line, language, text dedented) of every fenced block of the page."""
    blocks, lines, i = [], page.read_text().splitlines(), 0
    while i < len(lines):
        opening = FENCE.match(lines[i])
        i += 1
        if not opening:
            continue
        start, indent = i, len(opening["indent"])
        while i < len(lines) and lines[i].strip() != "```":
            i += 1
        blocks.append((start + 1, opening["language"], "\n".join(line[indent:] for line in lines[start:i])))
        i += 1
    return blocks


def logical_lines(text: str) -> list[tuple[int, str]]:
    """(line offset, command) of a shell block: comments dropped; an open quote or a backslash at the end of a
    line continues the command on the next."""
    commands, pending, start, quote = [], "", 0, None
    for number, line in enumerate(text.splitlines()):
        start = start if pending else number
        code, quote = without_comment(line, quote)
        if quote:
            pending += code + "\n"
        elif code.endswith("\\"):
            pending += code[:-1] + " "
        else:
            commands.append((start, (pending + code).strip()))
            pending = ""
    commands.append((start, pending.strip()))  # an unclosed quote: shlex says so
    return [(offset, command) for offset, command in commands if command]


def without_comment(line: str, quote: str | None) -> tuple[str, str | None]:
    """The line up to its `#` comment, and the quote still open at its end (`quote`: the one open before it)."""
    for i, char in enumerate(line):
        if quote:
            quote = None if char == quote and line[i - 1 : i] != "\\" else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i].rstrip(), None
    return line, quote


def split_commands(command: str) -> list[list[str]]:
    """The simple commands of one line (`a && b; c | d` -> a, b, c, d) as argument lists."""
    lexer = shlex.shlex(command, posix=True, punctuation_chars=True)
    lexer.whitespace_split, lexer.commenters = True, ""
    simple, current = [], []
    for token in lexer:
        if token in SEPARATORS:
            simple, current = simple + [current], []
        else:
            current.append(token)
    return [argv for argv in simple + [current] if argv]


def page_commands(page: Path) -> list[tuple[str, list[str]]]:
    """('page:line', argv) of every command in the page's shell blocks."""
    found = []
    for first_line, language, text in fenced_blocks(page):
        if language == "console":  # a prompt marks a command; other lines are its output
            text = "\n".join(line[2:] for line in text.splitlines() if line.startswith("$ "))
        words = text.split()
        if language not in SHELL_LANGUAGES and not (language == "" and words and words[0] in PROGRAMS):
            continue
        for offset, command in logical_lines(text):
            for argv in split_commands(command):
                found.append((f"{page.relative_to(ROOT)}:{first_line + offset}", argv))
    return found


def relative_links(page: Path) -> list[str]:
    """Link targets of the page outside code that are paths in this repository (no scheme, no bare anchor)."""
    text = re.sub(r"```.*?```", "", page.read_text(), flags=re.S)
    text = re.sub(r"``.*?``|`[^`\n]*`", "", text, flags=re.S)
    targets = (match["target"] for match in LINK.finditer(text))
    return [t for t in targets if not re.match(r"[a-z][a-z0-9+.-]*:", t) and not t.startswith("#")]


# --- What exists: make targets, dvc commands and stages, CLI subcommands ----------------------------------------


def tool_env(argv_env: dict[str, str] | None = None) -> dict[str, str]:
    """This environment with the venv's bin (the interpreter running the tests) first on PATH."""
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    return {**os.environ, "PATH": path, **(argv_env or {})}


def output_of(*argv: str) -> str:
    result = subprocess.run(argv, cwd=ROOT, env=tool_env(), capture_output=True, text=True, timeout=TIMEOUT_S)
    assert result.returncode == 0, f"{shlex.join(argv)} failed:\n{result.stdout[-2000:]}{result.stderr[-2000:]}"
    return result.stdout


@functools.cache
def make_targets() -> set[str]:
    text = (ROOT / "Makefile").read_text()
    rules = re.findall(r"^([A-Za-z0-9_./ -]+?)\s*:(?![:=])", text, flags=re.M)
    return {name for names in rules for name in names.split() if not name.startswith(".")}


@functools.cache
def dvc_commands() -> set[str]:
    """The commands `dvc --help` lists, with their aliases (`experiments (exp)`)."""
    listed = re.findall(r"^ {4}(\S+)(?: \((\S+)\))?", output_of("dvc", "--help"), flags=re.M)
    return {name for pair in listed for name in pair if name}


@functools.cache
def dvc_stages() -> set[str]:
    return set(yaml.safe_load((ROOT / "dvc.yaml").read_text())["stages"])


@functools.cache
def cli_help(*subcommand: str) -> str:
    return output_of("fashion-diffusion", *subcommand, "--help")


# --- The checks: one per kind of command ---------------------------------------------------------------------


def without_env(argv: list[str]) -> tuple[dict[str, str], list[str]]:
    """`A=1 B=2 cmd args` -> ({A: 1, B: 2}, [cmd, args])."""
    count = next((i for i, word in enumerate(argv) if not ENV_ASSIGNMENT.match(word)), len(argv))
    return dict(word.split("=", 1) for word in argv[:count]), argv[count:]


def run(argv: list[str], env: dict[str, str]) -> None:
    """Run it for real from the repository root; it must exit 0."""
    result = subprocess.run(argv, cwd=ROOT, env=tool_env(env), capture_output=True, text=True, timeout=TIMEOUT_S)
    assert result.returncode == 0, f"exit {result.returncode}:\n{result.stdout[-2000:]}{result.stderr[-2000:]}"


def check_make(argv: list[str], env: dict[str, str]) -> None:
    targets = [word for word in argv[1:] if not word.startswith("-") and "=" not in word]
    assert targets, "name the make target"
    unknown = sorted(set(targets) - make_targets())
    assert not unknown, f"no such Makefile target: {unknown} (targets: {sorted(make_targets())})"


DVC_RUN_VALUE_OPTIONS = {"-S", "--set-param", "-n", "--name", "-j", "--jobs", "-m", "--message"}


def check_dvc_run(argv: list[str], env: dict[str, str]) -> None:
    """`dvc repro` / `dvc exp run`: every -S key=value is a valid override of params.yaml, every target a stage."""
    words = argv[3:] if argv[1] == "exp" else argv[2:]
    overrides, targets, i = {}, [], 0
    while i < len(words):
        if words[i] in DVC_RUN_VALUE_OPTIONS:
            if words[i] in ("-S", "--set-param"):
                key, _, value = words[i + 1].removeprefix("params.yaml:").partition("=")
                overrides[key] = yaml.safe_load(value)
            i += 2
            continue
        if not words[i].startswith("-"):
            targets.append(words[i])
        i += 1
    load_params(ROOT / "params.yaml", overrides)  # raises ParamsError naming a bad key or value
    unknown = sorted({target.split("@")[0] for target in targets} - dvc_stages())
    assert not unknown, f"no such stage in dvc.yaml: {unknown}"


def check_dvc(argv: list[str], env: dict[str, str]) -> None:
    assert len(argv) > 1 and argv[1] in dvc_commands(), f"`dvc --help` lists no command {argv[1:2]}"


def check_cli(argv: list[str], env: dict[str, str]) -> None:
    """A `fashion-diffusion` subcommand its --help lists, with options that subcommand's --help lists."""
    subcommands = re.search(r"\{([\w,-]+)\}", cli_help())[1].split(",")
    assert len(argv) > 1 and argv[1] in subcommands, f"fashion-diffusion has no subcommand {argv[1:2]}: {subcommands}"
    options = set(re.findall(r"--[\w-]+", cli_help(argv[1])))
    unknown = sorted({word for word in argv[2:] if word.startswith("--")} - options)
    assert not unknown, f"fashion-diffusion {argv[1]} has no options {unknown}"


def check_python_code(argv: list[str], env: dict[str, str]) -> None:
    compile(argv[2], "<python -c>", "exec")


def check_module(argv: list[str], env: dict[str, str]) -> None:
    assert importlib.util.find_spec(argv[2]) is not None, f"no module {argv[2]}"


def check_script(argv: list[str], env: dict[str, str]) -> None:
    script = next((word for word in argv[1:] if word.endswith(".py")), None)
    assert script and (ROOT / script).is_file(), f"no such script: {script}"


def check_paths(argv: list[str], env: dict[str, str]) -> None:
    missing = [word for word in argv[1:] if not word.startswith("-") and not (ROOT / word).exists()]
    assert not missing, f"no such file: {missing}"


def not_checked(argv: list[str], env: dict[str, str]) -> None:
    """Needs what a test does not have (a running server) or only changes the user's shell."""


def no_rule(argv: list[str], env: dict[str, str]) -> None:
    pytest.fail(f"no rule for `{shlex.join(argv)}`: add one to RULES in tests/test_docs.py")


def asks_for_help(argv: list[str]) -> bool:
    return argv[-1] in ("--help", "-h")


Check = Callable[[list[str], dict[str, str]], None]

# The first rule whose pattern matches a command (a predicate, or the words it starts with) says what happens.
RULES: list[tuple[Callable[[list[str]], bool] | tuple[str, ...], Check]] = [
    (asks_for_help, run),  # `fashion-diffusion generate --help`, `python tools/x.py --help`, `dvc exp run --help`
    (("make", "-n"), run),  # a dry run of any target
    (("dvc", "dag"), run),
    (("dvc", "status"), run),
    (("dvc", "metrics", "show"), run),
    (("ls",), run),
    (("cat",), run),
    (("make",), check_make),  # make repro, make push, make serve MODEL=...: the targets exist
    (("dvc", "exp", "run"), check_dvc_run),  # -S keys and values valid for params.yaml, targets are stages
    (("dvc", "repro"), check_dvc_run),
    (("dvc",), check_dvc),  # any other dvc command: one that `dvc --help` lists
    (("fashion-diffusion",), check_cli),
    (("python", "-c"), check_python_code),
    (("python", "-m"), check_module),
    (("python",), check_script),  # python tools/x.py, python stages/x.py
    (("torchrun",), check_script),
    (("pytest",), check_paths),
    (("source",), check_paths),
    (("export",), not_checked),  # sets the user's shell environment
    (("curl",), not_checked),  # asks a server the page has the user start
]
PROGRAMS = {pattern[0] for pattern, _ in RULES if isinstance(pattern, tuple)}


def classify(argv: list[str]) -> Check:
    """What the test does with one command (without its leading VAR=value words): the first matching rule."""
    for pattern, check in RULES:
        if pattern(argv) if callable(pattern) else argv[: len(pattern)] == list(pattern):
            return check
    return no_rule


# --- The tests -------------------------------------------------------------------------------------------------

COMMANDS = [command for page in PAGES for command in page_commands(page)]


def test_readme_is_a_front_door():
    lines = len((ROOT / "README.md").read_text().splitlines())
    assert lines <= README_MAX_LINES, f"README.md has {lines} lines; move detail to docs/ (at most {README_MAX_LINES})"


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(ROOT)))
def test_relative_links_point_to_files(page):
    missing = [t for t in relative_links(page) if not (page.parent / t.split("#")[0]).exists()]
    assert not missing, f"{page.relative_to(ROOT)} links to missing files: {missing}"


def test_the_extractor_finds_the_two_commands():
    """A broken extractor would find no command, and every command test would pass with none."""
    readme = [argv for where, argv in COMMANDS if where.startswith("README.md:")]
    assert ["make", "repro"] in readme and ["make", "test"] in readme


@pytest.mark.parametrize(("where", "argv"), COMMANDS, ids=[where for where, _ in COMMANDS])
def test_command_runs_or_names_what_exists(where, argv):
    env, command = without_env(argv)
    classify(command)(command, env)
