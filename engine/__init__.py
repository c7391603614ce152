"""westaudit: audits West Plan offices' submissions against their duty articles."""

__version__ = "0.1.0"
