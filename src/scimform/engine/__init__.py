"""The plan engine: pure functions from (desired, live, settings) to a Plan and its apply
order. Nothing here does I/O, prints or reads the environment."""
