"""Reading exports: encodings, delimiters, quoting, bare carriage returns, refusing what is not CSV."""

import codecs

import pytest

from pipeline.ingest import IngestError, sniff
from pipeline.ingest.reader import read_records

TEXT = "id,date,user,message\n1,2026-11-01T10:00:00Z,zoë,Ça coûte 5 €\n2,2026-11-01T11:00:00Z,łukasz,Dzięki!\n"


@pytest.mark.parametrize(
    "encoding, prefix, label",
    [
        ("utf-8", b"", "UTF-8"),
        ("utf-8", codecs.BOM_UTF8, "UTF-8 with BOM"),
        ("utf-16-le", codecs.BOM_UTF16_LE, "UTF-16 with BOM"),
        ("utf-16-be", codecs.BOM_UTF16_BE, "UTF-16 with BOM"),
    ],
)
def test_unicode_encodings(write_csv, encoding, prefix, label):
    path = write_csv("export.csv", prefix + TEXT.encode(encoding))
    dialect = sniff(path)
    assert dialect.encoding_label == label
    rows = [fields for _, fields in read_records(path, dialect)]
    assert rows[0][2:] == ["zoë", "Ça coûte 5 €"]
    assert rows[1][2] == "łukasz"


def test_cp1252_fallback(write_csv):
    text = "id,date,user,message\n1,2026-11-01T10:00:00Z,zoe,Ça coûte 5 € – “cher”\n"
    path = write_csv("export.csv", text.encode("cp1252"))
    dialect = sniff(path)
    assert dialect.encoding == "cp1252"
    ((_, fields),) = read_records(path, dialect)
    assert fields[3] == "Ça coûte 5 € – “cher”"


@pytest.mark.parametrize("delimiter, label", [(",", "comma"), (";", "semicolon"), ("\t", "tab"), ("|", "pipe")])
def test_delimiters(write_csv, delimiter, label):
    text = TEXT.replace(",", delimiter)
    path = write_csv("export.csv", text)
    dialect = sniff(path)
    assert dialect.delimiter_label == label
    assert [len(f) for _, f in read_records(path, dialect)] == [4, 4]


def test_quoted_field_with_newlines_and_delimiters_keeps_line_numbers(write_csv):
    text = (
        'id,date,user,message\n1,2026-11-01T10:00:00Z,ana,"first line\nsecond, with comma\n'
        'third ""quoted"""\n2,2026-11-01T11:00:00Z,bob,plain\n'
    )
    path = write_csv("export.csv", text)
    records = list(read_records(path, sniff(path)))
    assert [line for line, _ in records] == [2, 5]
    assert records[0][1][3] == 'first line\nsecond, with comma\nthird "quoted"'


def test_bare_carriage_return_in_unquoted_field_does_not_split_the_row(write_csv):
    text = "id,date,user,message\r\n1,2026-11-01T10:00:00Z,ana,broken\rtext here\r\n2,2026-11-01T11:00:00Z,bob,ok\r\n"
    path = write_csv("export.csv", text)
    records = list(read_records(path, sniff(path)))
    assert len(records) == 2
    assert records[0][1][3] == "broken\rtext here"
    assert records[1][1][3] == "ok"


def test_old_mac_line_endings(write_csv):
    path = write_csv("export.csv", TEXT.replace("\n", "\r"))
    assert len(list(read_records(path, sniff(path)))) == 2


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "the file is empty"),
        (b"  \n\n", "the file is empty"),
        (b"PK\x03\x04\x14\x00\x06\x00rest-of-xlsx", "ZIP archive"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "old Excel"),
        (b'[{"id": 1, "text": "hi"}]', "looks like JSON"),
        (b"\x00\x01\x02binary\x00junk" * 10, "NUL bytes"),
    ],
)
def test_files_that_are_not_csv_are_refused_with_the_reason(write_csv, content, message):
    path = write_csv("export.csv", content)
    with pytest.raises(IngestError) as error:
        sniff(path)
    assert message in str(error.value)
    assert str(error.value).startswith("export.csv: ")


@pytest.mark.parametrize(
    "body, expected",
    [
        ("caf\u00e9 \u00fcber \U0001f600 " * 7, "utf-8"),  # multi-byte characters cut across blocks
        ("plain ascii " * 7, "utf-8"),
    ],
)
@pytest.mark.parametrize("block", [1, 2, 3, 5, 64])
def test_the_encoding_scan_reads_block_by_block_as_the_whole_file(tmp_path, monkeypatch, body, expected, block):
    from pipeline.ingest import reader

    monkeypatch.setattr(reader, "SCAN_BLOCK", block)
    path = tmp_path / "x.csv"
    path.write_bytes(f"id,text\n1,{body}\n".encode())
    encoding, digest = reader.scan_file(path, path.read_bytes()[:100])
    assert encoding == expected
    assert digest == __import__("hashlib").sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("block", [1, 4, 1 << 20])
@pytest.mark.parametrize(
    "data, expected",
    [
        ("id,text\n1,caf\u00e9 \u2019quoted\u2019\n".encode("cp1252"), "cp1252"),
        (b"id,text\n1,caf\xe9 \x81 undefined in cp1252\n", "latin-1"),
        ("id,text\n1,caf\u00e9\n".encode("utf-8") + "2,na\u00efve\n".encode("cp1252"), "utf-8+cp1252"),
        (b"id,text\n1,caf" + b"\xc3", "cp1252"),  # a UTF-8 sequence cut off by the end of the file
    ],
)
def test_the_encoding_scan_falls_back_as_documented(tmp_path, monkeypatch, data, expected, block):
    from pipeline.ingest import reader

    monkeypatch.setattr(reader, "SCAN_BLOCK", block)
    path = tmp_path / "x.csv"
    path.write_bytes(data)
    assert reader.scan_file(path, data[:100])[0] == expected
