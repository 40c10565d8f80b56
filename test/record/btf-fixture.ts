/**
 * A small BTF pair written byte by byte for the kit's tests (format:
 * Documentation/bpf/btf.rst): a base ("vmlinux") holding `u64` and the
 * string "start", and split BTF on top of it ("btrfs") with the structures
 * and functions the kprobes name. Offsets are chosen unlike 6.1's, so that
 * the expected kprobe lines are derived from this file alone.
 */
const KIND = { INT: 1, PTR: 2, STRUCT: 4, FUNC: 12, FUNC_PROTO: 13 } as const;

class Strings {
  private readonly parts: Buffer[] = [Buffer.from([0])];
  private size = 1;
  private readonly at = new Map<string, number>();
  constructor(private readonly base: number, private readonly lookup?: Strings) {}
  off(s: string): number {
    const inBase = this.lookup?.find(s);
    if (inBase !== undefined) return inBase;
    let o = this.at.get(s);
    if (o === undefined) {
      o = this.base + this.size;
      this.at.set(s, o);
      this.parts.push(Buffer.from(`${s}\0`, "latin1"));
      this.size += s.length + 1;
    }
    return o;
  }
  find(s: string): number | undefined {
    return this.at.get(s);
  }
  bytes(): Buffer {
    return Buffer.concat(this.parts);
  }
}

function u32s(...v: number[]): Buffer {
  const b = Buffer.alloc(4 * v.length);
  v.forEach((x, i) => b.writeUInt32LE(x >>> 0, 4 * i));
  return b;
}

function btf(types: Buffer, strings: Buffer): Buffer {
  const hdr = Buffer.alloc(24);
  hdr.writeUInt16LE(0xeb9f, 0);
  hdr.writeUInt8(1, 2);
  hdr.writeUInt8(0, 3);
  hdr.writeUInt32LE(24, 4);
  hdr.writeUInt32LE(0, 8);
  hdr.writeUInt32LE(types.length, 12);
  hdr.writeUInt32LE(types.length, 16);
  hdr.writeUInt32LE(strings.length, 20);
  return Buffer.concat([hdr, types, strings]);
}

export interface Member {
  readonly name: string;
  readonly bits: number;
}

export interface BtfSpec {
  readonly structs: Readonly<Record<string, readonly Member[]>>;
  readonly functions: Readonly<Record<string, readonly string[]>>;
}

/** The kit's structures and functions, members at these bit offsets (6.1 has start at 192, devid at 960, …). */
export const KIT_BTF: BtfSpec = {
  structs: {
    btrfs_block_group: [
      { name: "fs_info", bits: 0 },
      { name: "start", bits: 64 },
      { name: "length", bits: 128 },
      { name: "used", bits: 320 },
    ],
    btrfs_device: [{ name: "devid", bits: 256 }],
    btrfs_discard_stripe: [
      { name: "dev", bits: 0 },
      { name: "physical", bits: 64 },
      { name: "length", bits: 128 },
    ],
    extent_buffer: [
      { name: "start", bits: 0 },
      { name: "len", bits: 64 },
    ],
  },
  functions: {
    btrfs_relocate_chunk: ["fs_info", "chunk_offset"],
    btrfs_relocate_block_group: ["fs_info", "group_start"],
    inc_block_group_ro: ["cache", "force"],
    btrfs_dec_block_group_ro: ["cache"],
    btrfs_remove_chunk: ["trans", "chunk_offset"],
    btrfs_trim_block_group: ["block_group", "trimmed", "start", "end", "minlen"],
    write_one_eb: ["eb", "wbc", "epd"],
    scrub_chunk: ["sctx", "bg", "scrub_dev", "dev_offset", "dev_extent_len"],
    update_block_group_item: ["trans", "path", "cache"],
    btrfs_zone_finish: ["block_group"],
  },
};

/** `{vmlinux, btrfs}`: the raw BTF of the base and of the split module on top of it. */
export function buildBtf(spec: BtfSpec): { vmlinux: Buffer; btrfs: Buffer } {
  const baseStr = new Strings(0);
  const u64Name = baseStr.off("u64");
  baseStr.off("start"); // a member name the module finds in the base strings, as split BTF does
  const baseTypes = u32s(u64Name, KIND.INT << 24, 8, 64); // [1] INT u64, 64 bits
  const baseStrings = baseStr.bytes();
  const modStr = new Strings(baseStrings.length, baseStr);
  const parts: Buffer[] = [];
  let id = 1; // the base's last id
  const next = () => ++id;
  const ptr = next();
  parts.push(u32s(0, KIND.PTR << 24, 1)); // [2] u64 * (any pointer will do)
  for (const [name, members] of Object.entries(spec.structs)) {
    next();
    parts.push(u32s(modStr.off(name), (KIND.STRUCT << 24) | members.length, 64));
    for (const m of members) parts.push(u32s(modStr.off(m.name), 1, m.bits));
  }
  for (const [name, params] of Object.entries(spec.functions)) {
    const proto = next();
    parts.push(u32s(0, (KIND.FUNC_PROTO << 24) | params.length, 1));
    for (const p of params) parts.push(u32s(modStr.off(p), ptr));
    next();
    parts.push(u32s(modStr.off(name), KIND.FUNC << 24, proto));
  }
  return { vmlinux: btf(baseTypes, baseStrings), btrfs: btf(Buffer.concat(parts), modStr.bytes()) };
}
