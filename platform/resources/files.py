"""The files support may add to a year's resources, and the checks on each: a kind we
take (by its name), content that is that kind (by its first bytes, with `filetype`, or
for text, UTF-8 without control characters), and a size limit. Whatever is kept is
served as an attachment with the content type of its kind, never the one the browser
sent, so a file cannot become a page of the service."""

import filetype
from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.text import get_valid_filename

# kind: (content type, what people call it)
KINDS = {
    "pdf": ("application/pdf", "PDF"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word document"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel spreadsheet"),
    "odt": ("application/vnd.oasis.opendocument.text", "OpenDocument text"),
    "ods": ("application/vnd.oasis.opendocument.spreadsheet", "OpenDocument spreadsheet"),
    "csv": ("text/csv", "CSV"),
    "txt": ("text/plain", "text file"),
}
TEXT_KINDS = {"csv", "txt"}
DEFAULT_MAX_BYTES = 20 * 1024 * 1024
SNIFFED_BYTES = 8192


def max_bytes():
    return getattr(settings, "CLDC_RESOURCE_MAX_BYTES", DEFAULT_MAX_BYTES)


def kinds_named():
    return ", ".join(name for _, name in KINDS.values())


def checked_kind(upload):
    """The kind of an uploaded file, or a ValidationError saying what is wrong with it."""
    name = upload.name or ""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in KINDS:
        raise forms.ValidationError(f"The file must be a {kinds_named()}")
    if upload.size == 0:
        raise forms.ValidationError("The selected file is empty")
    if upload.size > max_bytes():
        raise forms.ValidationError(f"The file must be smaller than {filesizeformat(max_bytes())}")
    upload.seek(0)
    head = upload.read(SNIFFED_BYTES)
    upload.seek(0)
    if extension in TEXT_KINDS:
        if not is_plain_text(upload):
            raise forms.ValidationError(f"The file is not a {KINDS[extension][1]}: it must be text saved as UTF-8")
    elif getattr(filetype.guess(head), "extension", None) != extension:
        raise forms.ValidationError(f"The file is not a {KINDS[extension][1]}, whatever its name says")
    return extension


def is_plain_text(upload):
    """UTF-8 text without NUL or other control characters (tabs and line ends allowed)."""
    upload.seek(0)
    try:
        content = upload.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    finally:
        upload.seek(0)
    return not any(ord(ch) < 32 and ch not in "\t\r\n" for ch in content)


def download_name(name):
    return get_valid_filename(name)[:200] or "file"
