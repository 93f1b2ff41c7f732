"""The moves of a request, one step each, run under locks the command already holds (``enrolment.locks``).

A step moves one request (or the drafts of one group) by one verb and changes what goes with that move:
seats through ``enrolment.seats``, the institutions' systems through ``enrolment.gateway``. A step never
imports another step: ``enrolment.flow`` is the only code that chains them.
"""
