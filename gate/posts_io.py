"""Turning one JSON line into a Post, with a clear message for every way it can be wrong."""
from __future__ import annotations

from pathlib import Path

from .model import Declaration, MediaItem, Post


class BadPostLine(ValueError):
    """The line cannot be read as a post; the message says why, for the error verdict."""


def _text_field(value, name: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise BadPostLine(f"'{name}' must be a string")
    return value


def post_from_json(obj, media_root: Path | None = None, max_text_chars: int = 50_000) -> Post:
    if not isinstance(obj, dict):
        raise BadPostLine("each line must be a JSON object")
    if "text" not in obj:
        raise BadPostLine("missing 'text'")
    text = obj["text"]
    if not isinstance(text, str):
        raise BadPostLine("'text' must be a string")
    if len(text) > max_text_chars:
        raise BadPostLine(f"'text' is {len(text)} characters; the limit is {max_text_chars}")
    if "\x00" in text:
        raise BadPostLine("'text' contains a NUL character")
    link = obj.get("link")
    if link is not None and not isinstance(link, str):
        raise BadPostLine("'link' must be a string")
    media_in = obj.get("media") or []
    if not isinstance(media_in, list):
        raise BadPostLine("'media' must be a list")
    media = []
    for index, item in enumerate(media_in):
        if isinstance(item, str):
            item = {"path": item}
        if not isinstance(item, dict):
            raise BadPostLine(f"media[{index}] must be an object")
        path = item.get("path")
        if path is not None:
            if not isinstance(path, str):
                raise BadPostLine(f"media[{index}].path must be a string")
            if media_root is not None and not Path(path).is_absolute():
                path = str(media_root / path)
        media.append(MediaItem(path=path, alt_text=_text_field(item.get("alt_text"), "alt_text"),
                               credit=_text_field(item.get("credit"), "credit"),
                               licence=_text_field(item.get("licence", item.get("license")), "licence"),
                               media_id=_text_field(item.get("media_id", item.get("id")), "media_id")
                               or f"media[{index}]"))
    declarations_in = obj.get("declarations") or []
    if not isinstance(declarations_in, list):
        raise BadPostLine("'declarations' must be a list")
    declarations = []
    for index, item in enumerate(declarations_in):
        if isinstance(item, str):
            item = {"kind": item}
        if not isinstance(item, dict) or not isinstance(item.get("kind"), str):
            raise BadPostLine(f"declarations[{index}] must be an object with a 'kind'")
        declarations.append(Declaration(item["kind"], _text_field(item.get("reference"), "reference")))
    return Post(text=text, link=link, media=tuple(media), declarations=tuple(declarations))
