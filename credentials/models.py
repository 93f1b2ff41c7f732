"""Results, recognition and Open Badges 3.0 microcredentials arrive here in a later issue.

Modules already carry their microcredential flag (``catalogue.Module.is_microcredential``).
"""
