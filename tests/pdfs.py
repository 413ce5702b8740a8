"""PDFs written by hand for the draw stage's tests and benchmark: one page, a content
stream, Helvetica; optionally encrypted."""

from __future__ import annotations


def make_pdf(content: bytes, box: str = "0 0 612 792", encrypt: bool = False) -> bytes:
    """A one-page PDF by hand; `encrypt` adds a standard security handler whose user password
    is not empty, so no reader can open it without one."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [%s] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>" % box.encode(),
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    if encrypt:
        objects.append(b"<< /Filter /Standard /V 1 /R 2 /O <%s> /U <%s> /P -4 >>" % (
            b"ab" * 32, b"cd" * 32))  # fmt: skip
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    extra = b"/Encrypt 6 0 R /ID [<%s> <%s>] " % (b"01" * 16, b"01" * 16) if encrypt else b""
    xref = b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    count = len(objects) + 1
    return (
        out
        + b"xref\n0 %d\n0000000000 65535 f \n%s" % (count, xref)
        + b"trailer\n<< /Size %d /Root 1 0 R %s>>\nstartxref\n%d\n%%%%EOF\n"
        % (count, extra, len(out))
    )
