"""Gate stage: which findings count. Source comments and the baseline mark findings rather
than drop them, so every audit still shows them; `--fail-on` turns the rest into the exit
code."""
