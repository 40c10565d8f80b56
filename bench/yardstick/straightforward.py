#!/usr/bin/env python3
"""The yardstick of issue 12 item 5: a straightforward single-process replay
of btrfs ftrace logs, in Python, standard library only.

It is what a kernel engineer would write in an afternoon from DOMAIN.md:
read each log whole, split it into lines, one plain regex per line, map
function and tracepoint names to domain events with the mapping table
seeds/ftrace-map.json (read as plain JSON), bind the events to block groups
by chains (DOMAIN.md §6.2-§6.3), then replay them under `unpatched` and under
`patched` (§3, §4 and the four fixes of §1), written out here - nothing of
racelab is called. No database, no threads, no caching, nothing streamed.

bench/real-logs.ts runs it as a child process on its ten logs and judges
racelab against it (the target: racelab at least 3x faster, start-up of both
included); the TypeScript yardstick bench/yardstick/straightforward.ts, the
same parse replayed by racelab's own engine in the bench's process, is only
the harder second bar. It must agree with racelab on every log: number of
events, of unbound events, the verdict under each rule set and where the
first finding is (test/bench-yardstick.test.ts holds some of those answers).

Scope (what the real 6.1 logs of ../shared/traces hold; the parse is a port
of the TypeScript yardstick's): the `trace` file of the `nop` and `function`
tracers, and of `function_graph` with its default columns (CPU, DURATION);
gap markers; `bgr:` annotations; the mapping table's kprobe tracepoints of
the recording kit. Left out: trace-cmd and JSON-lines input, other graph
columns, traces of several filesystems, gzip.
A line it cannot read is counted (`unreadable`), not fatal. What only feeds
racelab's warnings and views (free-space entries, device extents, the dirty
list, `used`) is not modelled: no verdict reads it.

    python3 bench/yardstick/straightforward.py FILE...          a line per file, then the time
    python3 bench/yardstick/straightforward.py --json FILE...   a JSON object per file (the time on stderr)

The JSON object: {"file", "tracer", "lines", "events", "unbound", "unreadable",
"verdicts": {"unpatched": v, "patched": v}, "findings": {rule set: {"effect",
"line"} or null}} where v is racelab's word (`clean`, `bug`, `undecidable`) and
a finding is the first effect (bug) or undecided point of that rule set.
"""
import bisect
import json
import os
import re
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MAP_FILE = os.path.join(ROOT, "seeds", "ftrace-map.json")
RULE_SETS = ("unpatched", "patched")

# --- the domain's tables (DOMAIN.md §3, §6.3) ---------------------------------------------

STEPS = {
    "relocation": ["relocate_chunk", "relocate_bg", "set_ro", "remove_chunk", "chunk_free", "remove_block_group"],
    "deletion": ["unused_bg_check", "set_ro", "remove_chunk", "chunk_free", "remove_block_group"],
    "trim": ["trim_bg", "discard_start", "discard_end", "trim_bg_end"],
    "scrub": ["scrub_dev_extent", "set_ro", "scrub_chunk", "clear_ro"],
    "creation": ["chunk_alloc", "bg_create"],
}
REPEATABLE = {"discard_start", "discard_end"}
KINDS_OF_STEP = {}
for _kind, _steps in STEPS.items():
    for _step in _steps:
        KINDS_OF_STEP.setdefault(_step, []).append(_kind)

# Every argument of each event, unknown.
EMPTY = {
    "unused_bg_check": {"bytenr": None, "outcome": "proceed", "used": None, "flags": None},
    "set_ro": {"bytenr": None, "flag": False},
    "clear_ro": {"bytenr": None, "flag": False},
    "relocate_chunk": {"bytenr": None},
    "relocate_bg": {"bytenr": None},
    "remove_chunk": {"bytenr": None},
    "chunk_free": {"bytenr": None, "len": None, "type": None},
    "remove_block_group": {"bytenr": None, "flags": None},
    "trim_bg": {"bytenr": None},
    "trim_bg_end": {"bytenr": None},
    "discard_start": {"bytenr": None, "len": None, "devid": None, "physical": None},
    "discard_end": {"bytenr": None},
    "chunk_alloc": {"bytenr": None, "len": None, "type": None, "stripes": None},
    "bg_create": {"bytenr": None, "len": None, "flags": None},
    "bg_items_insert": {},
    "bg_alloc": {"bytenr": None, "start": None, "len": None, "flags": None},
    "commit_start": {},
    "writeout_early": {},
    "writeout_critical": {},
    "writeout_end": {},
    "write_cache_group": {"bytenr": None},
    "commit_done": {"gen": None},
    "scrub_dev_extent": {"bytenr": None, "devid": None, "physical": None},
    "scrub_chunk": {"bytenr": None},
    "eb_write": {"bytenr": None, "len": None},
    "assert_fail": {},
    "trans_abort": {},
    "trace_gap": {"cpu": None, "lost": None},
}
FLAG_BITS = {"DATA": 1, "SYSTEM": 2, "METADATA": 4, "RAID0": 8, "RAID1": 16, "DUP": 32, "RAID10": 64,
             "RAID5": 128, "RAID6": 256, "RAID1C3": 512, "RAID1C4": 1024}
RAID0, RAID10, RAID5, RAID6 = 8, 64, 128, 256
FLAG_KEYS = {"flags", "type"}


# --- the mapping table, read as data ------------------------------------------------------

class MapTable:
    def __init__(self, path=MAP_FILE):
        with open(path, encoding="utf-8") as f:
            table = json.load(f)
        self.functions = {}
        self.tracepoints = {}
        self.mergeable = set()  # events a tracepoint merges into: their function events wait for it
        for rule in table["functions"]:
            for name in rule["names"]:
                self.functions[name] = rule
        for rule in table["tracepoints"]:
            for name in rule["names"]:
                self.tracepoints[name] = rule
            if rule.get("merge") and rule.get("event"):
                self.mergeable.add(rule["event"])


# --- lines --------------------------------------------------------------------------------

# `              dd-1639    [000] ...1.   281.693063: btrfs_space_reservation: ee24...: space_info: 4 reserve 1310720`
# `           btrfs-1648    [001] .....   283.140178: btrfs_relocate_chunk <-btrfs_balance`
#   1 comm, 2 pid, 3 cpu, 4 timestamp, then 5 function 6 parent, or 7 tracepoint 8 its text
FLAT = re.compile(r"^\s*(.*?)-(\d+)\s+(?:\(\s*[-\d]+\)\s+)?\[(\d+)\]\s+(?:\S{4,5}\s+)?(\d+\.\d+): "
                  r"(?:(\S+) <-(\S+)|([^\s:]+):\s?(.*))$")
# ` 1)               |      /* btrfs_chunk_free: 8f11...: root=3(CHUNK_TREE) offset=13631488 ... */`
# ` 0)               |  btrfs_relocate_chunk [btrfs]() {`   ` 1) + 58.669 us   |    btrfs_create_pending_block_groups [btrfs]();`
# ` 1) * 34570.26 us |    } /* btrfs_relocate_block_group [btrfs] */`   ` 0) ! 556.736 us  |  }`
#   1 cpu, 2 indent, then 3 tracepoint 4 its text, or 5 entry, or 6 leaf, or (7 name of) an exit
GRAPH = re.compile(r"^\s*(\d+)\)[^|]*\|( *)(?:/\* ([^\s:]+):\s?(.*) \*/|([\w.]+)(?: \[\w+\])?\(\) \{"
                   r"|([\w.]+)(?: \[\w+\])?\(\);|\}(?: /\* ([\w.]+)(?: \[\w+\])? \*/)?)\s*$", re.ASCII)
# ` 0)     dd-336     =>     dd-337    `
SWITCH = re.compile(r"^\s*(\d+)\)\s+(.*?)-(\d+)\s+=>\s+(.*?)-(\d+)\s*$")
# `CPU:1 [LOST 3 EVENTS]`, `##### CPU 0 buffer started ####`
GAP = re.compile(r"^\s*(?:CPU:(\d+) \[LOST (\d+) EVENTS\]|#+ CPU (\d+) buffer started #+)\s*$")
DASHES = re.compile(r"^\s*-+\s*$")
FSID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}:\s*")
PAIR = re.compile(r"([A-Za-z_]\w*)\s?=\s?([^\s,]*)", re.ASCII)
NUMBER = re.compile(r"^(0x[0-9a-fA-F]+|\d+)")
CLONE = re.compile(r"(?:\.(?:isra|constprop|part|lto_priv|llvm)\.\d+|\.cold(?:\.\d+)?)+$")
# `bgr: args bytenr=29360128 len=1048576`, `bgr: unused_bg_check bytenr=... skip=1`
ANNOTATION = re.compile(r"^bgr:\s*(\w+)\s*(.*)$", re.ASCII)
ANNOTATION_EVENTS = {"unused_bg_check", "eb_write", "scrub_dev_extent", "discard_end", "trim_bg_end"}
ARG_KEYS = ("bytenr", "len", "devid", "physical", "stripes", "used")


def normalize(name):
    """`btrfs_relocate_chunk.isra.29` -> `btrfs_relocate_chunk`."""
    return CLONE.sub("", name) if "." in name else name


def to_int(text):
    return int(text, 16) if text.startswith("0x") else int(text)


def read_value(key, raw):
    """`30408704`, `3(CHUNK_TREE)`, `0x1d00000` -> the number; `METADATA|DUP` for flags; None if none."""
    m = NUMBER.match(raw)
    if m:
        return to_int(m.group(1))
    if key not in FLAG_KEYS or raw == "":
        return None
    bits = 0
    for name in raw.split("|"):
        if name not in FLAG_BITS:
            return None
        bits |= FLAG_BITS[name]
    return bits


def read_args(text):
    """The `key=value` words of an annotation (`logical` is another name of bytenr)."""
    args = dict.fromkeys(ARG_KEYS)
    args["skip"] = False
    for word in text.split():
        key, eq, value = word.partition("=")
        if not eq:
            continue
        if key in ("bytenr", "logical"):
            args["bytenr"] = to_int(value)
        elif key in ("len", "physical", "used", "devid"):
            args[key] = to_int(value)
        elif key == "skip":
            args["skip"] = value == "1"
        elif key == "stripes":
            args["stripes"] = [tuple(int(x) for x in p.split(":")) for p in value.split(",")]
    return args


def fill_args(data, args, with_bytenr):
    """Fills the event's still unknown arguments from an annotation's."""
    for key in ARG_KEYS:
        if (key != "bytenr" or with_bytenr) and args[key] is not None and key in data and data[key] is None:
            data[key] = args[key]


# --- binding ------------------------------------------------------------------------------

class Chain:
    """A task's steps on one block group (§6.3), e.g. a relocation; its subject may be named later."""

    __slots__ = ("id", "kind", "current", "subject", "owner", "has_remove_bg")

    def __init__(self, id, kind, current, subject, owner):
        self.id, self.kind, self.current, self.subject, self.owner = id, kind, current, subject, owner
        self.has_remove_bg = False


class Event:
    """A domain event (§3) at its file line; `data` holds its arguments, None where unknown."""

    __slots__ = ("type", "data", "line", "pid", "chain", "merge_open", "first", "last")

    def __init__(self, type, data, line, pid, chain=None):
        self.type, self.data, self.line, self.pid, self.chain = type, data, line, pid, chain
        self.merge_open = False
        self.first = self.last = False  # first / last event of its chain in file order


class Task:
    """What the parse knows of one pid (§6.3): roles, open chains, graph frames."""

    def __init__(self, pid, comm):
        self.pid = pid
        self.roles = set()
        self.role = None  # the role learnt most recently (`allocator` never becomes it)
        if comm in ("btrfs-cleaner", "btrfs-c"):
            self.roles.add("cleaner")
            self.role = "cleaner"
        self.open = {}  # chain kind -> open chain
        self.frames = []  # graph logs: (name, rule) by depth, None where no frame
        self.last = None  # its latest event (a tracepoint may merge into it)
        self.discard = "none"  # none | open | ended
        self.args = None  # a `bgr: args` annotation waiting for the next mapped line


def parse_log(path, table):
    """One log's events, bound: (events, tracer, lines, unbound, unreadable)."""
    with open(path, encoding="utf-8", errors="replace") as f:
        lines = f.read().split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    tracer = "nop"
    for text in lines:
        if text.startswith("# tracer:"):
            tracer = text[9:].strip()
            break
    graph = tracer == "function_graph"
    functions, tracepoints, mergeable = table.functions, table.tracepoints, table.mergeable

    events = []
    tasks = {}
    chain_ids = [0]
    unreadable = 0
    line_no = 0

    def task_of(pid, comm, cpu):
        key = -(1 + cpu) if pid == 0 else pid  # every CPU has its own idle task
        t = tasks.get(key)
        if t is None:
            t = tasks[key] = Task(key, comm)
        return t

    def learn_role(t, rule):
        role = rule.get("role") if rule else None
        if role:
            t.roles.add(role)
            if role != "allocator":
                t.role = role

    def close_chain(c):
        if c.owner.open.get(c.kind) is c:
            del c.owner.open[c.kind]

    def open_chain(t, kind, step, subject):
        old = t.open.get(kind)
        if old:
            close_chain(old)
        chain_ids[0] += 1
        c = t.open[kind] = Chain(chain_ids[0], kind, step, subject, t)
        return c

    def kinds_for(step, role):
        """Kinds that have the step, the task's role's own first (cleaner: deletion, scrub: scrub, else relocation)."""
        kinds = KINDS_OF_STEP[step]
        first = "deletion" if role == "cleaner" and "deletion" in kinds else "scrub" if role == "scrub" and "scrub" in kinds else "relocation"
        return [first] + [k for k in kinds if k != first] if first in kinds else kinds

    def bind_step(t, ev, subject):
        """The chain an event joins or opens (§6.3); its subject may be named later."""
        step = ev.type
        if step == "unused_bg_check" and ev.data["outcome"] == "skip":
            ev.chain = open_chain(t, "deletion", step, subject)  # a recorded skip: a chain by itself
            close_chain(ev.chain)
            return
        kinds = kinds_for(step, t.role)
        c = None
        for k in kinds:
            o = t.open.get(k)
            if o and (STEPS[k].index(step) > STEPS[k].index(o.current) or step in REPEATABLE):
                c = o
                break
        if c and subject is not None and c.subject is not None and c.subject != subject:
            close_chain(c)  # a line naming another block group starts a new chain
            c = None
        if c is None:
            c = open_chain(t, kinds[0], step, subject)
        else:
            c.current = step
            if c.subject is None:
                c.subject = subject
        ev.chain = c
        if STEPS[c.kind][-1] == step:
            close_chain(c)

    def emit(t, type, data, subject, from_function):
        if t.last:
            t.last.merge_open = False
        ev = Event(type, data, line_no, t.pid)
        ev.merge_open = from_function and type in mergeable
        if type in KINDS_OF_STEP:
            bind_step(t, ev, subject)
        t.last = ev
        events.append(ev)

    def emit_step(t, type, data, subject, from_function):
        if type == "trim_bg":
            end_trim(t)
        emit(t, type, data, subject, from_function)
        if type == "discard_start":
            t.discard = "open"

    def end_trim(t):
        if "trim" in t.open:
            emit(t, "trim_bg_end", dict(EMPTY["trim_bg_end"]), None, False)

    def end_discard(t, explicit=False):
        if t.discard != "open" and not (explicit and t.discard == "none"):
            return
        t.discard = "ended"
        emit(t, "discard_end", dict(EMPTY["discard_end"]), None, False)

    def exit_actions(t, ex):
        if ex.get("end") == "discard":
            end_discard(t)
        if ex.get("end") == "trim":
            end_trim(t)
        if ex.get("event"):
            emit(t, ex["event"], dict(EMPTY[ex["event"]]), None, False)
        if ex.get("closeChain"):
            c = t.open.get(ex["closeChain"])
            if c:
                close_chain(c)

    def function_line(t, rule, parent):
        if not rule or rule.get("role") or rule.get("noise"):
            return
        if rule.get("end"):
            if (parent in rule["parents"]) if parent is not None else ("trim" in t.roles):
                if rule["end"] == "trim":
                    end_trim(t)
                else:
                    end_discard(t)
            return
        event = rule["event"]
        data = dict(EMPTY[event])
        data.update(rule.get("data", {}))
        # An annotation's bytenr names the subject of a chain step's chain, else the event's own.
        step = event in KINDS_OF_STEP
        args, t.args = t.args, None
        if args:
            fill_args(data, args, not step)
        emit_step(t, event, data, args["bytenr"] if step and args else None, True)

    def annotation(t, text):
        nonlocal unreadable
        m = ANNOTATION.match(text.strip())
        if not m:
            unreadable += 1
            return
        word, args = m.group(1), read_args(m.group(2))
        if word == "args":
            t.args = args
        elif word not in ANNOTATION_EVENTS:
            return
        elif word == "discard_end":
            end_discard(t, True)
        elif word == "trim_bg_end":
            end_trim(t)
        else:
            data = dict(EMPTY[word])
            if word == "unused_bg_check":
                data["outcome"] = "skip" if args["skip"] else "proceed"
                data["used"] = args["used"]
            else:
                fill_args(data, args, word == "eb_write")
            emit(t, word, data, None if word == "eb_write" else args["bytenr"], False)

    def tracepoint_line(t, name, text):
        nonlocal unreadable
        rule = tracepoints.get(name)
        if not rule or not rule.get("event"):
            return
        if rule.get("within") and rule["within"] not in t.open:
            return
        fsid = FSID.match(text)
        values = {}
        for k, v in PAIR.findall(text[fsid.end():] if fsid else text):
            values.setdefault(k, v)
        for k, v in rule.get("when", {}).items():
            if values.get(k) != v:
                return
        event = rule["event"]
        data = dict(EMPTY[event])
        data.update(rule.get("data", {}))
        for key, field in rule.get("fields", {}).items():
            raw = values.get(field)
            value = None if raw is None else read_value(key, raw)
            if value is not None:
                data[key] = value
            elif key not in rule.get("optional", ()):
                unreadable += 1  # racelab refuses such a line
                return
        bytenr = data.get("bytenr")
        # A tracepoint of a function's name merges into that function's event (§6.2 Merging).
        cand = t.last
        if rule.get("merge") and cand and cand.merge_open and cand.type == event:
            bound = cand.chain.subject if cand.chain else cand.data.get("bytenr")
            if bound is None or bound == bytenr:
                for k, v in data.items():
                    if k != "bytenr" and k in cand.data and cand.data[k] is None:
                        cand.data[k] = v
                if cand.chain:
                    if cand.chain.subject is None:
                        cand.chain.subject = bytenr
                elif cand.data.get("bytenr") is None:
                    cand.data["bytenr"] = bytenr
                cand.merge_open = False
                return
        args, t.args = t.args, None
        if args:
            fill_args(data, args, True)
        emit_step(t, event, data, data.get("bytenr") if rule.get("subject") else None, False)

    def close_frames(t, depth):
        for d in range(len(t.frames) - 1, depth - 1, -1):
            frame = t.frames[d]
            if frame and frame[1] and frame[1].get("exit"):
                exit_actions(t, frame[1]["exit"])
        del t.frames[depth:]

    # Graph logs: each CPU's current task, from its context-switch blocks; before a CPU's first
    # block its lines belong to that block's left-hand task (read ahead), or to an unknown task of its own.
    current = {}

    def graph_task(cpu, i):
        t = current.get(cpu)
        if t:
            return t
        for text in lines[i:]:
            if "=>" in text:
                s = SWITCH.match(text)
                if s and int(s.group(1)) == cpu:
                    t = task_of(int(s.group(3)), s.group(2), cpu)
                    break
        if t is None:
            t = task_of(-(1 + cpu), "cpu%d" % cpu, cpu)
        current[cpu] = t
        return t

    for i, text in enumerate(lines):
        line_no = i + 1
        if graph:
            m = GRAPH.match(text)
            if m:
                t = graph_task(int(m.group(1)), i)
                tp, entry, leaf = m.group(3), m.group(5), m.group(6)
                if tp is not None:
                    if tp == "bgr":
                        annotation(t, "bgr: " + m.group(4))
                    else:
                        tracepoint_line(t, tp, m.group(4))
                    continue
                depth = (len(m.group(2)) - 2) // 2
                name = entry or leaf
                if name is not None:
                    close_frames(t, depth)
                    fn = normalize(name)
                    parent = next((f for f in reversed(t.frames) if f), None)
                    learn_role(t, parent[1] if parent else None)
                    rule = functions.get(fn)
                    learn_role(t, rule)
                    function_line(t, rule, parent[0] if parent else None)
                    if leaf is not None:
                        if rule and rule.get("exit"):
                            exit_actions(t, rule["exit"])
                    else:
                        t.frames.extend([None] * (depth + 1 - len(t.frames)))
                        t.frames[depth] = (fn, rule)
                    continue
                frame = t.frames[depth] if depth < len(t.frames) else None
                if frame and (m.group(7) is None or normalize(m.group(7)) == frame[0]):
                    close_frames(t, depth)
                # else: an exit with no frame of its own (orphan), ignored
                continue
        else:
            m = FLAT.match(text)
            if m:
                comm = m.group(1).strip()
                t = task_of(int(m.group(2)), None if comm == "<...>" else comm, int(m.group(3)))
                if m.group(5) is not None:
                    rule = functions.get(normalize(m.group(5)))
                    parent = normalize(m.group(6))
                    learn_role(t, functions.get(parent))
                    learn_role(t, rule)
                    function_line(t, rule, parent)
                elif m.group(8).startswith("bgr:"):
                    annotation(t, m.group(8))
                else:
                    tracepoint_line(t, m.group(7), m.group(8))
                continue
        if text.strip() == "":
            continue
        g = GAP.match(text)
        if g:
            cpu = int(g.group(1) or g.group(3))
            lost = int(g.group(2)) if g.group(2) else None
            events.append(Event("trace_gap", {"cpu": cpu, "lost": lost}, line_no, 0))
            continue
        if text.startswith("#"):
            continue
        if graph and "=>" in text:
            s = SWITCH.match(text)
            if s:
                current[int(s.group(1))] = task_of(int(s.group(5)), s.group(4), int(s.group(1)))
                continue
        if graph and DASHES.match(text):
            continue
        unreadable += 1

    # End of the trace: open trims end, open chains close (unnamed ones stay unbound).
    line_no = len(lines)
    for t in tasks.values():
        end_trim(t)
        t.open.clear()

    # Every event of a chain has the chain's subject; what the replay must know of each chain ahead.
    unbound = 0
    seen = set()
    for ev in events:
        c = ev.chain
        if c:
            if "bytenr" in ev.data:
                ev.data["bytenr"] = c.subject
            ev.first = c.id not in seen
            seen.add(c.id)
            c.has_remove_bg = c.has_remove_bg or ev.type == "remove_block_group"
        if ev.data.get("bytenr", 0) is None:
            unbound += 1
    seen.clear()
    for ev in reversed(events):
        if ev.chain:
            ev.last = ev.chain.id not in seen
            seen.add(ev.chain.id)
    return events, tracer, len(lines), unbound, unreadable


# --- the replay (DOMAIN.md §2-§4) ---------------------------------------------------------

class Rules:
    """A rule set: which of the four fixes (DOMAIN.md §1) it has."""

    def __init__(self, name):
        fixed = name == "patched"
        self.name = name
        self.mutex = fixed  # delete-unused-bgs-mutex (seed 000)
        self.pin = fixed  # pin-chunks-during-trim (seed 001)
        self.retry_enoent = fixed  # retry-enoent-cache-writeout (seed 002)
        self.scrub_skip = fixed  # scrub-skip-removed-chunk (seeds 003/004)


class BlockGroup:
    def __init__(self, start, length=None):
        self.start = start
        self.length = length
        self.ro = 0
        self.reserved = 0  # bytes reserved by discards in flight
        self.reserved_unknown = 0  # discards in flight whose length is unknown
        self.removed = False  # fix 001's flag
        self.trimming = 0  # fix 001's counter
        self.in_cache_tree = True  # False: a tombstone, never re-created
        self.item_inserted = True
        self.new_bgs_of = None  # pid whose handle still has it on new_bgs


class ChunkMap:
    def __init__(self, start, len=None, type=None, allocated_at=None):
        self.start = start
        self.len = len
        self.type = type
        self.stripes = None  # [(devid, physical)] from chunk_alloc, None when unknown
        self.dev_ranges = []  # [(devid, physical, end)] known to belong to the chunk
        self.in_tree = True
        self.pinned = False
        self.allocated_at = allocated_at  # application index of its chunk_alloc; None: older than the trace
        self.deleted_at = None  # k when remove_chunk deleted its device extents


class Discard:
    def __init__(self, bg, len, devid, physical, reserved, reserved_unknown, started_at, start_seq):
        self.bg, self.len, self.devid, self.physical = bg, len, devid, physical
        self.reserved, self.reserved_unknown = reserved, reserved_unknown
        self.started_at, self.start_seq = started_at, start_seq
        self.hit = False  # a metadata write landed in its range since it started
        self.unknown_write = False  # a write to a newer chunk at an unknown physical address

    def range_known(self):
        return self.devid is not None and self.physical is not None and self.len is not None

    def judge(self):
        """(effect, undecided): the effect condition of discard_end (§3) and §4.7 (d)."""
        if self.hit:
            return True, False
        return False, not self.range_known() or self.unknown_write


class Actor:
    def __init__(self, pid):
        self.pid = pid
        self.phase = "none"
        self.discard = None
        self.trim = None  # (bytenr, counted) of the block group it trims
        self.new_bgs = []
        self.unbound_ro = 0  # unbound set_ro not matched by an unbound clear_ro


def is_linear(type):
    """SINGLE, DUP, RAID1, RAID1C3, RAID1C4: every stripe holds the whole chunk."""
    return type is not None and type & (RAID0 | RAID10 | RAID5 | RAID6) == 0


def stripe_length(type, length, stripes):
    if length is None or type is None or stripes == 0:
        return None
    if is_linear(type):
        return length
    if type & RAID10:
        return length // (stripes // 2) if stripes >= 2 else None
    if type & RAID6:
        return length // (stripes - 2) if stripes > 2 else None
    if type & RAID5:
        return length // (stripes - 1) if stripes > 1 else None
    return length // stripes


def overlaps(a0, a1, b0, b1):
    return a0 < b1 and b0 < a1


class Fs:
    """The filesystem (§2) and what each event does to it (§3). Each handler returns its notes:
    ("effect", name), ("invariant",), ("undecided", why), ("cut",), ("chunk_removed",)."""

    def __init__(self, rules, items_unknown):
        self.rules = rules
        self.items_unknown = items_unknown
        self.commits = 0  # k
        self.bgs = {}
        self.maps = {}
        self.map_starts = []  # sorted, to find the chunk of a logical address
        self.pinned = []
        self.actors = {}
        self.open_discards = []  # pids
        self.applied = 0  # application index

    def actor(self, pid):
        a = self.actors.get(pid)
        if a is None:
            a = self.actors[pid] = Actor(pid)
        return a

    def add_map(self, m):
        self.maps[m.start] = m
        bisect.insort(self.map_starts, m.start)

    def ensure_bg(self, b):
        """A block group never seen before is created with defaults (§4.6); a tombstone stays one."""
        bg = self.bgs.get(b)
        if bg is None:
            bg = self.bgs[b] = BlockGroup(b)
        if b not in self.maps:
            self.add_map(ChunkMap(b))
        return bg

    def learn(self, b, flags, length=None):
        """Profile and length a line prints fill in what was unknown."""
        bg, m = self.bgs[b], self.maps[b]
        if bg.length is None:
            bg.length = length
        if m.type is None:
            m.type = flags
        if m.len is None:
            m.len = length

    def containing_map(self, logical):
        m = self.maps.get(logical)
        if m:
            return m
        i = bisect.bisect_right(self.map_starts, logical)
        if i == 0:
            return None
        m = self.maps[self.map_starts[i - 1]]
        length = m.len
        if length is None and m.start in self.bgs:
            length = self.bgs[m.start].length
        return m if length is not None and logical < m.start + length else None

    def apply(self, ev, seq, deferred):
        notes = []
        self.actor(ev.pid)
        handler = getattr(self, "on_" + ev.type, None)
        if handler:
            handler(ev, ev.data, seq, deferred, notes)
        self.applied += 1
        return notes

    @staticmethod
    def violation(deferred, notes):
        """A broken invariant in recorded position is a finding; in a moved event, an artefact of the new order."""
        if not deferred:
            notes.append(("invariant",))

    # -- the handlers, one per event type that changes something

    def on_unused_bg_check(self, ev, d, seq, deferred, notes):
        if d["bytenr"] is not None:
            self.ensure_bg(d["bytenr"])
            self.learn(d["bytenr"], d.get("flags"))

    def on_set_ro(self, ev, d, seq, deferred, notes):
        if d["bytenr"] is None:
            self.actor(ev.pid).unbound_ro += 1
            return
        bg = self.ensure_bg(d["bytenr"])
        bg.ro = 1 if d["flag"] else bg.ro + 1

    def on_clear_ro(self, ev, d, seq, deferred, notes):
        if d["bytenr"] is None:
            a = self.actor(ev.pid)
            a.unbound_ro = max(0, a.unbound_ro - 1)
            return
        bg = self.ensure_bg(d["bytenr"])
        bg.ro = 0 if d["flag"] else max(0, bg.ro - 1)

    def on_relocate_chunk(self, ev, d, seq, deferred, notes):
        if d["bytenr"] is not None:
            self.ensure_bg(d["bytenr"])

    on_relocate_bg = on_relocate_chunk
    on_scrub_dev_extent = on_relocate_chunk

    def on_remove_chunk(self, ev, d, seq, deferred, notes):
        b = d["bytenr"]
        if b is None:
            if any(not m.in_tree for m in self.maps.values()):
                notes.append(("undecided", "remove_chunk of an unknown chunk while some extent map is gone"))  # §4.7 (a)
            return
        self.ensure_bg(b)
        m = self.maps[b]
        if not m.in_tree:
            notes.append(("effect", "assertion_failure"))
        elif m.deleted_at is not None:
            self.violation(deferred, notes)  # removed twice
        else:
            m.deleted_at = self.commits
            notes.append(("chunk_removed",))

    def on_chunk_free(self, ev, d, seq, deferred, notes):
        if d["bytenr"] is not None:
            self.ensure_bg(d["bytenr"])
            self.learn(d["bytenr"], d.get("type"), d["len"])

    def on_remove_block_group(self, ev, d, seq, deferred, notes):
        b = d["bytenr"]
        if b is None:
            return
        bg = self.ensure_bg(b)
        self.learn(b, d.get("flags"))
        if not bg.in_cache_tree:
            self.violation(deferred, notes)  # removed twice
            return
        if bg.new_bgs_of is not None:
            owner = self.actor(bg.new_bgs_of)
            owner.new_bgs = [x for x in owner.new_bgs if x != b]
        bg.in_cache_tree = False
        bg.removed = self.rules.pin or self.rules.scrub_skip
        bg.new_bgs_of = None
        m = self.maps[b]
        if m.deleted_at is None:
            m.deleted_at = self.commits  # a trace without remove_chunk still removed them
        if self.rules.pin and bg.trimming > 0:
            m.pinned = True  # fix 001: the map stays while it is being trimmed
            self.pinned.append(b)
        else:
            m.in_tree = False

    def on_trim_bg(self, ev, d, seq, deferred, notes):
        a = self.actor(ev.pid)
        if a.trim:
            self.end_trim(a)  # the previous trim ended without a marker
        b = d["bytenr"]
        if b is None:
            a.trim = (None, False)
            return
        bg = self.ensure_bg(b)
        if not self.rules.pin:
            a.trim = (b, False)
        elif bg.removed:
            notes.append(("cut",))  # fix 001: nothing to trim, its discards and end are not applied
        else:
            bg.trimming += 1
            a.trim = (b, True)

    def on_trim_bg_end(self, ev, d, seq, deferred, notes):
        a = self.actor(ev.pid)
        if a.trim:
            self.end_trim(a)

    def end_trim(self, a):
        b, counted = a.trim
        a.trim = None
        if not counted or b not in self.bgs:
            return
        bg = self.bgs[b]
        bg.trimming = max(0, bg.trimming - 1)
        if bg.trimming == 0 and bg.removed:
            m = self.maps.get(b)
            if m and m.pinned:
                m.pinned = False  # the last trimmer drops the map
                m.in_tree = False
                self.pinned.remove(b)

    def close_discard(self, a):
        d = a.discard
        a.discard = None
        self.open_discards.remove(a.pid)
        bg = self.bgs.get(d.bg) if d.bg is not None else None
        if bg:
            if d.reserved is not None:
                bg.reserved = bg.reserved - d.reserved if bg.reserved > d.reserved else 0
            if d.reserved_unknown:
                bg.reserved_unknown = max(0, bg.reserved_unknown - 1)

    def on_discard_start(self, ev, d, seq, deferred, notes):
        a = self.actor(ev.pid)
        if a.discard:
            effect, undecided = a.discard.judge()
            if effect or undecided:
                notes.append(("undecided", "a discard with no recorded end"))
            self.close_discard(a)
        b, length, devid, physical = d["bytenr"], d["len"], d["devid"], d["physical"]
        reserved, reserved_unknown = None, False
        if b is not None:
            bg = self.ensure_bg(b)
            if bg.ro == 0:
                if length is not None:
                    reserved = length
                    bg.reserved += length
                else:
                    reserved_unknown = True
                    bg.reserved_unknown += 1
            if devid is not None and physical is not None and length is not None:
                m = self.maps[b]
                end = physical + length
                if not any(r[0] == devid and r[1] <= physical and end <= r[2] for r in m.dev_ranges):
                    # add the range, merged with those it overlaps or touches
                    lo, hi, rest = physical, end, []
                    for r in m.dev_ranges:
                        if r[0] == devid and r[1] <= hi and lo <= r[2]:
                            lo, hi = min(lo, r[1]), max(hi, r[2])
                        else:
                            rest.append(r)
                    m.dev_ranges = rest + [(devid, lo, hi)]
        a.discard = Discard(b, length, devid, physical, reserved, reserved_unknown, self.applied, seq)
        self.open_discards.append(ev.pid)

    def on_discard_end(self, ev, d, seq, deferred, notes):
        a = self.actor(ev.pid)
        if not a.discard:
            return  # no discard in progress: a warning only
        effect, undecided = a.discard.judge()
        if effect:
            notes.append(("effect", "discard_overwrites_metadata"))
        elif undecided:
            notes.append(("undecided", "discard whose range or writes are unknown"))
        self.close_discard(a)

    def on_chunk_alloc(self, ev, d, seq, deferred, notes):
        b = d["bytenr"]
        if b is None or b in self.maps:
            return  # an existing chunk: a warning only
        length, type = d["len"], d["type"]
        m = ChunkMap(b, length, type, self.applied)
        if d["stripes"] is not None:
            size = stripe_length(type, length, len(d["stripes"])) or 1
            avoid = []
            if self.rules.pin:
                for p in self.pinned:
                    if self.maps[p].pinned:
                        avoid += self.maps[p].dev_ranges
            if self.rules.mutex:
                # The order is not the recorded one: never place a stripe on a range still in use.
                for other in self.maps.values():
                    reusable = not other.pinned and other.deleted_at is not None and self.commits > other.deleted_at
                    if not reusable:
                        avoid += other.dev_ranges
            placed = []
            for devid, physical in d["stripes"]:
                p = physical
                while True:
                    hit = next((r for r in avoid + placed if r[0] == devid and overlaps(p, p + size, r[1], r[2])), None)
                    if hit is None:
                        break
                    p = hit[2]
                placed.append((devid, p, p + size))
            m.stripes = [(r[0], r[1]) for r in placed]
            m.dev_ranges = placed
        self.add_map(m)

    def on_bg_create(self, ev, d, seq, deferred, notes):
        b = d["bytenr"]
        if b is None or b in self.bgs:
            return  # an existing block group: a warning only
        bg = self.bgs[b] = BlockGroup(b, d["len"])
        bg.item_inserted = False
        bg.new_bgs_of = ev.pid
        self.actor(ev.pid).new_bgs.append(b)
        m = self.maps.get(b)
        if m is None:
            self.add_map(ChunkMap(b, d["len"], d["flags"], self.applied))  # its chunk was allocated untraced
        else:
            if m.len is None:
                m.len = d["len"]
            if m.type is None:
                m.type = d["flags"]

    def on_bg_items_insert(self, ev, d, seq, deferred, notes):
        a = self.actor(ev.pid)
        for b in a.new_bgs:
            bg = self.bgs.get(b)
            if bg and bg.in_cache_tree:
                bg.item_inserted = True
                bg.new_bgs_of = None
        a.new_bgs = []

    def on_bg_alloc(self, ev, d, seq, deferred, notes):
        b = d["bytenr"]
        if b is None:
            return
        bg = self.ensure_bg(b)
        self.learn(b, d.get("flags"))
        if not bg.in_cache_tree:
            self.violation(deferred, notes)  # an extent reserved in a removed block group

    def on_commit_start(self, ev, d, seq, deferred, notes):
        self.actor(ev.pid).phase = "none"

    on_writeout_end = on_commit_start

    def on_writeout_early(self, ev, d, seq, deferred, notes):
        self.actor(ev.pid).phase = "early"

    def on_writeout_critical(self, ev, d, seq, deferred, notes):
        self.actor(ev.pid).phase = "critical"

    def on_write_cache_group(self, ev, d, seq, deferred, notes):
        b = d["bytenr"]
        tolerated = self.rules.retry_enoent and self.actor(ev.pid).phase == "early"  # fix 002
        if b is None:
            if not tolerated and any(bg.in_cache_tree and not bg.item_inserted for bg in self.bgs.values()):
                notes.append(("undecided", "write_one_cache_group of an unknown block group while an item is missing"))  # §4.7 (c)
            return
        bg = self.ensure_bg(b)
        if not bg.in_cache_tree:
            self.violation(deferred, notes)  # writing the item of a removed block group
        elif bg.item_inserted or tolerated:
            pass
        elif self.items_unknown:
            notes.append(("undecided", "the trace does not show phase 2 of block group creation"))
        else:
            notes.append(("effect", "transaction_abort_enoent"))

    def on_commit_done(self, ev, d, seq, deferred, notes):
        self.commits += 1
        for a in self.actors.values():
            a.phase = "none"

    def on_scrub_chunk(self, ev, d, seq, deferred, notes):
        b = d["bytenr"]
        if b is None:
            for m in self.maps.values():
                bg = self.bgs.get(m.start)
                if not m.in_tree and not (self.rules.scrub_skip and bg and bg.removed):
                    notes.append(("undecided", "scrub_chunk of an unknown chunk while some extent map is gone"))  # §4.7 (b)
                    break
            return
        bg = self.ensure_bg(b)
        if self.maps[b].in_tree:
            return
        if not (self.rules.scrub_skip and bg.removed):  # fix 003: a removed block group's chunk is skipped
            notes.append(("effect", "scrub_einval"))

    def on_eb_write(self, ev, d, seq, deferred, notes):
        b = d["bytenr"]
        if b is None:
            return
        m = self.containing_map(b)
        if m is None:
            return  # a chunk older than the trace
        if not m.in_tree:
            self.violation(deferred, notes)  # a write to a removed chunk
            return
        ranges = None
        if m.stripes is not None and is_linear(m.type):
            off, size = b - m.start, d["len"] if d["len"] is not None else 1
            ranges = [(devid, p + off, p + off + size) for devid, p in m.stripes]
        if not self.open_discards or m.allocated_at is None:
            return
        for pid in self.open_discards:
            dis = self.actors[pid].discard
            if not dis or dis.hit or m.allocated_at <= dis.started_at:
                continue
            if ranges is None or not dis.range_known():
                if ranges is None:
                    dis.unknown_write = True
                continue
            end = dis.physical + dis.len
            if any(r[0] == dis.devid and overlaps(r[1], r[2], dis.physical, end) for r in ranges):
                dis.hit = True


# Lock M (fix 000): the first step of these chains takes it, with this event.
TAKERS = {"relocation": "relocate_chunk", "deletion": "unused_bg_check"}


class Replay:
    """One replay of a log's events under a rule set (§4): lock M, deferral, the skip path, the
    completion rule, the stop at the first effect. `forced` imposes outcomes on checks (§4.7 e)."""

    def __init__(self, rules, items_unknown, forced):
        self.rules = rules
        self.fs = Fs(rules, items_unknown)
        self.forced = forced
        self.queues = {}  # pid -> its deferred events, [(event, seq)]
        self.holder = None  # lock M: holder pid, the chain it holds it for, FIFO of waiting pids
        self.section = None
        self.waiters = []
        self.pending_release = None  # (pid, chain id): M is released once the current event is done
        self.cut = set()  # chains whose remaining events are not applied
        self.open_chains = set()
        self.stopped = False
        self.findings = []  # (effect, line, seq)
        self.undecided = []  # (line, seq, why)
        self.fork_points = []  # (seq, line, why): checks whose outcome the trace cannot settle

    def push(self, ev, seq):
        if self.stopped:
            return
        if ev.type == "trace_gap":
            self.gap(ev, seq)  # a gap belongs to no task: never deferred
            return
        if ev.chain:
            if ev.last:
                self.open_chains.discard(ev.chain.id)
            else:
                self.open_chains.add(ev.chain.id)
        q = self.queues.get(ev.pid)
        if q:
            q.append((ev, seq))
        elif self.attempt(ev, seq, False):
            self.block(ev.pid, (ev, seq))

    def finish(self):
        if self.stopped:
            return
        for pid in self.fs.open_discards:
            d = self.fs.actors[pid].discard
            effect, undecided = d.judge()
            if effect or undecided:
                self.undecided.append((None, d.start_seq, "a discard still open at the end of the trace"))

    def gap(self, ev, seq):
        fs = self.fs
        if (self.open_chains or fs.open_discards or self.section is not None
                or any(bg.in_cache_tree and not bg.item_inserted for bg in fs.bgs.values())):
            self.undecided.append((ev.line, seq, "events lost while something was in progress"))

    def attempt(self, ev, seq, deferred):
        """Applies the event, or returns True: it must wait for lock M."""
        c = ev.chain
        if c and c.id in self.cut:
            self.drop(ev)
            return False
        if c and ev.first and self.rules.mutex and c.kind in TAKERS:
            if self.section != c.id:
                if self.holder == ev.pid:
                    self.release(ev.pid)  # it asks for M it holds: its current section ends first
                    if self.stopped:
                        return False
                if self.holder is not None:
                    return True
                self.holder, self.section = ev.pid, c.id
            taker = TAKERS[c.kind]
            if taker != ev.type:
                # The chain's first recorded event is another step: the taking event comes first.
                data = {"bytenr": ev.data.get("bytenr")}
                if taker == "unused_bg_check":
                    data.update(outcome="proceed", used=None)
                self.apply_one(ev, seq, Event(taker, data, ev.line, ev.pid, c), deferred)
                if self.stopped:
                    return False
                if c.id in self.cut:
                    self.drop(ev)
                    return False
        self.apply_one(ev, seq, ev, deferred)
        return False

    def drop(self, ev):
        if ev.last:
            self.cut.discard(ev.chain.id)

    def block(self, pid, item):
        self.queues[pid] = [item] + self.queues.get(pid, [])
        self.waiters.append(pid)

    def release(self, pid):
        if self.holder is None:
            return
        if self.holder != pid:
            self.findings.append(("invariant", None, None))  # cannot happen: reported, not hidden
            return
        self.holder = self.section = None
        # The first waiter resumes at once, then the next (§4.3).
        while not self.stopped and self.holder is None and self.waiters:
            self.run_queue(self.waiters.pop(0))

    def run_queue(self, pid):
        q = self.queues.get(pid, [])
        i = 0
        while i < len(q) and not self.stopped:
            ev, seq = q[i]
            if self.attempt(ev, seq, True):
                self.queues[pid] = q[i + 1:]
                self.block(pid, q[i])
                return
            i += 1
        if i >= len(q):
            self.queues.pop(pid, None)
        else:
            self.queues[pid] = q[i:]

    def defer_release(self, pid, chain):
        if self.section == chain:
            self.pending_release = (pid, chain)

    def apply_one(self, rec, seq, ev, deferred):
        """Applies `ev` (the recorded event `rec`, or one the replay makes for it)."""
        c = rec.chain
        notes = self.fs.apply(ev, seq, deferred)
        if ev.type == "unused_bg_check":
            if self.check_outcome(ev, seq, deferred) == "skip":
                if c:
                    self.defer_release(ev.pid, c.id)
                if c and not rec.last and ev.data["outcome"] != "skip":
                    self.cut.add(c.id)  # the skip path: the rest of its deletion chain is not applied
        elif c and self.section == c.id and ev.type == "relocate_chunk":
            bg = self.fs.bgs.get(ev.data["bytenr"])
            if bg and not bg.in_cache_tree:
                # fix 000: under M balance finds the chunk gone and does not relocate it
                if not rec.last:
                    self.cut.add(c.id)
                self.defer_release(ev.pid, c.id)
        self.take_notes(notes, ev, seq)
        if self.stopped:
            return
        if c and not rec.last and ("cut",) in notes:
            self.cut.add(c.id)
        if ("chunk_removed",) in notes and not (c and c.has_remove_bg):
            # Completion rule (§4.5): the removal the trace does not show.
            rbg = Event("remove_block_group", {"bytenr": ev.data["bytenr"], "flags": None}, ev.line, ev.pid, c)
            self.take_notes(self.fs.apply(rbg, seq, deferred), rbg, seq)
            if self.stopped:
                return
            if c:
                self.defer_release(ev.pid, c.id)
        if c and rec.last:
            self.defer_release(ev.pid, c.id)
        if self.pending_release:
            pid, chain = self.pending_release
            self.pending_release = None
            if self.section == chain:
                self.release(pid)

    def take_notes(self, notes, ev, seq):
        for note in notes:
            if note[0] == "effect":
                self.findings.append((note[1], ev.line, seq))
                self.stopped = True
            elif note[0] == "invariant":
                self.findings.append(("invariant", ev.line, seq))
            elif note[0] == "undecided":
                self.undecided.append((ev.line, seq, note[1]))

    def check_outcome(self, ev, seq, deferred):
        """The recorded outcome, or, for a check that waited for M, the outcome recomputed (§3)."""
        if ev.data["outcome"] == "skip":
            return "skip"
        if not deferred:
            return "proceed"
        b = ev.data["bytenr"]
        bg = self.fs.bgs.get(b) if b is not None else None
        if bg is None:
            if seq in self.forced:
                return self.forced[seq]
            self.fork_points.append((seq, ev.line, "deferred check of an unknown block group"))
            return "proceed"
        if not (bg.in_cache_tree and bg.ro == 0 and bg.reserved == 0 and bg.reserved_unknown == 0):
            return "skip"
        if any(a.pid != ev.pid and a.unbound_ro > 0 for a in self.fs.actors.values()):
            # another task set an unknown block group read-only: it may be this one (§4.7 e)
            if seq in self.forced:
                return self.forced[seq]
            self.fork_points.append((seq, ev.line, "another task set an unknown block group read-only"))
        return "proceed"

    def report(self):
        verdict = "bug" if self.findings else "undecidable" if self.undecided else "clean"
        return {"verdict": verdict, "findings": list(self.findings), "undecided": list(self.undecided)}


def replay(events, rules, items_unknown, forced):
    r = Replay(rules, items_unknown, forced)
    for seq, ev in enumerate(events, 1):
        r.push(ev, seq)
    r.finish()
    return r


def signature(report):
    f = report["findings"][0] if report["findings"] else None
    u = report["undecided"][0] if report["undecided"] else None
    where = (f[1] if f[1] is not None else f[2]) if f else (u[0] if u[0] is not None else u[1]) if u else None
    return report["verdict"], f[0] if f else None, where


def check(events, rules, items_unknown, forced=None, budget=None, done=None):
    """The verdict of one rule set (§4.7): a check the trace cannot settle is replayed both ways."""
    forced = forced or {}
    budget = budget if budget is not None else [64]
    r = done or replay(events, rules, items_unknown, forced)
    budget[0] -= 1
    report = r.report()
    fork = next((p for p in r.fork_points if p[0] not in forced), None)
    if fork is None:
        return report
    point = (fork[1], fork[0], fork[2])
    if budget[0] <= 1:
        return {"verdict": "undecidable", "findings": [], "undecided": report["undecided"] + [point]}
    proceed = check(events, rules, items_unknown, {**forced, fork[0]: "proceed"}, budget, r)
    skip = check(events, rules, items_unknown, {**forced, fork[0]: "skip"}, budget)
    if signature(proceed) == signature(skip):
        return proceed
    return {"verdict": "undecidable", "findings": [], "undecided": [point] + proceed["undecided"]}


# --- the job ------------------------------------------------------------------------------

def first_finding(report):
    if report["findings"]:
        effect, line, _ = report["findings"][0]
        return {"effect": effect, "line": line}
    if report["undecided"]:
        return {"effect": None, "line": report["undecided"][0][0]}
    return None


def run(path, table):
    events, tracer, lines, unbound, unreadable = parse_log(path, table)
    items_unknown = not any(ev.type == "bg_items_insert" for ev in events)
    reports = {name: check(events, Rules(name), items_unknown) for name in RULE_SETS}
    return {
        "file": path,
        "tracer": tracer,
        "lines": lines,
        "events": len(events),
        "unbound": unbound,
        "unreadable": unreadable,
        "verdicts": {name: r["verdict"] for name, r in reports.items()},
        "findings": {name: first_finding(r) for name, r in reports.items()},
    }


def describe(verdict, finding):
    if verdict == "bug":
        return "bug %s at line %s" % (finding["effect"], finding["line"])
    if verdict == "undecidable":
        return "undecidable at line %s" % finding["line"]
    return verdict


def main(argv):
    as_json = "--json" in argv
    files = [a for a in argv if a != "--json"]
    if not files:
        print("usage: python3 bench/yardstick/straightforward.py [--json] FILE...", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    table = MapTable()
    for path in files:
        r = run(path, table)
        if as_json:
            print(json.dumps(r), flush=True)
        else:
            verdicts = ", ".join("%s %s" % (n, describe(r["verdicts"][n], r["findings"][n])) for n in RULE_SETS)
            print("%s: %s, %d lines, %d events (%d unbound, %d unreadable lines): %s"
                  % (os.path.basename(path), r["tracer"], r["lines"], r["events"], r["unbound"], r["unreadable"], verdicts))
    print("%.2f s" % (time.perf_counter() - t0), file=sys.stderr if as_json else sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
