"""One module per westaudit subcommand, each with `add_parser(subcommands)`; engine/cli.py lists them."""
