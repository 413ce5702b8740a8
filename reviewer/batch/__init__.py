"""Batch stage: a whole book judged overnight through the OpenAI Batch API (half price, its
own queue), resumable at every step, with a book-level summary in the morning."""
