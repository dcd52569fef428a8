"""Ethics approval numbers (伦理审查批件编号), unique across the region.

A number is `ETH-{year}-{node}-{serial}`, e.g. `ETH-2026-ZJ-NODE-000123`: the year of the
decision (China Standard Time), the id of the node that issued it (the exchange's node id,
`flask exchange init --node-id`, in capitals) and the decision letter's id on that node
(six digits or more). Each node numbers its own letters only, and node ids tell the nodes of
the region apart, so no two nodes can issue the same number; a peer's envelope is accepted
only for numbers carrying the sender's own node id.

Letters printed before these numbers carry the node-local code `ETH-{serial}`
(`ETH-000123`): it is still accepted, and stands for every approval of that serial on any
node (as it always did). A node derives such an approval's region-wide number from what it
knows of it: the issuing node, the year of the decision and the serial (`derive`), which is
how the migration numbers existing approvals, own and received, and how an announcement
from a node not yet upgraded is kept.

At most 64 characters in all, the exchange's limit for a record id: a node id of up to 40
characters numbers approvals."""

from __future__ import annotations

import re
from dataclasses import dataclass

PREFIX = "ETH"
MAX_LENGTH = 64
MAX_NODE = 40
SERIAL_DIGITS = 6
NUMBER_RE = re.compile(r"ETH-(?P<year>20\d{2})-(?P<node>[A-Z0-9._:-]{1,40})-(?P<serial>\d{6,9})")
LEGACY_RE = re.compile(r"ETH-(?P<serial>\d{6,9})")


@dataclass(frozen=True)
class ApprovalNumber:
    """A number as written: region-wide (year, node and serial) or old-style (serial only)."""

    serial: int
    year: int | None = None
    node: str | None = None

    @property
    def legacy(self) -> bool:
        return self.node is None

    def __str__(self) -> str:
        if self.legacy:
            return legacy_code(self.serial)
        return f"{PREFIX}-{self.year}-{self.node}-{self.serial:0{SERIAL_DIGITS}d}"


def node_part(node_id: str) -> str:
    """The node id as a number writes it. Raises ValueError for one a number cannot carry."""
    part = (node_id or "").upper()
    if not re.fullmatch(r"[A-Z0-9._:-]{1,40}", part):
        raise ValueError(
            f"node id {node_id!r}: approval numbers need a node id of at most {MAX_NODE} "
            "letters, digits and . _ : -"
        )
    return part


def form(node_id: str, year: int, serial: int) -> str:
    """The region-wide number of the letter `serial` a node issued in a year."""
    if not 2000 <= year <= 2099 or serial < 1 or serial >= 10**9:
        raise ValueError(f"no approval number for year {year} and serial {serial}")
    return str(ApprovalNumber(serial, year, node_part(node_id)))


def legacy_code(serial: int) -> str:
    """The node-local code letters carried before region-wide numbers (`ETH-000123`)."""
    return f"{PREFIX}-{serial:0{SERIAL_DIGITS}d}"


def parse(text: str) -> ApprovalNumber:
    """A number written exactly (capitals, no spaces), new or old style. Raises ValueError."""
    if not isinstance(text, str) or len(text) > MAX_LENGTH:
        raise ValueError("not an ethics approval number")
    match = NUMBER_RE.fullmatch(text)
    if match:
        return ApprovalNumber(int(match["serial"]), int(match["year"]), match["node"])
    match = LEGACY_RE.fullmatch(text)
    if match and int(match["serial"]) > 0:
        return ApprovalNumber(int(match["serial"]))
    raise ValueError("not an ethics approval number")


def derive(node_id: str, year: int, number: str) -> str:
    """The region-wide number of an approval known by its old-style code: what its node
    assigns it (`form` with the decision's year and the letter's id)."""
    parsed = parse(number)
    if not parsed.legacy:
        return str(parsed)
    return form(node_id, year, parsed.serial)
