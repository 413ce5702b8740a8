"""`python -m reviewer` runs the `review` command."""

from reviewer.cli.main import main

raise SystemExit(main())
