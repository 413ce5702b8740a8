"""`python -m reviewer` runs the `review` command."""

from reviewer.cli import main

raise SystemExit(main())
