"""MapBot's plug-ins for Rasa, named in its configuration. Runs inside the Rasa server
(.venv-rasa, Python 3.10), never in the portal.

Only what Rasa supports as a plug-in lives here:

- `secure_rest.SecureRestInput`, the `mapbot` channel (credentials.yml);
- `tracker_store.CachedSQLTrackerStore`, the tracker store (endpoints.yml, and the
  endpoints files bot/operations/stack.py writes).

Replacements of Rasa internals are in `bot.rasa_patches`, each guarded and installed
only when Rasa starts through `bot.rasa_patches.run_rasa`. Importing this package
changes nothing in Rasa.
"""
