"""Real files for upload tests: the fixtures on disk, padded to an exact size when a test needs it."""

from __future__ import annotations

from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile

FIXTURES = Path(__file__).resolve().parent / "fixtures"
MAX_BYTES = 4_718_592  # the support policy's 4.5 MB (CONTACT_FORM_MAX_FILE_BYTES)

CONTENT_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".pdf": "application/pdf", ".gif": "image/gif"}


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def padded(name: str, size: int) -> bytes:
    """The fixture with trailing bytes up to ``size``: PNG, JPEG and PDF readers ignore what follows
    the file's end marker, so the result is still a real image or document."""
    content = fixture_bytes(name)
    assert size >= len(content)
    return content + b"\x00" * (size - len(content))


def upload(name: str, content: bytes | None = None, *, as_name: str | None = None) -> SimpleUploadedFile:
    """An uploaded file as a browser sends it: the claimed type follows the name, whatever the bytes are."""
    filename = as_name or name
    claimed = CONTENT_TYPES.get(Path(filename).suffix.lower(), "application/octet-stream")
    return SimpleUploadedFile(filename, fixture_bytes(name) if content is None else content, claimed)
