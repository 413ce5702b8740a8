"""The judge stage's prompt files, shipped inside the package as `reviewer.prompts`.

Override them with `review --prompts DIR`; a file missing from DIR falls back to these."""
