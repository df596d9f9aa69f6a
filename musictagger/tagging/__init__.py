"""Safe bulk genre tagging: a format registry, plan → apply with a journal, and undo.

Qt-free: the CLI and the window drive the same functions, which report progress by callback
and stop between files when asked.
"""
