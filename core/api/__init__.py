"""The API description: OpenAPI 3.1 for every route, JSON Schema per model."""
