"""The lowest layer: errors, results, the submission's plain types, office codes. Imports nothing of westaudit."""
