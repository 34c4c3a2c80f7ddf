"""Counting faces in an attached photo, offline.

Uses OpenCV's bundled frontal-face Haar cascade (haarcascade_frontalface_default.xml,
shipped inside opencv-python-headless 4.x under cv2.data). Its licence is the
Intel License Agreement for the Open Source Computer Vision Library — a BSD-style
licence that allows redistribution and use with the copyright notice kept, so
using it here needs no download and no extra terms. OpenCV 5 drops the cascades,
which is why requirements.txt pins 4.x.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)


class UnreadableImage(Exception):
    """The attachment is missing, not an image, or too damaged to decode."""


@dataclass(frozen=True)
class FaceSettings:
    cascade: str = "haarcascade_frontalface_default.xml"
    scale_factor: float = 1.1
    min_neighbours: int = 5
    min_size_px: int = 24
    max_side_px: int = 1600


_detectors: dict[str, object] = {}
_lock = threading.Lock()


def _detector(cascade_name: str):
    import cv2  # imported lazily: text-only evaluation never pays for OpenCV

    with _lock:
        if cascade_name not in _detectors:
            path = Path(cv2.data.haarcascades) / Path(cascade_name).name
            detector = cv2.CascadeClassifier(str(path))
            if detector.empty():
                raise RuntimeError(f"face cascade {path} could not be loaded")
            _detectors[cascade_name] = detector
        return _detectors[cascade_name]


def count_faces(path: str, settings: FaceSettings) -> int:
    """Number of frontal faces found in the image at `path`; raises UnreadableImage."""
    import cv2

    if not Path(path).is_file():
        raise UnreadableImage(f"no file at {path}")
    image = cv2.imread(path, cv2.IMREAD_GRAYSCALE)
    if image is None or image.size == 0:
        raise UnreadableImage(f"{path} is not an image OpenCV can decode")
    longest = max(image.shape[:2])
    if longest > settings.max_side_px:  # big photos: shrink first, detection cost grows with area
        scale = settings.max_side_px / longest
        image = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    image = cv2.equalizeHist(image)
    found = _detector(settings.cascade).detectMultiScale(
        image, scaleFactor=settings.scale_factor, minNeighbors=settings.min_neighbours,
        minSize=(settings.min_size_px, settings.min_size_px))
    return len(found)
