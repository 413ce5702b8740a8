"""Project reading: the configuration, the book or website and its chapters in reading order,
and each chapter loaded with its includes."""
