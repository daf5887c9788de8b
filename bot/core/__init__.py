"""Pure rules: no discord, no SQL. Functions take `now` and `rng` as arguments."""
