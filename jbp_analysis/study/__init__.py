"""The study as data: the codebook, the reference districts (and the analysis plan)."""
