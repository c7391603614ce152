"""JSON text from one C encoder made once: json's encode() makes a new one at every call, which at 400,000 small
values (a national audit's result rows) costs more than the encoding."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any


def json_encoder(separators: tuple[str, str] = (", ", ": ")) -> Callable[[Any], str]:
    """json.dumps(value, ensure_ascii=False, default=str, separators=separators), encoder made once."""
    plain = json.JSONEncoder(ensure_ascii=False, default=str, separators=separators, check_circular=False)
    make = json.encoder.c_make_encoder
    if make is None:  # a Python without the C accelerator
        return plain.encode
    chunks = make(None, plain.default, json.encoder.encode_basestring, None, separators[1], separators[0],
                  False, False, True)
    return lambda value: "".join(chunks(value, 0))
