"""The OOAPI v5 consumer: importing a connected institution's catalogue into the joint catalogue.

- ``parsing``: tolerant parsers that turn one OOAPI document into the portal's field values, with the
  problems found (what was skipped, what was guessed, and why). No database.
- ``importer``: walks the endpoint page by page and upserts each page in one transaction.
- ``services``: the entry points (run an import, request one, find the ones that are due).
- ``tasks``, ``views``, ``urls``: thin wrappers around the services.
"""
