"""The rule catalogue: one module per rule (``asyNNN_name.py``), one class per module."""
