"""Running-server control: the pidfile, reloads without a stall, reload and stop."""
