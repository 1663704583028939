"""Password hashing (argon2id) and the rules a new password must meet."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from webapp.errors import ValidationError

MIN_LENGTH = 10
MAX_LENGTH = 128

# The most common choices that pass a length rule; a real blocklist can replace this set.
COMMON_PASSWORDS = frozenset(
    {
        "1234567890",
        "0123456789",
        "12345678910",
        "1111111111",
        "password12",
        "password123",
        "password1234",
        "qwertyuiop",
        "1q2w3e4r5t",
        "iloveyou12",
        "abcdefghij",
        "abc1234567",
        "passw0rd123",
        "welcome123",
        "letmein123",
        "nigeria123",
        "lagos12345",
        "roadpass123",
    }
)

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def check_password_strength(password: str, email: str) -> None:
    """Length and a blocklist, as NIST SP 800-63B advises, rather than composition rules."""
    problem = None
    if len(password) < MIN_LENGTH:
        problem = f"Use at least {MIN_LENGTH} characters."
    elif len(password) > MAX_LENGTH:
        problem = f"Use at most {MAX_LENGTH} characters."
    elif password.lower() in COMMON_PASSWORDS or len(set(password)) < 4:
        problem = "That password is too easy to guess. Try a short phrase."
    elif email and password.lower() in {email.lower(), email.split("@")[0].lower()}:
        problem = "Your password must not be your e-mail address."
    if problem:
        raise ValidationError(problem, details={"password": problem})


# Verified when the e-mail is unknown, so a wrong address costs the same time as a wrong password.
DUMMY_HASH = _hasher.hash("roadpass-timing-equaliser")
