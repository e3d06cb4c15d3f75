from array import array

def copied_runs(
    fingerprints: array[int], first_of: array[int], repeats: array[int], out: array[int], /
) -> None: ...
