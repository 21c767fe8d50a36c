"""Password policy, hashing (Werkzeug scrypt) and one-time passwords."""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass

from werkzeug.security import check_password_hash, generate_password_hash

SYMBOLS = string.punctuation
# One-time passwords avoid look-alike characters: they are read aloud or copied from a screen.
_OTP_ALPHABETS = ("ABCDEFGHJKLMNPQRSTUVWXYZ", "abcdefghijkmnpqrstuvwxyz", "23456789", "#$%&+-=?@")

#: A valid hash of a random secret, compared against when the login id is unknown, so the response takes
#: as long as for a real account and does not reveal which ids exist.
_DUMMY_HASH_CACHE: dict[str, str] = {}


@dataclass(frozen=True)
class PasswordPolicy:
    min_length: int = 12
    min_classes: int = 3

    def describe(self) -> str:
        return (f"{self.min_length} 文字以上で、英大文字・英小文字・数字・記号のうち {self.min_classes} 種類以上を"
                "含めてください。ログインIDを含むパスワードは使えません。")

    def problems(self, password: str, login_id: str = "") -> list[str]:
        """Japanese messages for every rule the password breaks (empty when acceptable)."""
        found = []
        if len(password) < self.min_length:
            found.append(f"パスワードは {self.min_length} 文字以上にしてください（現在 {len(password)} 文字）。")
        classes = sum(
            any(c in chars for c in password)
            for chars in (string.ascii_uppercase, string.ascii_lowercase, string.digits, SYMBOLS)
        )
        if classes < self.min_classes:
            found.append(f"英大文字・英小文字・数字・記号のうち {self.min_classes} 種類以上を含めてください。")
        if any(not (c.isascii() and c.isprintable()) or c == " " for c in password):
            found.append("パスワードに使えるのは半角英数字と記号のみです（空白・全角文字は使えません）。")
        if login_id and login_id.lower() in password.lower():
            found.append("ログインIDを含むパスワードは使えません。")
        return found


def policy_from_config(config) -> PasswordPolicy:
    return PasswordPolicy(config["PASSWORD_MIN_LENGTH"], config["PASSWORD_MIN_CLASSES"])


def hash_password(password: str, method: str = "scrypt") -> str:
    return generate_password_hash(password, method=method)


def verify_password(stored_hash: str | None, password: str, method: str = "scrypt") -> bool:
    """Check a password; with no stored hash, still spend the hashing time."""
    if not stored_hash:
        dummy = _DUMMY_HASH_CACHE.get(method)
        if dummy is None:
            dummy = _DUMMY_HASH_CACHE[method] = generate_password_hash(secrets.token_hex(16), method=method)
        check_password_hash(dummy, password)
        return False
    return check_password_hash(stored_hash, password)


def generate_one_time_password(policy: PasswordPolicy) -> str:
    """A random password that satisfies ``policy`` (at least 16 characters, all four classes)."""
    length = max(16, policy.min_length)
    rng = secrets.SystemRandom()
    chars = [rng.choice(alphabet) for alphabet in _OTP_ALPHABETS]
    pool = "".join(_OTP_ALPHABETS)
    chars += [rng.choice(pool) for _ in range(length - len(chars))]
    rng.shuffle(chars)
    return "".join(chars)
