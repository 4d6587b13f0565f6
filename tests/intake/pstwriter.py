"""A minimal Outlook PST writer (Unicode format) for tests, written from Microsoft's published [MS-PST] specification.

Nothing on a Linux desk writes PST files, so the tests write their own: the header with both CRCs, one allocation map,
the node and block B-trees (NBT, BBT) on 512-byte pages, data blocks with trailers, XBLOCKs for long data and
SLBLOCKs for subnodes, and on top of them the Lists-Tables-Properties layer: Heap-on-Node, BTH, property contexts for
the message store, folders, messages and attachments, and table contexts for the hierarchy, contents, attachment and
recipient tables. Only what a reader needs is written (no search folders, no named properties beyond an empty map),
and nothing is encrypted (bCryptMethod 0).
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

# ---------------------------------------------------------------------------------------------- constants [MS-PST]
NID_TYPE_NORMAL_FOLDER = 0x02
NID_TYPE_NORMAL_MESSAGE = 0x04
NID_TYPE_ATTACHMENT = 0x05
NID_TYPE_HIERARCHY_TABLE = 0x0D
NID_TYPE_CONTENTS_TABLE = 0x0E
NID_TYPE_ASSOC_CONTENTS_TABLE = 0x0F
NID_TYPE_LTP = 0x1F
NID_MESSAGE_STORE = 0x21
NID_NAME_TO_ID_MAP = 0x61
NID_ROOT_FOLDER = 0x122
NID_ATTACHMENT_TABLE = 0x671
NID_RECIPIENT_TABLE = 0x692

PT_INT16, PT_INT32, PT_BOOL, PT_INT64, PT_TIME = 0x0002, 0x0003, 0x000B, 0x0014, 0x0040
PT_STRING, PT_STRING8, PT_BINARY, PT_OBJECT = 0x001F, 0x001E, 0x0102, 0x000D

PAGE = 512
BLOCK_MAX_DATA = 8192 - 16
HEAP_VALUE_MAX = 3580  # larger values go to a subnode
AMAP_AT = 0x4400
PMAP_AT = 0x4600
FIRST_DATA_AT = 0x4800
AMAP_COVERS = 496 * 8 * 64
FILETIME_EPOCH = datetime(1601, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class _Format:
    """Unicode (Outlook 2003 on) or ANSI (Outlook 97-2002: 32-bit offsets, 8-bit strings in one code page)."""

    ansi: bool = False
    codepage: str = "cp1252"
    ost: bool = False

    @property
    def client_magic(self) -> int:
        return 0x4F53 if self.ost else 0x4D53  # "SO" for .ost, "SM" for .pst

    @property
    def trailer(self) -> int:
        return 12 if self.ansi else 16

    @property
    def page_data(self) -> int:
        return PAGE - self.trailer

    def string_type(self, ptype: int) -> int:
        return PT_STRING8 if self.ansi and ptype == PT_STRING else ptype


_FORMAT = _Format()  # set by write_pst for the file being written


def crc(data: bytes) -> int:
    """[MS-PST] 5.3: CRC-32 with the usual reflected table, started at 0 and never inverted."""
    return zlib.crc32(data, 0xFFFFFFFF) ^ 0xFFFFFFFF


def signature(ib: int, bid: int) -> int:
    """[MS-PST] 5.5: the 16-bit signature of a block or page at file offset `ib`."""
    value = (ib ^ bid) & 0xFFFFFFFF
    return ((value >> 16) ^ value) & 0xFFFF


def lzfu(rtf: bytes) -> bytes:
    """[MS-OXRTFCP] compressed RTF using literals only: a control byte of 0 before every 8 bytes, then a dictionary
    reference to the current write position, which ends the stream (the dictionary starts at 207, after the
    pre-loaded RTF prefix)."""
    out = bytearray()
    for at in range(0, len(rtf), 8):
        chunk = rtf[at:at + 8]
        if len(chunk) < 8:  # the end marker goes in this run, right after its literals
            out.append(1 << len(chunk))
            out += chunk + struct.pack(">H", ((207 + len(rtf)) % 4096) << 4)
            break
        out.append(0)
        out += chunk
    else:
        out.append(1)
        out += struct.pack(">H", ((207 + len(rtf)) % 4096) << 4)
    return struct.pack("<IIII", len(out) + 12, len(rtf), 0x75465A4C, crc(bytes(out))) + out


def filetime(when: datetime) -> int:
    return int((when - FILETIME_EPOCH).total_seconds() * 10_000_000)


def _align(n: int, to: int) -> int:
    return (n + to - 1) // to * to


# ---------------------------------------------------------------------------------------------- what to write
@dataclass
class PstAttachment:
    """A file attached by value, or (with `message`) an attached Outlook item: a forwarded letter."""

    filename: str
    data: bytes = b""
    mime_type: str = "application/octet-stream"
    message: PstMessage | None = None


@dataclass
class PstMessage:
    subject: str
    body: str | None
    sender_name: str = "Insider"
    sender_email: str = "insider@example.org"
    to: list[tuple[str, str]] = field(default_factory=lambda: [("Desk", "desk@example.org")])
    sent: datetime = datetime(2021, 8, 3, 11, 5, tzinfo=UTC)
    transport_headers: str | None = None
    message_id: str | None = None
    html_body: bytes | None = None
    internet_codepage: int | None = None  # the code page of the HTML body (PidTagInternetCodepage)
    rtf_body: bytes | None = None  # written as [MS-OXRTFCP] LZFu, literals only
    attachments: list[PstAttachment] = field(default_factory=list)


@dataclass
class PstFolder:
    name: str
    messages: list[PstMessage] = field(default_factory=list)
    folders: list[PstFolder] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------- Heap-on-Node
class Heap:
    """One Heap-on-Node in one block ([MS-PST] 2.3.1): allocations addressed by HID, values too big go to subnodes."""

    def __init__(self, client_signature: int, node: Node) -> None:
        self.client_signature = client_signature
        self.items: list[bytes] = []
        self.user_root = 0
        self.node = node

    def allocate(self, data: bytes) -> int:
        self.items.append(data)
        return len(self.items) << 5  # hidType 0, hidIndex from 1, block 0

    def store(self, data: bytes) -> int:
        """An HNID: a HID in this heap, or the NID of a new subnode when the value is large."""
        if len(data) > HEAP_VALUE_MAX or self.size + len(data) > BLOCK_MAX_DATA - 600:
            return self.node.add_subnode(Node(data, kind="data"), NID_TYPE_LTP)
        return self.allocate(data)

    @property
    def size(self) -> int:
        return 12 + sum(len(i) for i in self.items) + 2 * len(self.items) + 8

    def to_bytes(self) -> bytes:
        body = b"".join(self.items)
        page_map_at = _align(12 + len(body), 2)
        offsets = [12]
        for item in self.items:
            offsets.append(offsets[-1] + len(item))
        header = struct.pack("<HBBII", page_map_at, 0xEC, self.client_signature, self.user_root, 0)
        page_map = struct.pack("<HH", len(self.items), 0) + b"".join(struct.pack("<H", o) for o in offsets)
        out = header + body
        out += b"\0" * (page_map_at - len(out)) + page_map
        if len(out) > BLOCK_MAX_DATA:
            raise ValueError("a heap larger than one block is not written by this test writer")
        return out


def bth(heap: Heap, key_size: int, entry_size: int, records: list[tuple[bytes, bytes]]) -> int:
    """A one-level BTH ([MS-PST] 2.3.2) in `heap`; returns the HID of its header."""
    records = sorted(records)
    root = heap.allocate(b"".join(k + v for k, v in records)) if records else 0
    return heap.allocate(struct.pack("<BBBBI", 0xB5, key_size, entry_size, 0, root))


# ---------------------------------------------------------------------------------------------- nodes
class Node:
    """A node's data (a heap, a row matrix or raw bytes) and its subnodes, before it is cut into blocks."""

    def __init__(self, data: bytes = b"", kind: str = "data", row_size: int = 0) -> None:
        self.data, self.kind, self.row_size = data, kind, row_size
        self.subnodes: dict[int, Node] = {}
        self._next = 1

    def add_subnode(self, node: Node, nid_type: int, nid: int | None = None) -> int:
        if nid is None:
            nid = (0x400 + self._next) << 5 | nid_type
            self._next += 1
        self.subnodes[nid] = node
        return nid


Value = tuple[int, int, object]  # property id, property type, value


def _encode(ptype: int, value: object) -> bytes:
    if ptype == PT_STRING:
        return (str(value).encode(_FORMAT.codepage, "replace") if _FORMAT.ansi
                else str(value).encode("utf-16-le"))
    if ptype == PT_BINARY:
        assert isinstance(value, bytes)
        return value
    if ptype == PT_TIME:
        assert isinstance(value, datetime)
        return struct.pack("<Q", filetime(value))
    if ptype == PT_INT64:
        return struct.pack("<q", value)
    raise ValueError(f"type {ptype:#x} is not a variable or 8-byte type")


def _inline(ptype: int, value: object) -> int | None:
    if ptype == PT_INT32:
        return int(value) & 0xFFFFFFFF  # type: ignore[call-overload]
    if ptype == PT_INT16:
        return int(value) & 0xFFFF  # type: ignore[call-overload]
    if ptype == PT_BOOL:
        return 1 if value else 0
    return None


def property_context(props: Iterable[Value]) -> Node:
    """A PC ([MS-PST] 2.3.3): a heap whose BTH maps property ids to (type, value or HNID)."""
    node = Node(kind="heap")
    heap = Heap(0xBC, node)
    records = []
    for prop_id, ptype, value in props:
        inline = _inline(ptype, value)
        if isinstance(value, Node):  # PtypObject: a subnode, named with its size ([MS-PST] 2.3.3.5)
            sub = node.add_subnode(value, NID_TYPE_NORMAL_MESSAGE)
            hnid = heap.allocate(struct.pack("<II", sub, len(value.data)))
        else:
            hnid = inline if inline is not None else heap.store(_encode(ptype, value))
        records.append((struct.pack("<H", prop_id), struct.pack("<HI", _FORMAT.string_type(ptype), hnid)))
    heap.user_root = bth(heap, 2, 6, records)
    node.data = heap.to_bytes()
    return node


_CELL_SIZE = {PT_INT32: 4, PT_INT16: 2, PT_BOOL: 1, PT_INT64: 8, PT_TIME: 8, PT_STRING: 4, PT_STRING8: 4,
              PT_BINARY: 4}
ROW_ID, ROW_VER = (0x67F2, PT_INT32), (0x67F3, PT_INT32)


def table_context(columns: list[tuple[int, int]], rows: list[tuple[int, dict[int, object]]]) -> Node:
    """A TC ([MS-PST] 2.3.4): columns (id, type), rows (row id, {property id: value}); rows kept in a subnode when
    they do not fit in the heap, never split across blocks."""
    node = Node(kind="heap")
    heap = Heap(0x7C, node)
    columns = [ROW_ID, ROW_VER] + [c for c in columns if c not in (ROW_ID, ROW_VER)]
    layout: dict[tuple[int, int], int] = {ROW_ID: 0, ROW_VER: 4}
    offset = 8
    for width in (8, 4, 2, 1):
        for column in columns[2:]:
            if _CELL_SIZE[column[1]] == width:
                layout[column] = offset
                offset += width
        if width == 4:
            end_4b = offset
        elif width == 2:
            end_2b = offset
        elif width == 1:
            end_1b = offset
    bits = {column: n for n, column in enumerate(columns)}
    row_size = end_1b + (len(columns) + 7) // 8
    matrix = []
    for row_id, values in rows:
        row = bytearray(row_size)
        struct.pack_into("<II", row, 0, row_id, 0)
        present = {ROW_ID, ROW_VER}
        for column in columns[2:]:
            if column[0] not in values:
                continue
            ptype, value, at = column[1], values[column[0]], layout[column]
            inline = _inline(ptype, value)
            if ptype in (PT_INT64, PT_TIME):
                row[at:at + 8] = _encode(ptype, value)
            elif ptype == PT_INT16:
                struct.pack_into("<H", row, at, inline)
            elif ptype == PT_BOOL:
                row[at] = inline or 0
            else:
                struct.pack_into("<I", row, at, inline if inline is not None else heap.store(_encode(ptype, value)))
            present.add(column)
        for column in present:
            row[end_1b + bits[column] // 8] |= 0x80 >> (bits[column] % 8)
        matrix.append(bytes(row))
    index_format = "<H" if _FORMAT.ansi else "<I"  # dwRowIndex: 2 bytes in ANSI files
    index = bth(heap, 4, struct.calcsize(index_format),
                [(struct.pack("<I", row_id), struct.pack(index_format, n)) for n, (row_id, _) in enumerate(rows)])
    all_rows = b"".join(matrix)
    if not matrix:
        rows_hnid = 0
    elif len(all_rows) <= HEAP_VALUE_MAX:
        rows_hnid = heap.allocate(all_rows)
    else:
        rows_hnid = node.add_subnode(Node(all_rows, kind="rows", row_size=row_size), NID_TYPE_LTP)
    descs = b"".join(struct.pack("<IHBB", c[0] << 16 | _FORMAT.string_type(c[1]), layout[c], _CELL_SIZE[c[1]], bits[c])
                     for c in sorted(columns, key=lambda c: c[0] << 16 | c[1]))
    info = struct.pack("<BB4HIII", 0x7C, len(columns), end_4b, end_2b, end_1b, row_size, index, rows_hnid, 0) + descs
    heap.user_root = heap.allocate(info)
    node.data = heap.to_bytes()
    return node


# ---------------------------------------------------------------------------------------------- the messaging layer
HIERARCHY_COLUMNS = [(0x3001, PT_STRING), (0x3602, PT_INT32), (0x3603, PT_INT32), (0x360A, PT_BOOL),
                     (0x3613, PT_STRING)]
CONTENTS_COLUMNS = [(0x0017, PT_INT32), (0x001A, PT_STRING), (0x0036, PT_INT32), (0x0037, PT_STRING),
                    (0x0039, PT_TIME), (0x0042, PT_STRING), (0x0E04, PT_STRING), (0x0E06, PT_TIME),
                    (0x0E07, PT_INT32), (0x0E08, PT_INT32), (0x1035, PT_STRING)]
ATTACHMENT_COLUMNS = [(0x0E20, PT_INT32), (0x3704, PT_STRING), (0x3705, PT_INT32), (0x370B, PT_INT32)]
RECIPIENT_COLUMNS = [(0x0C15, PT_INT32), (0x3001, PT_STRING), (0x3002, PT_STRING), (0x3003, PT_STRING),
                     (0x39FE, PT_STRING), (0x0FFE, PT_INT32)]


def _entry_id(store_uid: bytes, nid: int) -> bytes:
    return b"\0" * 4 + store_uid + struct.pack("<I", nid)


def _message_props(m: PstMessage) -> tuple[list[Value], int]:
    flags = 0x01 | (0x10 if m.attachments else 0)  # read, has attachments
    to = "; ".join(name for name, _ in m.to)
    props: list[Value] = [
        (0x0017, PT_INT32, 1), (0x001A, PT_STRING, "IPM.Note"), (0x0036, PT_INT32, 0), (0x0037, PT_STRING, m.subject),
        (0x0039, PT_TIME, m.sent), (0x0042, PT_STRING, m.sender_name), (0x0C1A, PT_STRING, m.sender_name),
        (0x0C1E, PT_STRING, "SMTP"), (0x0C1F, PT_STRING, m.sender_email), (0x0E04, PT_STRING, to),
        (0x0E06, PT_TIME, m.sent), (0x0E07, PT_INT32, flags), (0x3007, PT_TIME, m.sent), (0x3008, PT_TIME, m.sent),
    ]
    if m.body is not None:
        props.append((0x1000, PT_STRING, m.body))
    if m.transport_headers is not None:
        props.append((0x007D, PT_STRING, m.transport_headers))
    if m.message_id is not None:
        props.append((0x1035, PT_STRING, m.message_id))
    if m.html_body is not None:
        props.append((0x1013, PT_BINARY, m.html_body))
    if m.rtf_body is not None:
        props.append((0x1009, PT_BINARY, lzfu(m.rtf_body)))  # PidTagRtfCompressed
    if _FORMAT.ansi and _FORMAT.codepage.startswith("cp"):  # PidTagMessageCodepage: what the 8-bit strings use
        props.append((0x3FFD, PT_INT32, int(_FORMAT.codepage[2:])))
    if m.internet_codepage is not None:
        props.append((0x3FDE, PT_INT32, m.internet_codepage))
    size = len(m.body or "") * 2 + len(m.html_body or b"") + sum(len(a.data) for a in m.attachments)
    props.append((0x0E08, PT_INT32, size))
    return props, flags


def _message_node(m: PstMessage) -> Node:
    props, _ = _message_props(m)
    node = property_context(props)
    recipients = [(n + 1, {0x0C15: 1, 0x3001: name, 0x3002: "SMTP", 0x3003: email, 0x39FE: email, 0x0FFE: 6})
                  for n, (name, email) in enumerate(m.to)]
    node.add_subnode(table_context(RECIPIENT_COLUMNS, recipients), 0, NID_RECIPIENT_TABLE)
    if m.attachments:
        rows = []
        for n, att in enumerate(m.attachments):
            method = 5 if att.message else 1  # afEmbeddedMessage, afByValue
            content: Value = ((0x3701, PT_OBJECT, _message_node(att.message)) if att.message else
                              (0x3701, PT_BINARY, att.data))
            pc = property_context([
                (0x0E20, PT_INT32, len(att.data)), (0x3001, PT_STRING, att.filename), content,
                (0x3704, PT_STRING, att.filename[:8]), (0x3705, PT_INT32, method),
                (0x3707, PT_STRING, att.filename), (0x370B, PT_INT32, -1), (0x370E, PT_STRING, att.mime_type),
            ])
            nid = node.add_subnode(pc, 0, (0x8000 + n) << 5 | NID_TYPE_ATTACHMENT)
            rows.append((nid, {0x0E20: len(att.data), 0x3704: att.filename, 0x3705: method, 0x370B: -1}))
        node.add_subnode(table_context(ATTACHMENT_COLUMNS, rows), 0, NID_ATTACHMENT_TABLE)
    return node


@dataclass
class _TopNode:
    nid: int
    parent: int
    node: Node


class _Layout:
    """Collects the top-level nodes of the NBT, then writes blocks, pages and the header."""

    def __init__(self) -> None:
        self.nodes: list[_TopNode] = []
        self.next_index = 0x400
        self.blocks: list[tuple[int, bytes]] = []  # (bid, data)
        self.next_bid = 1

    def nid(self, nid_type: int) -> int:
        self.next_index += 1
        return self.next_index << 5 | nid_type

    def add(self, nid: int, parent: int, node: Node) -> None:
        self.nodes.append(_TopNode(nid, parent, node))

    def bid(self, internal: bool) -> int:
        value = self.next_bid << 2 | (0x02 if internal else 0)
        self.next_bid += 1
        return value

    def block(self, data: bytes, internal: bool = False) -> int:
        bid = self.bid(internal)
        self.blocks.append((bid, data))
        return bid

    def data_tree(self, node: Node) -> int:
        """The BID of a node's data: one block, or an XBLOCK over several ([MS-PST] 2.2.2.8.3.2.1)."""
        if len(node.data) <= BLOCK_MAX_DATA:
            return self.block(node.data)
        step = BLOCK_MAX_DATA // node.row_size * node.row_size if node.kind == "rows" else BLOCK_MAX_DATA
        bids = [self.block(node.data[at:at + step]) for at in range(0, len(node.data), step)]
        if len(bids) > (BLOCK_MAX_DATA - 8) // 8:
            raise ValueError("data longer than one XBLOCK covers is not written by this test writer")
        bid_format = "<I" if _FORMAT.ansi else "<Q"
        return self.block(struct.pack("<BBHI", 0x01, 0x01, len(bids), len(node.data))
                          + b"".join(struct.pack(bid_format, b) for b in bids), internal=True)

    def subnode_tree(self, node: Node) -> int:
        """The BID of an SLBLOCK listing a node's subnodes ([MS-PST] 2.2.2.8.3.3.1), or 0 without subnodes."""
        if not node.subnodes:
            return 0
        entries = []
        for nid in sorted(node.subnodes):
            sub = node.subnodes[nid]
            entries.append(struct.pack("<III" if _FORMAT.ansi else "<QQQ", nid, self.data_tree(sub),
                                       self.subnode_tree(sub)))
        if len(entries) > (BLOCK_MAX_DATA - 8) // 24:
            raise ValueError("more subnodes than one SLBLOCK holds are not written by this test writer")
        head = struct.pack("<BBH", 0x02, 0x00, len(entries)) + (b"" if _FORMAT.ansi else b"\0" * 4)
        return self.block(head + b"".join(entries), internal=True)

    def to_bytes(self) -> bytes:
        nbt = []
        for top in sorted(self.nodes, key=lambda t: t.nid):
            nbt.append((top.nid, struct.pack("<IIII" if _FORMAT.ansi else "<QQQII", top.nid,
                                             self.data_tree(top.node), self.subnode_tree(top.node), top.parent,
                                             *(() if _FORMAT.ansi else (0,)))))
        out = bytearray(FIRST_DATA_AT)
        bbt = []
        for bid, data in self.blocks:
            ib = len(out)
            size = _align(len(data) + _FORMAT.trailer, 64)
            if _FORMAT.ansi:
                trailer = struct.pack("<HHII", len(data), signature(ib, bid), bid, crc(data))
                bbt.append((bid, struct.pack("<IIHH", bid, ib, len(data), 2)))
            else:
                trailer = struct.pack("<HHIQ", len(data), signature(ib, bid), crc(data), bid)
                bbt.append((bid, struct.pack("<QQHHI", bid, ib, len(data), 2, 0)))
            out += data + b"\0" * (size - len(data) - _FORMAT.trailer) + trailer
        out += b"\0" * (_align(len(out), PAGE) - len(out))
        next_page_bid = [0x100]
        nbt_root = _btree(out, nbt, 16 if _FORMAT.ansi else 32, 0x81, next_page_bid)
        bbt_root = _btree(out, bbt, 12 if _FORMAT.ansi else 24, 0x80, next_page_bid)
        eof = len(out)
        if eof > AMAP_AT + _FORMAT.page_data * 8 * 64:
            raise ValueError("files larger than one allocation map covers are not written by this test writer")
        free = _write_maps(out)
        header = (_header_ansi if _FORMAT.ansi else _header)(eof, nbt_root, bbt_root, free, next_page_bid[0],
                                                             self.next_bid << 2, self.next_index)
        out[0:len(header)] = header
        return bytes(out)


def _page(out: bytearray, content: bytes, ptype: int, bid: int, with_sig: bool) -> int:
    ib = len(out)
    sig = signature(ib, bid) if with_sig else 0
    content = content.ljust(_FORMAT.page_data, b"\0")
    if _FORMAT.ansi:
        out += content + struct.pack("<BBHII", ptype, ptype, sig, bid, crc(content))
    else:
        out += content + struct.pack("<BBHIQ", ptype, ptype, sig, crc(content), bid)
    return ib


def _btree(out: bytearray, entries: list[tuple[int, bytes]], entry_size: int, ptype: int,
           next_page_bid: list[int]) -> tuple[int, int]:
    """Writes a B-tree of pages ([MS-PST] 2.2.2.7.7) bottom up; returns the root's (bid, ib)."""
    level, size = 0, entry_size
    entries_area = _FORMAT.page_data - (4 if _FORMAT.ansi else 8)
    key = "<III" if _FORMAT.ansi else "<QQQ"
    while True:
        per_page = entries_area // size
        chunks = [entries[i:i + per_page] for i in range(0, len(entries), per_page)] or [[]]
        parents = []
        for chunk in chunks:
            bid = next_page_bid[0]
            next_page_bid[0] += 1
            body = b"".join(e for _, e in chunk).ljust(entries_area, b"\0")
            body += struct.pack("<BBBB", len(chunk), per_page, size, level) + (b"" if _FORMAT.ansi else b"\0" * 4)
            ib = _page(out, body, ptype, bid, with_sig=True)
            parents.append((chunk[0][0] if chunk else 0, struct.pack(key, chunk[0][0] if chunk else 0, bid, ib)))
        if len(parents) == 1:
            return bid, ib
        entries, level, size = parents, level + 1, struct.calcsize(key)


def _write_maps(out: bytearray) -> int:
    """The allocation map (every 64 bytes in use marked) and the deprecated PMap; returns the free bytes."""
    used = len(out) - AMAP_AT
    bits = bytearray(_FORMAT.page_data)
    for n in range(used // 64):
        bits[n // 8] |= 0x80 >> (n % 8)
    amap = bytearray()
    _page(amap, bytes(bits), 0x84, AMAP_AT, with_sig=False)
    out[AMAP_AT:AMAP_AT + PAGE] = amap
    pmap = bytearray()
    _page(pmap, b"\xff" * _FORMAT.page_data, 0x83, PMAP_AT, with_sig=False)
    out[PMAP_AT:PMAP_AT + PAGE] = pmap
    return _FORMAT.page_data * 8 * 64 - used


def _header(eof: int, nbt: tuple[int, int], bbt: tuple[int, int], free: int, next_page: int, next_block: int,
            next_index: int) -> bytes:
    """The Unicode HEADER ([MS-PST] 2.2.2.6) with its partial and full CRCs."""
    rgnid = struct.pack("<32I", *([(next_index + 1) << 5] * 32))
    root = struct.pack("<IQQQQQQQQBBH", 0, eof, AMAP_AT, free, 0, nbt[0], nbt[1], bbt[0], bbt[1], 0x02, 0, 0)
    head = bytearray(b"!BDN" + b"\0" * 4)
    head += struct.pack("<HHHBBII", _FORMAT.client_magic, 23, 19, 1, 1, 0, 0)
    head += struct.pack("<QQI", 0, next_page, 0x1E)  # bidUnused, bidNextP, dwUnique
    head += rgnid + struct.pack("<Q", 0) + root + struct.pack("<I", 0)
    head += b"\xff" * 128 + b"\xff" * 128  # rgbFM, rgbFP (deprecated)
    head += struct.pack("<BBHQ", 0x80, 0, 0, next_block)  # bSentinel, bCryptMethod none, rgbReserved, bidNextB
    assert len(head) == 524
    struct.pack_into("<I", head, 4, crc(bytes(head[8:8 + 471])))
    head += struct.pack("<I", crc(bytes(head[8:8 + 516])))
    head += b"\0" * 3 + b"\0" + b"\0" * 32
    assert len(head) == 564
    return bytes(head)


def _header_ansi(eof: int, nbt: tuple[int, int], bbt: tuple[int, int], free: int, next_page: int, next_block: int,
                 next_index: int) -> bytes:
    """The ANSI HEADER ([MS-PST] 2.2.2.6): 32-bit fields, one (partial) CRC, 512 bytes."""
    rgnid = struct.pack("<32I", *([(next_index + 1) << 5] * 32))
    root = struct.pack("<IIIIIIIIIBBH", 0, eof, AMAP_AT, free, 0, nbt[0], nbt[1], bbt[0], bbt[1], 0x02, 0, 0)
    head = bytearray(b"!BDN" + b"\0" * 4)
    head += struct.pack("<HHHBBII", _FORMAT.client_magic, 14, 19, 1, 1, 0, 0)
    head += struct.pack("<III", next_block, next_page, 0x1E)  # bidNextB, bidNextP, dwUnique
    head += rgnid + root + b"\xff" * 128 + b"\xff" * 128
    head += struct.pack("<BBH", 0x80, 0, 0) + b"\0" * 8 + b"\0" * 4 + b"\0" * 3 + b"\0" + b"\0" * 32
    assert len(head) == 512
    struct.pack_into("<I", head, 4, crc(bytes(head[8:8 + 471])))
    return bytes(head)


def _folder_row(folder: PstFolder) -> dict[int, object]:
    return {0x3001: folder.name, 0x3602: len(folder.messages), 0x3603: 0, 0x360A: bool(folder.folders),
            0x3613: "IPF.Note"}


def _contents_row(m: PstMessage) -> dict[int, object]:
    props, _ = _message_props(m)
    wanted = {pid for pid, _ in CONTENTS_COLUMNS}
    return {pid: value for pid, _, value in props if pid in wanted}


def _add_folder(layout: _Layout, nid: int, parent: int, folder: PstFolder, sub_nids: list[int] | None = None,
                container_class: str | None = "IPF.Note") -> None:
    """A folder's PC, its three tables, its messages and, recursively, its sub-folders."""
    props: list[Value] = [(0x3001, PT_STRING, folder.name), (0x3602, PT_INT32, len(folder.messages)),
                          (0x3603, PT_INT32, 0), (0x360A, PT_BOOL, bool(folder.folders))]
    if container_class:
        props.append((0x3613, PT_STRING, container_class))
    layout.add(nid, parent, property_context(props))
    sub_nids = sub_nids or [layout.nid(NID_TYPE_NORMAL_FOLDER) for _ in folder.folders]
    message_nids = [layout.nid(NID_TYPE_NORMAL_MESSAGE) for _ in folder.messages]
    base = nid & ~0x1F
    hierarchy = [(n, _folder_row(f)) for n, f in zip(sub_nids, folder.folders, strict=True)]
    contents = [(n, _contents_row(m)) for n, m in zip(message_nids, folder.messages, strict=True)]
    layout.add(base | NID_TYPE_HIERARCHY_TABLE, 0, table_context(HIERARCHY_COLUMNS, hierarchy))
    layout.add(base | NID_TYPE_CONTENTS_TABLE, 0, table_context(CONTENTS_COLUMNS, contents))
    layout.add(base | NID_TYPE_ASSOC_CONTENTS_TABLE, 0, table_context(CONTENTS_COLUMNS, []))
    for message_nid, message in zip(message_nids, folder.messages, strict=True):
        layout.add(message_nid, nid, _message_node(message))
    for sub_nid, sub in zip(sub_nids, folder.folders, strict=True):
        _add_folder(layout, sub_nid, nid, sub)


def write_pst(folders: list[PstFolder], store_name: str = "Personal Folders",
              top_name: str = "Top of Personal Folders", ansi_codepage: str | None = None,
              ost: bool = False) -> bytes:
    """A PST holding `folders` under the store's top folder, as Outlook lays them out: the root folder (NID 0x122)
    holds one top folder, which the message store names as its IPM subtree. Unicode, or with `ansi_codepage`
    (e.g. "cp1251") the older ANSI format, its strings 8-bit in that code page; with `ost` an offline folder file
    (the same format, client magic "SO")."""
    global _FORMAT
    _FORMAT = _Format(ansi=bool(ansi_codepage), codepage=ansi_codepage or "cp1252", ost=ost)
    try:
        layout = _Layout()
        store_uid = bytes(range(0x10, 0x20))
        top = layout.nid(NID_TYPE_NORMAL_FOLDER)
        layout.add(NID_MESSAGE_STORE, 0, property_context([
            (0x0FF9, PT_BINARY, store_uid), (0x3001, PT_STRING, store_name),
            (0x35E0, PT_BINARY, _entry_id(store_uid, top)),
        ]))
        layout.add(NID_NAME_TO_ID_MAP, 0, property_context([
            (0x0001, PT_INT32, 251), (0x0002, PT_BINARY, b"\0" * 16), (0x0003, PT_BINARY, b"\0" * 8),
            (0x0004, PT_BINARY, b"\0" * 4),
        ]))
        root = PstFolder("", [], [PstFolder(top_name, [], folders)])
        _add_folder(layout, NID_ROOT_FOLDER, NID_ROOT_FOLDER, root, sub_nids=[top], container_class=None)
        return layout.to_bytes()
    finally:
        _FORMAT = _Format()


# ---------------------------------------------------------------------------------------------- from a received email
def message_from_eml(raw: bytes) -> PstMessage:
    """The PST message Outlook would keep for a received email: its header block as the transport headers, the
    decoded plain and HTML bodies, the sender, recipients, date, Message-ID and the attached files."""
    from email import message_from_bytes, policy
    from email.message import EmailMessage
    from email.utils import getaddresses, parseaddr

    parsed = message_from_bytes(raw, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    end = raw.find(b"\n\n") if b"\r\n\r\n" not in raw else raw.find(b"\r\n\r\n")
    headers = raw[:end].decode("utf-8", "replace").replace("\r\n", "\n").replace("\n", "\r\n") + "\r\n\r\n"
    name, address = parseaddr(str(parsed.get("From", "")))
    plain, html = parsed.get_body(("plain",)), parsed.get_body(("html",))
    attachments = []
    for part in parsed.iter_attachments():
        content = part.get_payload(decode=True)
        if isinstance(content, bytes):
            attachments.append(PstAttachment(part.get_filename() or "attachment", content, part.get_content_type()))
    date = parsed["Date"].datetime if parsed["Date"] is not None else datetime(2021, 1, 1, tzinfo=UTC)
    return PstMessage(
        subject=str(parsed.get("Subject", "")), body=plain.get_content() if plain is not None else None,
        sender_name=name or address, sender_email=address,
        to=[(n or a, a) for n, a in getaddresses([str(v) for v in parsed.get_all("To", [])])],
        sent=date.astimezone(UTC), transport_headers=headers, message_id=str(parsed.get("Message-ID", "")) or None,
        html_body=html.get_content().encode("utf-8") if html is not None else None,
        internet_codepage=65001 if html is not None else None, attachments=attachments)
