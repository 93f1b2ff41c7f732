"""Open Badges 3.0 and JSON-LD, pure: no models, no settings, no network.

Everything here takes plain data (and a base URL for every URL it writes) and returns plain data, so the
credential services can call it inside or outside a transaction and the tests can call it without a
database. ``contexts`` holds the bundled JSON-LD contexts and the only document loader canonicalisation
uses; ``dataintegrity`` signs and verifies ``eddsa-rdfc-2022`` proofs with the keys of ``keys``;
``builder`` writes an ``OpenBadgeCredential``; ``statuslist`` writes and reads a BitstringStatusList;
``terms`` finds terms that no context defines.
"""
