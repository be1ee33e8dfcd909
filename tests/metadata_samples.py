"""Small files that name their maker in their own metadata: a PDF, a JPEG and a DOCX, made in memory."""

from __future__ import annotations

import io
import zipfile

from PIL import Image
from pypdf import PdfWriter
from pypdf.xmp import XmpInformation

CORE_XML = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
 xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<dc:title>Routing study</dc:title><dc:creator>{creator}</dc:creator>
<cp:lastModifiedBy>{editor}</cp:lastModifiedBy></cp:coreProperties>"""
APP_XML = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">
<Application>Microsoft Office Word</Application><Company>{company}</Company></Properties>"""
BOMB_XML = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
 xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>&lol2;</dc:creator></cp:coreProperties>"""


def pdf_by(author: str, xmp_creator: str | None = None) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(72, 72)
    writer.add_metadata({"/Author": author, "/Title": "Routing study"})
    if xmp_creator:
        xmp = XmpInformation.create()
        xmp.dc_creator = [xmp_creator]
        writer.xmp_metadata = xmp
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def jpeg_by(artist: str, owner: str | None = None) -> bytes:
    image = Image.new("RGB", (8, 8), "white")
    exif = Image.Exif()
    exif[0x013B] = artist
    if owner:
        exif.get_ifd(0x8769)[0xA430] = owner
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def docx_by(creator: str, editor: str = "", company: str = "", core_xml: str | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
        archive.writestr("docProps/core.xml", core_xml or CORE_XML.format(creator=creator, editor=editor))
        archive.writestr("docProps/app.xml", APP_XML.format(company=company))
    return out.getvalue()
