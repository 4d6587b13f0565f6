"""Language: identification, segmentation, translation desk (engines, alignment, memory, glossary)."""
