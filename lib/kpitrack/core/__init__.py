"""Foundations every stage uses: where data lives, error classes, YAML reading, the words and
number formats shown to readers."""
