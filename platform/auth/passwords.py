"""Password hashing (argon2id) and strength rules.

Parameters follow OWASP's argon2id minimum (19 MiB, 2 passes, 1 lane): ~50 ms here rather
than the library default's ~0.5 s on two cores. Hashing runs in a thread so that it never
blocks the event loop; old hashes with other parameters still verify.
"""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
# A hash of a random password: verifying against it when the account does not exist keeps
# the time of a failed sign-in the same either way.
_DUMMY_HASH = _hasher.hash("galleria-timing-equaliser")
COMMON = frozenset({"password", "12345678", "123456789", "1234567890", "qwertyuiop",
                    "iloveyou", "password1", "11111111", "00000000", "abcdefgh", "88888888"})
# Words that lists of leaked passwords are full of once their digits and symbols are taken
# off ("password123", "P@ssw0rd!", "woaini1314", "Qwerty2024"): guessers try those first.
COMMON_WORDS = frozenset({
    "password", "passw", "passwd", "pass", "qwerty", "qwertyuiop", "asdf", "asdfgh",
    "asdfghjkl", "zxcvbn", "zxcvbnm", "qweasd", "qazwsx", "letmein", "welcome", "admin",
    "administrator", "root", "login", "master", "hello", "iloveyou", "monkey", "dragon",
    "sunshine", "princess", "football", "baseball", "shadow", "superman", "michael",
    "abc", "abcd", "abcde", "abcdef", "abcdefg", "abcdefgh", "test", "changeme", "secret",
    "woaini", "aini", "wodemima", "mima", "zhang", "wang", "li", "liu", "chen", "yang",
    "huang", "zhao", "wu", "zhou", "galleria", "shop", "store",
})
_LEET = str.maketrans({"@": "a", "4": "a", "0": "o", "1": "i", "!": "i", "3": "e", "$": "s",
                       "5": "s", "7": "t"})


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_hasher.hash, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    """True when `password` matches; with no hash, spends the same time and says False."""
    return await asyncio.to_thread(_verify, password_hash, password)


def _verify(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def password_problem(password: str, *, email: str = "") -> str | None:
    """Why `password` is too weak, or None. At least 10 characters, two kinds of character,
    not a common password and not the email's name."""
    if len(password) < 10:
        return "at least 10 characters"
    if len(password) > 256:
        return "at most 256 characters"
    kinds = sum([any(c.islower() for c in password), any(c.isupper() for c in password),
                 any(c.isdigit() for c in password), any(not c.isalnum() for c in password)])
    if kinds < 2:
        return "mix at least two of: lowercase, uppercase, digits, symbols"
    lowered = password.lower()
    if lowered in COMMON or len(set(lowered)) < 4 or _common_word(lowered):
        return "too easy to guess"
    local = email.split("@", 1)[0].lower()
    if len(local) >= 4 and local in lowered:
        return "must not contain your email name"
    return None


def _common_word(lowered: str) -> bool:
    """A common word with digits or symbols around it, as guessers try first:
    `password123`, `p@ssw0rd!`, `2024qwerty`, `woaini1314`, `Admin@888`."""
    core = lowered.strip("0123456789!@#$%^&*()_+-=.?~ ")
    if core in COMMON_WORDS or core.translate(_LEET) in COMMON_WORDS:
        return True
    unleet = lowered.translate(_LEET).strip("0123456789!@#$%^&*()_+-=.?~ ")
    return unleet in COMMON_WORDS or not core
