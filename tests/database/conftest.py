"""The database tests (migrations) take their databases from tests/database_fixtures.py."""
from tests import database_fixtures

# The database fixtures of every folder that uses one (tests/database_fixtures.py).
database_url = database_fixtures.database_url
drop_tables = database_fixtures.drop_tables
empty_database_url = database_fixtures.empty_database_url
postgres_url = database_fixtures.postgres_url
sqlite_template = database_fixtures.sqlite_template

