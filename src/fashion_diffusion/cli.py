"""The `fashion-diffusion` command: `generate` images, `log-run` a finished pipeline execution to
MLflow, `compare` the DVC experiments, start a `team-server` (MLflow behind a login). Bad input ends
with one line and exit status 1."""

from __future__ import annotations

import argparse
import sys

from .core.errors import InputError


class _OneLineParser(argparse.ArgumentParser):
    def error(self, message: str) -> None:
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def parser() -> argparse.ArgumentParser:
    from .generate import command as generate
    from .tracking import team_server

    top = _OneLineParser(prog="fashion-diffusion", description=__doc__.splitlines()[0])
    commands = top.add_subparsers(dest="command", required=True, parser_class=_OneLineParser)
    generate.add_arguments(commands.add_parser("generate", help="images of named classes from a trained model"))
    commands.add_parser("log-run", help="log the finished pipeline execution in this repository to MLflow")
    compare = commands.add_parser("compare", help="write reports/experiments.md from `dvc exp show`")
    compare.add_argument("--out", default="reports/experiments.md", help="the markdown file (a .png goes beside it)")
    team_server.add_arguments(
        commands.add_parser("team-server", help="an MLflow tracking server for a team, behind a login")
    )
    return top


def main(argv: list[str] | None = None) -> None:
    args = parser().parse_args(argv)
    try:
        if args.command == "generate":
            from .generate import command

            command.run(args)
        elif args.command == "log-run":
            from .tracking import log_later

            log_later.main()
        elif args.command == "team-server":
            from .tracking import team_server

            team_server.run(args)
        else:
            from .tracking import experiments

            experiments.main(args.out)
    except InputError as error:
        print(f"error: {error}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
