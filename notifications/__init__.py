"""Notifications: the in-app notification centre and email, for any app's lifecycle.

An app tells people of a move by handing ``services.notify`` messages; it decides who hears what and how
it reads, this app stores each message once per person, emails those whose preferences say so (one email
per person per call, in their own language, or in one daily digest for those who chose it) and shows the
centre. It imports no app but ``accounts``.
"""
