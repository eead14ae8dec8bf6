"""Keyed hash of personnummer and masking of personnummer-like text, as DuckDB SQL.

The hash is computed inside DuckDB so a national-scale file is hashed in
parallel, vectorised C++ and the clear personnummer never leaves the CSV scan:
it is never stored in a table, not even a temporary one. DuckDB has no HMAC
function, but HMAC-SHA256 is two SHA-256 passes over key pads (RFC 2104), and
DuckDB has `sha256` over BLOBs. The pads are passed as prepared-statement
parameters so the key never appears in SQL text or error messages.
"""

from __future__ import annotations

import hashlib
import hmac
import re

_BLOCK_SIZE = 64  # SHA-256 block size in bytes (RFC 2104: B)

# YYYYMMDD-NNNN or YYYYMMDDNNNN (the contract's two forms).
PERSONNUMMER_PATTERN = "[0-9]{8}[-+]?[0-9]{4}"

# Masks the 12- and 10-digit forms (with or without separator) and truncated
# variants of them (a mistyped personnummer is still personal data). RE2 syntax,
# shared by DuckDB (`regexp_replace`) and Python (`re`).
PERSONNUMMER_LIKE_PATTERN = "[0-9]{6}([0-9]{2})?[-+ ]?[0-9]{3,4}"
MASK = "[personnummer]"

_PERSONNUMMER_LIKE = re.compile(PERSONNUMMER_LIKE_PATTERN)


def hmac_pads(key: bytes) -> dict[str, bytes]:
    """Inner and outer key pads of HMAC-SHA256 (RFC 2104), as SQL parameters."""
    if len(key) > _BLOCK_SIZE:
        key = hashlib.sha256(key).digest()
    key = key.ljust(_BLOCK_SIZE, b"\0")
    return {
        "hmac_ipad": bytes(byte ^ 0x36 for byte in key),
        "hmac_opad": bytes(byte ^ 0x5C for byte in key),
    }


def normalised_personnummer_sql(field: str) -> str:
    """The 12 digits of a well-formed personnummer, else NULL."""
    return (
        f"case when regexp_full_match(trim({field}), '{PERSONNUMMER_PATTERN}') "
        f"then regexp_replace(trim({field}), '[-+]', '') end"
    )


def person_hash_sql(field: str) -> str:
    """Hex HMAC-SHA256 of the normalised personnummer; needs the `hmac_pads` parameters."""
    digits = normalised_personnummer_sql(field)
    return f"sha256($hmac_opad || unhex(sha256($hmac_ipad || ({digits})::blob)))"


def person_hash(personnummer: str, key: bytes) -> str:
    """The same hash in Python, for tests and tools that must match the warehouse."""
    digits = personnummer.strip().replace("-", "").replace("+", "")
    return hmac.new(key, digits.encode("ascii"), hashlib.sha256).hexdigest()


def mask_sql(expression: str) -> str:
    return f"regexp_replace({expression}, '{PERSONNUMMER_LIKE_PATTERN}', '{MASK}', 'g')"


def mask(text: str) -> str:
    return _PERSONNUMMER_LIKE.sub(MASK, text)
