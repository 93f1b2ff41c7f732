"""Microcredentials (#11). The precedent library of recognition decisions moved to ``results``."""
