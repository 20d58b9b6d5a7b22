"""Run the benchmarks: `python -m bench.run [NAME] [options]` (no NAME: all of them).

A benchmark is a module of this package with
    HELP: str                                   one line for --help
    add_arguments(parser) -> None               its own options
    run(args) -> None                           measure, print a Markdown table, update the README
and one line in BENCHMARKS below. The options --repeat, --keep and --no-readme are common to all.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from types import ModuleType

BENCHMARKS = {
    "ingest": "bench.ingest",
    "classify": "bench.classify",
    "ledger": "bench.ledger",
    "quality": "bench.quality",
}


def _common() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--repeat", type=int, default=3, help="runs of each contender (median and min reported)")
    common.add_argument("--keep", action="store_true", help="keep the outputs under bench/out/")
    common.add_argument("--no-readme", action="store_true", help="print the results only; leave bench/README.md")
    return common


def _parser(modules: dict[str, ModuleType]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n", 1)[0])
    subs = parser.add_subparsers(dest="bench", metavar="NAME")
    for name, module in modules.items():
        sub = subs.add_parser(name, help=module.HELP, parents=[_common()])
        module.add_arguments(sub)
    return parser


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    modules = {name: importlib.import_module(path) for name, path in BENCHMARKS.items()}
    parser = _parser(modules)
    if argv and (argv[0] in modules or argv[0] in ("-h", "--help")):
        args = parser.parse_args(argv)
        modules[args.bench].run(args)
        return
    # No name: every benchmark, each taking the options it knows.
    used: set[str] = set()
    runs = []
    for name in modules:
        args, rest = parser.parse_known_args([name, *argv])
        used |= {a for a in argv if a not in rest}
        runs.append((modules[name], args))
    unknown = [a for a in argv if a not in used]
    if unknown:
        parser.error(f"no benchmark takes {' '.join(unknown)}")
    for module, args in runs:
        module.run(args)


if __name__ == "__main__":
    main()
