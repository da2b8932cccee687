"""An independent reading of an edXML package (Python's ElementTree), for the receipt tests.

usage: edxml_extract.py PACKAGE  ->  JSON on standard output
Elements are matched by local name, whatever their namespace or prefix; bytes before the first
'<' are dropped, as a transport may leave them.
"""
import base64
import hashlib
import io
import json
import sys
import xml.etree.ElementTree as ET
import zipfile

data = open(sys.argv[1], "rb").read()
root = ET.fromstring(data[data.index(b"<"):])


def local(tag):
    return tag.rsplit("}", 1)[-1]


def first(node, *path):
    for name in path:
        node = next((child for child in node if local(child.tag) == name), None)
        if node is None:
            return None
    return node


def text(node, *path):
    found = first(node, *path)
    return (found.text or "").strip() if found is not None else None


envelope = first(root, "edXMLEnvelope")
header = first(envelope, "edXMLHeader", "MessageHeader")
attachments = []
encoded = first(root, "AttachmentEncoded")
for attachment in (encoded if encoded is not None else []):
    if local(attachment.tag) != "Attachment":
        continue
    content = base64.b64decode("".join((first(attachment, "ContentTransferEncoded").text or "").split()))
    entry = {"name": text(attachment, "AttachmentName"), "contentType": text(attachment, "ContentType"), "sha256": hashlib.sha256(content).hexdigest()}
    if zipfile.is_zipfile(io.BytesIO(content)):
        archive = zipfile.ZipFile(io.BytesIO(content))
        files = [info for info in archive.infolist() if not info.is_dir()]
        if len(files) == 1:
            entry["innerName"] = files[0].filename.rsplit("/", 1)[-1]
            entry["innerSha256"] = hashlib.sha256(archive.read(files[0])).hexdigest()
    attachments.append(entry)
print(json.dumps({
    "documentId": text(header, "DocumentId"),
    "from": text(header, "From", "OrganId"),
    "to": [text(to, "OrganId") for to in header if local(to.tag) == "To"],
    "codeNumber": text(header, "Code", "CodeNumber"),
    "codeNotation": text(header, "Code", "CodeNotation"),
    "subject": text(header, "Subject"),
    "promulgationDate": text(header, "PromulgationInfo", "PromulgationDate"),
    "businessDocType": text(first(envelope, "edXMLHeader", "TraceHeaderList"), "Bussiness", "BussinessDocType"),
    "attachments": attachments,
}, ensure_ascii=False))
