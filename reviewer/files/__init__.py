"""Files: reading and writing them safely, for every stage that touches the disk."""
