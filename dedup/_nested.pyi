from array import array
from typing import overload

@overload
def neighbour_tests(keys: list[bytes], /) -> bytes: ...
@overload
def neighbour_tests(keys: list[bytes], units: array[int], followings: array[int], /) -> bytes: ...
