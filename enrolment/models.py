"""Cross-enrolment requests (issue #3) live here: one lifecycle, one transition table, an audit trail.

The catalogue already keeps what the lifecycle needs: ``Offering.capacity``, ``Offering.seats_taken``,
the enrolment window and the visibility per target group.
"""
