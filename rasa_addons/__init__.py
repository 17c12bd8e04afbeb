"""Code that runs inside the Rasa server (on PYTHONPATH through `bot/stack.py`)."""

# Rasa imports this package for the MapBot channel (credentials.yml), so the speed-ups
# below are installed in every Rasa server MapBot starts (bench/FINDINGS.md).
from rasa_addons.applied_events import install as _install_applied_events  # noqa: E402
from rasa_addons.graph_runner import install as _install_graph_runner  # noqa: E402
from rasa_addons.intent_features import install as _install_intent_features  # noqa: E402
from rasa_addons.local_asks import install as _install_local_asks  # noqa: E402
from rasa_addons.pooled_http import install as _install_pooled_http  # noqa: E402
from rasa_addons.remote_action import install as _install_remote_action  # noqa: E402
from rasa_addons.rule_matching import install as _install_rule_matching  # noqa: E402

_install_applied_events()
_install_graph_runner()
_install_intent_features()
_install_local_asks()
_install_pooled_http()
_install_remote_action()
_install_rule_matching()
