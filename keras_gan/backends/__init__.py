"""Per-backend gradient drivers."""
