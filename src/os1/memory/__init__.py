"""Memory: the pinned profile of facts the user told the companion, and recall over the transcript."""
