"""Fix stage: judged rewrites turned into edits the author accepts, as a diff or in place."""
