"""Author and copyright fields embedded in image files (JPEG EXIF, PNG text chunks).

A small reader of our own: the gate only needs two or three text fields, and the
runtime already has no imaging library that exposes EXIF (OpenCV does not).
"""
from __future__ import annotations

import logging
import struct
from functools import lru_cache

logger = logging.getLogger(__name__)

_READ_LIMIT = 2_000_000
_EXIF_TAGS = {0x013B: "Artist", 0x8298: "Copyright"}
_PNG_KEYWORDS = {"copyright", "author", "artist", "creator", "rights"}


@lru_cache(maxsize=256)
def rights_holders(path: str) -> tuple[str, ...]:
    """Names in the file's author/copyright metadata, or () when there are none or it cannot be read."""
    try:
        with open(path, "rb") as handle:
            head = handle.read(_READ_LIMIT)
    except OSError:
        return ()
    try:
        if head.startswith(b"\xff\xd8"):
            return _jpeg_fields(head)
        if head.startswith(b"\x89PNG\r\n\x1a\n"):
            return _png_fields(head)
    except (struct.error, IndexError, ValueError):
        logger.info("unreadable image metadata in %s", path)
    return ()


def _clean(values: list[str]) -> tuple[str, ...]:
    seen = []
    for value in values:
        value = value.strip().strip("\x00").strip()
        if value and value not in seen:
            seen.append(value)
    return tuple(seen)


def _jpeg_fields(data: bytes) -> tuple[str, ...]:
    position = 2
    while position + 4 <= len(data):
        if data[position] != 0xFF:
            break
        marker = data[position + 1]
        if marker in (0xD9, 0xDA):  # end of image / start of scan: no more metadata
            break
        length = struct.unpack(">H", data[position + 2:position + 4])[0]
        segment = data[position + 4:position + 2 + length]
        if marker == 0xE1 and segment.startswith(b"Exif\x00\x00"):
            return _clean(_tiff_fields(segment[6:]))
        position += 2 + length
    return ()


def _tiff_fields(tiff: bytes) -> list[str]:
    order = "<" if tiff[:2] == b"II" else ">"
    ifd_offset = struct.unpack(order + "I", tiff[4:8])[0]
    count = struct.unpack(order + "H", tiff[ifd_offset:ifd_offset + 2])[0]
    found = []
    for index in range(count):
        entry = tiff[ifd_offset + 2 + 12 * index: ifd_offset + 14 + 12 * index]
        tag, kind, length = struct.unpack(order + "HHI", entry[:8])
        if tag not in _EXIF_TAGS or kind != 2:
            continue
        if length <= 4:
            raw = entry[8:8 + length]
        else:
            offset = struct.unpack(order + "I", entry[8:12])[0]
            raw = tiff[offset:offset + length]
        found.append(raw.decode("utf-8", "replace"))
    return found


def _png_fields(data: bytes) -> tuple[str, ...]:
    position = 8
    found = []
    while position + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        body = data[position + 8:position + 8 + length]
        if kind == b"tEXt" and b"\x00" in body:
            keyword, text = body.split(b"\x00", 1)
            if keyword.decode("latin-1").lower() in _PNG_KEYWORDS:
                found.append(text.decode("latin-1"))
        elif kind == b"iTXt" and b"\x00" in body:
            keyword, rest = body.split(b"\x00", 1)
            if keyword.decode("latin-1").lower() in _PNG_KEYWORDS and rest[:1] == b"\x00":
                parts = rest[2:].split(b"\x00", 2)
                if len(parts) == 3:
                    found.append(parts[2].decode("utf-8", "replace"))
        elif kind == b"IEND":
            break
        position += 12 + length
    return _clean(found)
