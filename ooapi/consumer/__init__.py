"""The OOAPI v5 consumer: importing a connected institution's catalogue into the joint catalogue.

- ``parsing``: tolerant parsers that turn one OOAPI document into the portal's field values, with the
  problems found (what was skipped, what was guessed, and why). No database.
- ``importer``: one import run, in three parts of its own:
  - ``walk``: pages through the endpoint's lists (one read ahead, retries, unreadable pages);
  - ``match``: which row each document describes and what would change, and the problems report;
  - ``write``: each page in one transaction, through the catalogue's and the institutions' services.
- ``services``: the entry points (run an import, request one, find the ones that are due).
- ``tasks``, ``views``, ``urls``: thin wrappers around the services.
"""
