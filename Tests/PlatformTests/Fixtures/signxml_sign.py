"""Signs an edXML package with signxml (an independent XML-DSig implementation), for the trust tests.

usage: signxml_sign.py IN OUT KEY.pem CERT.pem C14N_URI
IN holds a <ds:Signature Id="placeholder"/> where the enveloped signature goes.
"""
import sys

from lxml import etree
from signxml import XMLSigner, methods

source, target, key, cert, c14n = sys.argv[1:6]
root = etree.parse(source, etree.XMLParser(huge_tree=True)).getroot()
signer = XMLSigner(method=methods.enveloped, signature_algorithm="rsa-sha256", digest_algorithm="sha256", c14n_algorithm=c14n)
signed = signer.sign(root, key=open(key).read(), cert=open(cert).read())
with open(target, "wb") as out:
    out.write(etree.tostring(signed, xml_declaration=True, encoding="UTF-8"))
