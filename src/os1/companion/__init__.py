"""The companion: the one place that composes capabilities into a conversation."""
