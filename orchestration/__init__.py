"""Data warehouse for Swedish municipalities' care and welfare boards."""
