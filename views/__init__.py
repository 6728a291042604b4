"""roost's views: turn core results into JSON-ready data, and JSON into bytes."""
