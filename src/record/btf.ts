/**
 * Reading BTF in a POSIX shell at record time (the recording kit's hard
 * part): structure member offsets and parameter positions of the running
 * kernel's btrfs, so that no offset is written into the kit.
 *
 * Two readers print the same facts, one per line:
 *   `M <struct> <member> <bit offset> <bit-field size>`
 *   `P <function> <position> <parameter name or ?>`
 * — `bpftool btf dump … format raw` through an awk filter when bpftool is
 * installed, otherwise an awk program over `od` dumps of the raw BTF
 * (`/sys/kernel/btf/vmlinux` and, split on top of it, `/sys/kernel/btf/btrfs`).
 * Only wanted names are printed. Neither awk program holds a single quote
 * (they sit in single-quoted shell strings); both run in busybox awk, mawk
 * and gawk (no bit functions: flags are split with arithmetic).
 */

/** awk over `bpftool btf dump file … format raw`; `-v want=NAMES -v q="'"`. */
export const BPFTOOL_AWK = String.raw`
BEGIN { n = split(want, wl, " "); for (k = 1; k <= n; k++) wanted[wl[k]] = 1 }
/^\[[0-9]+\] / {
  id = substr($1, 2, length($1) - 2); kind = $2; nm = $3; gsub(q, "", nm); cur = ""
  if (kind == "STRUCT" && (nm in wanted)) cur = "S"
  else if (kind == "FUNC_PROTO") { cur = "P"; plist[id] = "" }
  else if (kind == "FUNC" && (nm in wanted)) { for (k = 4; k <= NF; k++) if ($k ~ /^type_id=/) fproto[nm] = substr($k, 9) }
  sname = nm; next
}
cur == "S" {
  m = $1; gsub(q, "", m); bits = ""; bsz = 0
  for (k = 2; k <= NF; k++) { if ($k ~ /^bits_offset=/) bits = substr($k, 13); if ($k ~ /^bitfield_size=/) bsz = substr($k, 15) }
  if ((m in wanted) && bits != "") print "M", sname, m, bits, bsz
  next
}
cur == "P" { m = $1; gsub(q, "", m); plist[id] = plist[id] " " m; next }
END { for (f in fproto) { n = split(plist[fproto[f]], pl, " "); for (k = 1; k <= n; k++) print "P", f, k, ((pl[k] in wanted) ? pl[k] : "?") } }
`;

/**
 * awk over raw BTF given as sections: `@basestr 0` / `@modstr <base string
 * size>` then decimal bytes of a string section (`od -tu1`), `@basetypes` /
 * `@modtypes` then decimal u32 words of a type section (`od -tu4`). Type ids
 * run on from the base into the module (split BTF). Kinds: linux/btf.h.
 */
export const RAW_AWK = String.raw`
BEGIN { n = split(want, wl, " "); for (k = 1; k <= n; k++) wanted[wl[k]] = 1; sec = ""; id = 0 }
/^@/ { endsec(); sec = substr($1, 2); strbase = $2 + 0; nw = 0; pos = 0; cur = ""; next }
sec ~ /types$/ { for (k = 1; k <= NF; k++) w[nw++] = $k + 0; next }
sec ~ /str$/ {
  for (k = 1; k <= NF; k++) {
    b = $k + 0
    if (b == 0) { if (cur in wanted) nm[strbase + pos - length(cur)] = cur; cur = "" }
    else cur = cur sprintf("%c", b)
    pos++
  }
  next
}
function endsec(   i, name, info, st, kind, vlen, kf, j, moff, bits, bsz, mname, plist) {
  if (sec !~ /types$/) return
  i = 0
  while (i < nw) {
    name = w[i]; info = w[i + 1]; st = w[i + 2]; i += 3; id++
    kind = int(info / 16777216) % 32; vlen = info % 65536; kf = int(info / 2147483648)
    if (kind == 1 || kind == 14 || kind == 17) i += 1
    else if (kind == 3) i += 3
    else if (kind == 4 || kind == 5) {
      if (kind == 4 && (name in nm)) {
        for (j = 0; j < vlen; j++) {
          mname = w[i + 3 * j]; moff = w[i + 3 * j + 2]
          if (kf) { bits = moff % 16777216; bsz = int(moff / 16777216) } else { bits = moff; bsz = 0 }
          if (mname in nm) print "M", nm[name], nm[mname], bits, bsz
        }
      }
      i += 3 * vlen
    }
    else if (kind == 6) i += 2 * vlen
    else if (kind == 13) {
      plist = ""
      for (j = 0; j < vlen; j++) plist = plist " " w[i + 2 * j]
      proto[id] = plist; i += 2 * vlen
    }
    else if (kind == 15 || kind == 19) i += 3 * vlen
    else if (kind == 12) { if (name in nm) fproto[nm[name]] = st }
    else if (kind > 19) { print "E unknown BTF kind " kind " at type " id; exit 1 }
  }
  nw = 0
}
END {
  endsec()
  for (f in fproto) {
    n = split(proto[fproto[f]], pl, " ")
    for (k = 1; k <= n; k++) print "P", f, k, ((pl[k] in nm) ? nm[pl[k]] : "?")
  }
}
`;

/** Shell functions of the kit that read BTF (they use `die`, `$BTF`, `$BTF_READER`, `$BTF_WANT`, `$FACTS`, the two awk programs). */
export const BTF_SHELL = String.raw`
# BTF header of a file: "hdr_len type_off type_len str_off str_len"; the magic is 0xeB9F.
btf_header() {
  [ "$(od -An -tx2 -N2 "$1" | tr -d ' ')" = eb9f ] || die "$1 is not BTF (magic is not 0xeB9F)"
  od -An -v -tu4 -j 4 -N 20 "$1"
}

# The raw reader: $1 = base BTF (vmlinux), $2 = split BTF on top of it or "".
btf_raw() {
  base=$1 mod=$2
  set -- $(btf_header "$base")
  [ $# -eq 5 ] || die "cannot read the BTF header of $base"
  bh=$1 bto=$2 btl=$3 bso=$4 bsl=$5
  {
    echo "@basestr 0"; od -An -v -tu1 -j $((bh + bso)) -N "$bsl" "$base"
    if [ -n "$mod" ]; then
      set -- $(btf_header "$mod")
      [ $# -eq 5 ] || die "cannot read the BTF header of $mod"
      echo "@modstr $bsl"; od -An -v -tu1 -j $(($1 + $4)) -N "$5" "$mod"
      echo "@basetypes"; od -An -v -tu4 -j $((bh + bto)) -N "$btl" "$base"
      echo "@modtypes"; od -An -v -tu4 -j $(($1 + $2)) -N "$3" "$mod"
    else
      echo "@basetypes"; od -An -v -tu4 -j $((bh + bto)) -N "$btl" "$base"
    fi
  } | awk -v want="$BTF_WANT" "$RAW_AWK"
}

# Facts of btrfs (a module on top of vmlinux, or built in): M and P lines.
btf_facts() {
  [ -r "$BTF/vmlinux" ] || die "no kernel BTF at $BTF/vmlinux (CONFIG_DEBUG_INFO_BTF): the kprobes' structure offsets cannot be read"
  mod=""
  if [ -r "$BTF/btrfs" ]; then mod=$BTF/btrfs
  elif grep -q '^btrfs ' /proc/modules 2>/dev/null; then die "btrfs is a module without BTF ($BTF/btrfs missing: CONFIG_DEBUG_INFO_BTF_MODULES)"
  elif ! grep -qw btrfs /proc/filesystems 2>/dev/null; then die "btrfs is not loaded: modprobe btrfs (or mount a btrfs) first"
  fi
  if [ "$BTF_READER" != raw ] && command -v bpftool >/dev/null 2>&1; then
    if [ -n "$mod" ]; then bpftool -B "$BTF/vmlinux" btf dump file "$mod" format raw
    else bpftool btf dump file "$BTF/vmlinux" format raw; fi | awk -v want="$BTF_WANT" -v q="'" "$BPFTOOL_AWK"
  else
    btf_raw "$BTF/vmlinux" "$mod"
  fi
}

# Byte offset of a member: $1 struct, $2 member, $3 the kprobe that needs it.
member_offset() {
  m=$(printf '%s\n' "$FACTS" | awk -v s="$1" -v m="$2" '$1 == "M" && $2 == s && $3 == m { print $4, $5; exit }')
  [ -n "$m" ] || die "BTF: struct $1 has no member $2 (kprobe $3 needs it; this kit was made for Linux 6.1's btrfs)"
  set -- $m "$1" "$2" "$3"
  [ "$2" = 0 ] && [ $(($1 % 8)) = 0 ] || die "BTF: $3.$4 is a bit-field (kprobe $5 needs a whole member)"
  echo $(($1 / 8))
}

# Position (1-based, for $argN) of a parameter: $1 function, $2 parameter, $3 the kprobe.
param_index() {
  n=$(printf '%s\n' "$FACTS" | awk -v f="$1" -v p="$2" '$1 == "P" && $2 == f && $4 == p { print $3; exit }')
  if [ -z "$n" ]; then
    printf '%s\n' "$FACTS" | grep -q "^P $1 " || die "BTF: no function $1 in btrfs (inlined or renamed in this kernel?): cannot place kprobe $3"
    die "BTF: function $1 has no parameter $2 (kprobe $3 needs it; this kit was made for Linux 6.1's btrfs)"
  fi
  [ "$n" -le 6 ] || die "BTF: parameter $2 of $1 is number $n: \$argN reaches 6 on x86-64"
  echo "$n"
}
`;
