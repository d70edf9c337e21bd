"""`liuyan` subcommands for accounts."""
