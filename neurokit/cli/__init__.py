"""The `neurokit` command line: thin wrappers over the library.

Each subcommand lives in its own module with two functions:
``add_parser(subparsers)`` declares its options and ``run(args)`` does the
work and returns the exit status.
"""

import argparse
import importlib
import logging
import os
import sys

from neurokit import __version__
from neurokit.errors import NeurokitError

# Subcommand name -> module in neurokit.cli that implements it.
SUBCOMMANDS = {
    "scaling": "neurokit.cli.scaling",
    "plot": "neurokit.cli.plot",
    "deploy": "neurokit.cli.deploy",
    "train": "neurokit.cli.train",
    "gdu": "neurokit.cli.gdu",
}


class OneLineParser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line, not usage plus error."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser():
    parser = OneLineParser(
        prog="neurokit",
        description="Spiking LMU memories and Equilibrium Propagation networks: "
        "simulate, deploy to the Loihi emulator, and measure error scaling.",
    )
    parser.add_argument("--version", action="version", version=f"neurokit {__version__}")
    parser.add_argument(
        "-v", "--verbose", action="count", default=0,
        help="log more detail to stderr (-v for info, -vv for debug)",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True,
                                       parser_class=OneLineParser)
    for name, module_name in SUBCOMMANDS.items():
        module = importlib.import_module(module_name)
        sub = module.add_parser(subparsers)
        sub.set_defaults(handler=module.run)
    return parser


def main(argv=None):
    parser = build_parser()
    args = parser.parse_args(argv)

    level = [logging.WARNING, logging.INFO, logging.DEBUG][min(args.verbose, 2)]
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")

    try:
        return args.handler(args) or 0
    except NeurokitError as error:
        print(f"neurokit {args.command}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"neurokit {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader of stdout (e.g. `head`) has gone; exit without a traceback.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
