"""Forked workers beside this process and the progress line; imports nothing of westaudit but itself."""
