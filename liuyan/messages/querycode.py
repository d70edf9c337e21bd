"""查询码: the code an author (anonymous or not) uses with the message number to track a message."""

import hashlib
import secrets

_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read out over the phone without confusion


def new_query_code() -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(8))


def hash_query_code(number: str, code: str) -> str:
    return hashlib.sha256(f"{number}:{code.strip().upper()}".encode()).hexdigest()
