def flag_keys(
    keys: list[bytes],
    literals: dict[bytes, object],
    literal_max: int,
    short_max: int,
    prefixes: list[bytes],
    suffixes: list[bytes],
    needles: list[tuple[bytes, int]],
    /,
) -> bytes: ...
