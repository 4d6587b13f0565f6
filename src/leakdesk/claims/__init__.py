"""Claims: entities and aliases, temporal expressions, check-worthy claims, timeline, corroboration, export."""
