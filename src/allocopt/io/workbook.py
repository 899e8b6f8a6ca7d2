"""Workbooks written the same way every time: byte for byte, whatever the clock says.

openpyxl stamps the creation time into the document properties and every zip
entry; the same inputs must give the same file, so both are fixed here. Every
XLSX allocopt writes is saved through :func:`workbook_bytes`.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime
from typing import Any

FIXED = datetime(2000, 1, 1)
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def workbook_bytes(book: Any) -> bytes:
    """The workbook as XLSX bytes with fixed timestamps (deterministic)."""
    book.properties.created = FIXED
    book.properties.modified = FIXED
    book.properties.creator = "allocopt"
    raw = io.BytesIO()
    book.save(raw)
    raw.seek(0)
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                # openpyxl stamps the time of saving over whatever was set
                data = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*",
                              rb"\g<1>2000-01-01T00:00:00Z", data)
            dst.writestr(fixed, data)
    return out.getvalue()
