"""The benchmark (issue 9): MapBot and a stock `rasa init` assistant, side by side.

Run it with `make bench` or `.venv/bin/python -m bench.run --families 50`.
"""
