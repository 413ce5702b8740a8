"""Evaluate stage: measure the narrative judge against pairs whose verdicts are known.

`gold` reads the labelled pairs, `perturb` builds pairs whose labels are known by construction,
`metrics` scores the judge's verdicts against either, and `report` renders the scores (and the
difference between two runs) as Markdown."""
