"""The `fault-correlator` command's front door (cli.py): it hands each subcommand to the part it drives."""
