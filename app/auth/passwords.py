from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from app.config import get_settings

# Test runs hash hundreds of passwords; the cheap parameters are never used outside test mode.
_hasher = (
    PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    if get_settings().mode == "test"
    else PasswordHasher()
)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


# Verified in place of a real hash when the user name is unknown or inactive, so that such an answer
# takes as long as a wrong password (no user-name enumeration by timing).
_DUMMY_HASH = _hasher.hash("dummy password for unknown users")


def verify_dummy(password: str) -> bool:
    verify_password(_DUMMY_HASH, password)
    return False
