"""roost's controllers: Falcon resources that parse requests and call core."""
