"""`fault-correlator`: one command, whose subcommands belong to the parts they drive.

    run, incidents, knowledge   the daemon and its own tools (worker/cli.py)
    demo, lab                   the scenario lab, which drives the worker from outside (lab/cli.py)
    stack                       the local Kafka, Elasticsearch and Prometheus (stack/)

Only this module knows all three: the daemon never imports the lab or the stack.
"""

from __future__ import annotations

import sys

WORKER = {"run": "run the worker daemon (consume tickets, enrich, produce)",
          "incidents": "list and show correlated incidents",
          "knowledge": "check the vocabulary, knowledge base, rules and alert names the worker will use"}
LAB = {"demo": "bring the local stack up, load the default scenario, run the worker on it, print a table",
       "lab": "scenario lab: check | schema | load | eval | bench | calibrate"}
STACK = {"stack": "the local Kafka, Elasticsearch and Prometheus: up | down | status | wipe"}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    command = argv[0] if argv else ""
    if command in WORKER:
        from worker.cli import main as worker_main

        return worker_main(argv)
    if command == "lab":
        from lab.cli import main as lab_main

        return lab_main(argv[1:])
    if command == "demo":
        from lab.cli import main as lab_main

        return lab_main(argv, prog="fault-correlator")
    if command == "stack":
        from stack.__main__ import main as stack_main

        return stack_main(argv[1:], prog="fault-correlator stack")
    print(overview(), file=sys.stdout if command in ("-h", "--help") else sys.stderr)
    return 0 if command in ("-h", "--help") else 2


def overview() -> str:
    lines = ["usage: fault-correlator COMMAND [options]   (fault-correlator COMMAND --help for its options)", "",
             "Label customer fault tickets as platform incidents, usage errors or inconclusive, with evidence",
             "from Elasticsearch request logs and Prometheus metrics and alerts.", "", "commands:"]
    for name, text in {**WORKER, **LAB, **STACK}.items():
        lines.append(f"  {name:<11} {text}")
    return "\n".join(lines)
