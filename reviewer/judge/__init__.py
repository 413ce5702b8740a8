"""Judge stage: score whether the prose explains each figure, and check the suggested rewrite.

Only `reviewer.judge.openai_chat` imports `openai`; everything else talks to the small
interfaces in `reviewer.judge.chat`."""
