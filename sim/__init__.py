"""childcare-sim: a discrete-event simulator of childcare services for children aged 0-3."""

__version__ = "0.1.0"
