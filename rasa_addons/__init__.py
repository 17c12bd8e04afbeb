"""Code that runs inside the Rasa server (on PYTHONPATH through `bot/stack.py`)."""
