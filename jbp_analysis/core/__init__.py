"""Project-wide plumbing: paths, user-facing errors and byte-stable I/O."""
