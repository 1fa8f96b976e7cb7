"""Helpers for the word2vec assignment: gradient check, row utilities, treebank reader."""
