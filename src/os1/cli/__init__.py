"""The terminal edge: reads settings once, builds everything, passes it down."""
