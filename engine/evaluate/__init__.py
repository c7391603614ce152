"""The audit: rules evaluated over typed tables, evidence, coverage, waivers, receipts, consolidation."""
