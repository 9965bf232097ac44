"""Shared utilities: argument validation, export, TensorBoard images."""
