"""The ``lrwidget`` command (also ``python -m lrwidget``): ``demo`` and ``show``; see ``lrwidget --help``.

Arguments are all checked before any work (exit status 2 with the usage line); a command whose optional
packages are missing says in one line how to install them (exit status 1).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import NoReturn

from lrwidget.cli import arguments
from lrwidget.cli.extras import MissingExtra


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``argv`` (default: the process's arguments), run the command, return the exit status."""
    parser = arguments.parser()
    args, extras = parser.parse_known_args(argv)
    command = arguments.command_parser(parser, args.command)
    if extras:
        command.error(arguments.unknown_options(extras, command))
    if args.command is None:
        parser.print_help(sys.stderr)
        parser.exit(2, f"\n{parser.prog}: error: choose a command: demo or show\n")

    def fail(message: str) -> NoReturn:
        command.error(message)

    try:
        if args.command == "demo":
            arguments.check_demo(args, fail)
            from lrwidget.cli import demo

            return demo.run(args)
        arguments.check_show(args, fail)
        from lrwidget.cli import show

        return show.run(args, fail)
    except MissingExtra as exc:
        print(f"{parser.prog}: {exc}", file=sys.stderr)
        return 1


__all__ = ["main"]
