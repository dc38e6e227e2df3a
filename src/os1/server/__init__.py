"""OS1 as a service (``os1 serve``): HTTP API, WebSocket conversations, an OpenAI-compatible endpoint."""
