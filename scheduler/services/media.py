"""Uploaded images, stored by content hash under the instance folder."""
from __future__ import annotations

import hashlib
import os
import uuid

from scheduler.services.errors import InvalidInput
from scheduler.services.posts import media_root

IMAGE_MAX_BYTES = 5 * 1024 * 1024
# Checked by content, never by the file name or the browser's claimed type.
_IMAGE_SIGNATURES = ((b"\xff\xd8\xff", "jpg"), (b"\x89PNG\r\n\x1a\n", "png"), (b"GIF87a", "gif"),
                     (b"GIF89a", "gif"))


def store_image(data: bytes) -> str:
    """Keep an uploaded image under the instance's media folder, named by its SHA-256; return that name."""
    if not data:
        raise InvalidInput("The file is empty. Choose a JPEG, PNG or GIF image.", "file")
    if len(data) > IMAGE_MAX_BYTES:
        raise InvalidInput("The image is too large: 5 MB at most.", "file")
    extension = next((ext for signature, ext in _IMAGE_SIGNATURES if data.startswith(signature)), None)
    if extension is None:
        raise InvalidInput("Only JPEG, PNG or GIF images can be attached.", "file")
    media_id = f"{hashlib.sha256(data).hexdigest()}.{extension}"
    path = media_root() / media_id
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write then rename, so the gate never reads half an image.
        partial = path.with_name(f".{media_id}.{uuid.uuid4().hex}.part")
        partial.write_bytes(data)
        os.replace(partial, path)
    return media_id
