"""PDF attachments are read with a PDF parser: active content and external actions are refused wherever they
sit, compressed object streams included; encrypted, damaged and truncated files are refused; ordinary PDFs
(reportlab's, a scanner's single page) pass."""

from __future__ import annotations

import io

import pikepdf
import pytest
from pikepdf import Array, Dictionary, Name, String
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from core.errors import ValidationFailed
from registry.applications import pdf_content
from registry.applications.attachments import check_file
from registry.applications.demo import DEMO_PDF
from tests.registry.applications_support import PDF

MB = 1024 * 1024


def reportlab_pdf(**options) -> bytes:
    out = io.BytesIO()
    page = canvas.Canvas(out, pagesize=A4, **options)
    page.drawString(72, 720, "Tax certificate 2026")
    page.rect(72, 600, 200, 80)
    page.showPage()
    page.save()
    return out.getvalue()


def crafted(change, *, object_streams: bool = True) -> bytes:
    """A one-page PDF changed by ``change(pdf)``, saved with compressed object streams (so no name of the
    change appears in the file's bytes)."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    change(pdf)
    out = io.BytesIO()
    mode = pikepdf.ObjectStreamMode.generate if object_streams else pikepdf.ObjectStreamMode.disable
    pdf.save(out, object_stream_mode=mode, compress_streams=True, deterministic_id=True)
    return out.getvalue()


def action(pdf, kind: str, **entries):
    return pdf.make_indirect(Dictionary(Type=Name.Action, S=Name(kind), **entries))


def open_action(kind: str, **entries):
    def change(pdf):
        pdf.Root.OpenAction = action(pdf, kind, **entries)
    return change


def link_annotation(kind: str, **entries):
    def change(pdf):
        link = Dictionary(Type=Name.Annot, Subtype=Name.Link, Rect=Array([72, 72, 200, 90]), Border=Array([0, 0, 0]),
                          A=Dictionary(S=Name(kind), **entries))
        pdf.pages[0].obj.Annots = pdf.make_indirect(Array([pdf.make_indirect(link)]))
    return change


def page_additional_action(kind: str, **entries):
    def change(pdf):
        pdf.pages[0].obj.AA = Dictionary(O=action(pdf, kind, **entries))
    return change


def document_javascript(pdf):
    script = action(pdf, "/JavaScript", JS=String("app.alert('x')"))
    pdf.Root.Names = Dictionary(JavaScript=Dictionary(Names=Array([String("a"), script])))


def embedded_file(pdf):
    stream = pdf.make_stream(b"MZ payload")
    stream.Type = Name.EmbeddedFile
    spec = Dictionary(Type=Name.Filespec, F=String("run.exe"), EF=Dictionary(F=stream))
    pdf.Root.Names = Dictionary(EmbeddedFiles=Dictionary(Names=Array([String("run.exe"), spec])))


def xfa_form(pdf):
    pdf.Root.AcroForm = Dictionary(Fields=Array([]), XFA=pdf.make_stream(b"<xdp:xdp/>"))


def refused(data: bytes) -> str:
    with pytest.raises(ValidationFailed) as info:
        check_file("certificate.pdf", data, 10 * MB)
    assert list(info.value.errors) == ["file"]
    return info.value.errors["file"][0]


def test_javascript_in_a_compressed_object_stream_is_refused():
    data = crafted(open_action("/JavaScript", JS=String("app.launchURL('http://evil.example/')")))
    assert b"JavaScript" not in data and b"/ObjStm" in data  # hidden from a byte scan
    assert "/JavaScript" in refused(data)


@pytest.mark.parametrize("change, label", [
    (open_action("/GoToR", F=String("\\\\server\\share\\x.pdf"), D=Array([0, Name.Fit])), "/GoToR"),
    (open_action("/GoToE", D=Array([0, Name.Fit])), "/GoToE"),
    (open_action("/Launch", F=String("cmd.exe")), "/Launch"),
    (open_action("/URI", URI=String("http://evil.example/")), "/URI"),
    (open_action("/SubmitForm", F=Dictionary(FS=Name.URL, F=String("http://evil.example/"))), "/SubmitForm"),
    (open_action("/ImportData", F=String("data.fdf")), "/ImportData"),
    (open_action("/Sound"), "/Sound"),
    (link_annotation("/URI", URI=String("https://www.example.jp/")), "/URI"),
    (link_annotation("/Launch", F=String("calc.exe")), "/Launch"),
    (link_annotation("/SubmitForm", F=String("http://evil.example/")), "/SubmitForm"),
    (page_additional_action("/JavaScript", JS=String("1")), "/JavaScript"),
    (page_additional_action("/GoToR", F=String("//server/share/x.pdf")), "/GoToR"),
    (document_javascript, "/JavaScript"),
    (embedded_file, "/EmbeddedFile"),
    (xfa_form, "XFA"),
])
@pytest.mark.parametrize("object_streams", [True, False])
def test_active_content_and_external_actions_are_refused(change, label, object_streams):
    message = refused(crafted(change, object_streams=object_streams))
    assert label in message
    assert "リンクやスクリプトのない印刷用の PDF" in message


def test_a_link_inside_the_document_is_accepted():
    def internal_link(pdf):
        link_annotation("/GoTo", D=Array([pdf.pages[0].obj, Name.Fit]))(pdf)
        pdf.Root.OpenAction = Array([pdf.pages[0].obj, Name.Fit])
    assert check_file("certificate.pdf", crafted(internal_link), 10 * MB).content_type == "application/pdf"


@pytest.mark.parametrize("data", [
    pytest.param(reportlab_pdf(), id="reportlab"),
    pytest.param(reportlab_pdf(pageCompression=1), id="reportlab-compressed"),
    pytest.param(crafted(lambda pdf: None), id="object-streams"),
    pytest.param(DEMO_PDF, id="demo"),
    pytest.param(PDF, id="test-fixture"),
])
def test_ordinary_pdfs_are_accepted(data):
    assert check_file("certificate.pdf", data, 10 * MB).content_type == "application/pdf"


@pytest.mark.parametrize("user_password", ["", "secret"])
def test_encrypted_pdfs_are_refused(user_password):
    pdf = pikepdf.open(io.BytesIO(reportlab_pdf()))
    out = io.BytesIO()
    pdf.save(out, encryption=pikepdf.Encryption(owner="owner-secret", user=user_password))
    assert "暗号化" in refused(out.getvalue())


def test_a_file_that_does_not_parse_is_refused():
    data = b"%PDF-1.7\n" + b"\x00garbage\x00" * 200 + b"\n%%EOF\n"
    assert "PDF として読み取れません" in refused(data)


def test_a_truncated_pdf_is_refused():
    data = reportlab_pdf(pageCompression=1)
    assert "完結していません" in refused(data[: len(data) // 2])


def test_a_pdf_with_too_many_objects_is_refused(monkeypatch):
    # Each object costs time to check; the cap keeps one upload's check short (a certificate needs few).
    data = reportlab_pdf()
    assert check_file("certificate.pdf", data, 10 * MB)
    monkeypatch.setattr(pdf_content, "MAX_OBJECTS", 3)
    assert "構造が複雑すぎる" in refused(data)
