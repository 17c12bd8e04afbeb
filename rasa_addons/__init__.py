"""Code that runs inside the Rasa server (on PYTHONPATH through `bot/stack.py`)."""

# Rasa imports this package for the MapBot channel (credentials.yml), so the speed-up
# below is installed in every Rasa server MapBot starts.
from rasa_addons.fast_validation import install as _install_fast_validation  # noqa: E402

_install_fast_validation()
