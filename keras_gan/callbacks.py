"""Callbacks: sample grids and evaluation."""
