"""``python -m stack up|down|status|wipe`` (also reachable as ``fault-correlator stack ...``)."""

from __future__ import annotations

import argparse
import json
import sys

from . import manager, settings
from .proc import StackError


def build_parser(prog: str = "python -m stack") -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog,
        description=(
            "The local, Docker-free stack: Apache Kafka "
            f"{settings.KAFKA_VERSION} ({settings.KAFKA_BOOTSTRAP}), Elasticsearch "
            f"{settings.ELASTICSEARCH_VERSION} ({settings.ELASTICSEARCH_URL}) and Prometheus "
            f"({settings.PROMETHEUS_URL}). Jars, data, logs and pid files live under "
            "$FC_STACK_HOME (default: <repo>/.stack)."
        ),
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    comp_help = f"components (default: all of {', '.join(settings.COMPONENTS)})"

    p_up = sub.add_parser("up", help="install what is missing, start, wait until healthy (idempotent)")
    p_up.add_argument("components", nargs="*", metavar="COMPONENT", help=comp_help)
    p_up.add_argument("--timeout", type=float, default=settings.HEALTH_TIMEOUT_S,
                      help="seconds to wait for each component to become healthy (default %(default)s)")

    p_down = sub.add_parser("down", help="stop (SIGTERM, then SIGKILL after --timeout)")
    p_down.add_argument("components", nargs="*", metavar="COMPONENT", help=comp_help)
    p_down.add_argument("--timeout", type=float, default=settings.STOP_TIMEOUT_S,
                        help="seconds to wait for a graceful stop (default %(default)s)")

    p_status = sub.add_parser("status", help="pid, health, url, log and memory of each component "
                                             "(exit 1 unless all are healthy)")
    p_status.add_argument("components", nargs="*", metavar="COMPONENT", help=comp_help)
    p_status.add_argument("--json", action="store_true", help="print JSON")

    p_wipe = sub.add_parser("wipe", help="stop and delete data (topics, indices, TSDB); keeps the jars")
    p_wipe.add_argument("components", nargs="*", metavar="COMPONENT", help=comp_help)
    return parser


def _components(args: argparse.Namespace) -> tuple[str, ...]:
    return tuple(args.components) or settings.COMPONENTS


def main(argv: list[str] | None = None, prog: str = "python -m stack") -> int:
    parser = build_parser(prog)
    args = parser.parse_args(argv)
    unknown = [c for c in args.components if c not in settings.COMPONENTS]
    if unknown:
        parser.error(f"unknown component(s) {', '.join(unknown)}; choose from {', '.join(settings.COMPONENTS)}")
    try:
        if args.command == "up":
            manager.up(_components(args), timeout=args.timeout)
            return 0
        if args.command == "down":
            for name, result in manager.down(_components(args), timeout=args.timeout).items():
                print(f"{name:<13} {result}")
            return 0
        if args.command == "wipe":
            for name, result in manager.wipe(_components(args)).items():
                print(f"{name:<13} {result}")
            return 0
        if args.command == "status":
            result = manager.status(_components(args))
            if args.json:
                print(json.dumps(result, indent=2))
            else:
                for name, info in result.items():
                    rss = f"{info['rss_mib']:.0f} MiB" if info.get("rss_mib") else "-"
                    state = "healthy" if info["healthy"] else ("running" if info["running"] else "stopped")
                    print(f"{name:<13} {state:<8} pid={info['pid']!s:<8} rss={rss:<9} {info['url']:<24} "
                          f"log={info['log']}")
            return 0 if all(info["healthy"] for info in result.values()) else 1
    except StackError as err:
        print(f"stack {args.command} failed: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return 2


if __name__ == "__main__":
    sys.exit(main())
