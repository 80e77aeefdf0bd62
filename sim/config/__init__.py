"""Configuration: structured schemas, validation and city files (no model code here)."""
