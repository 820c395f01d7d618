"""One module per ``jbp`` subcommand. Each exposes ``command``, a typer-compatible function.

The modules are thin: they parse options and call the library. :mod:`jbp_analysis.cli` registers
them, so each step can be developed (and owned) on its own.
"""
