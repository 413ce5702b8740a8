"""The command line: options mapped to the command functions, errors to exit codes."""
