"""The audit store: runs recorded, diffs between runs, standings across years."""
