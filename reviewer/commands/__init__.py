"""Commands: one function per command, run with options the command line has mapped."""
