/**
 * The order of the timeline's rows without holding them (issue 14): a trace
 * of 200k events is read in windows, so the rows are positions, mapped here
 * to what the server can fetch. Pure; the Node tests run it.
 *
 * The events a filter keeps ("kept", all of them without a filter) are in
 * recorded order, each at an *offset* (its 0-based position among them). In
 * applied order an event the rules made wait ("moved") is shown right after
 * the recorded event whose processing released it (`appliedAfterSeq`), after
 * any other event released there with a smaller seq; one never released goes
 * to the end. Positions of the moved events among the kept ones come from
 * `rank(seq)` = how many kept events have a seq at or before it (the server's
 * `matchRanks`; simply `seq` without a filter).
 */

export interface MovedEvent {
  readonly seq: number;
  /** The recorded seq after which it was applied; null: never (deferred at the end). */
  readonly release: number | null;
}

/** A moved event that the filter keeps, placed. */
interface Placed {
  readonly seq: number;
  readonly release: number | null;
  /** Its own offset among the kept events. */
  readonly offset: number;
  /** Kept events with a seq at or before its release (all of them when never released). */
  readonly releaseRank: number;
  /** Its display index. */
  pos: number;
}

export type DisplayRow = { readonly kind: "recorded"; readonly offset: number } | { readonly kind: "moved"; readonly offset: number; readonly seq: number; readonly release: number | null };

export class DisplayOrder {
  private readonly moved: Placed[];
  /** Offsets of the moved events, ascending. */
  private readonly movedOffsets: number[];

  /**
   * `total`: how many events are kept; `moved`: the events the rules moved
   * (empty for recorded order); `rank(seq)`: kept events at or before seq.
   */
  constructor(
    readonly total: number,
    moved: readonly MovedEvent[],
    rank: (seq: number) => number,
  ) {
    const kept = moved.filter((m) => rank(m.seq) - rank(m.seq - 1) === 1);
    const placed: Placed[] = kept.map((m) => ({
      seq: m.seq,
      release: m.release,
      offset: rank(m.seq) - 1,
      releaseRank: m.release === null ? total : rank(m.release),
      pos: 0,
    }));
    placed.sort((a, b) => a.releaseRank - b.releaseRank || (a.release ?? Infinity) - (b.release ?? Infinity) || a.seq - b.seq);
    this.movedOffsets = placed.map((p) => p.offset).sort((a, b) => a - b);
    placed.forEach((p, k) => {
      // The rows before it: the events kept in place up to its release, then the moved ones before it.
      p.pos = p.releaseRank - this.movedBelow(p.releaseRank) + k;
    });
    this.moved = placed;
  }

  /** Moved events whose offset is below `offset`. */
  private movedBelow(offset: number): number {
    let lo = 0;
    let hi = this.movedOffsets.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.movedOffsets[mid]! < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  get length(): number {
    return this.total;
  }

  /** The row at display index `i` (0-based; 0 <= i < total). */
  at(i: number): DisplayRow {
    let before = 0;
    for (const p of this.moved) {
      if (p.pos === i) return { kind: "moved", offset: p.offset, seq: p.seq, release: p.release };
      if (p.pos < i) before++;
      else break;
    }
    // The (i - before)-th event kept in place: skip the moved offsets at or below it.
    let offset = i - before;
    for (const o of this.movedOffsets) {
      if (o <= offset) offset++;
      else break;
    }
    return { kind: "recorded", offset };
  }

  /** The display index of the kept event at `offset`. */
  indexOfOffset(offset: number): number {
    const m = this.moved.find((p) => p.offset === offset);
    if (m) return m.pos;
    const inPlace = offset - this.movedBelow(offset);
    // Moved rows shown before it: those released before it (release rank at or below its offset).
    const shownBefore = this.moved.filter((p) => p.releaseRank <= offset).length;
    return inPlace + shownBefore;
  }

  /**
   * The last row whose cursor point is at or before `point` (a seq), given
   * `rankOfPoint` = rank(point): where the cursor is drawn. -1: none (before the first row).
   */
  lastIndexAtOrBefore(point: number, rankOfPoint: number): number {
    const inPlace = rankOfPoint - this.movedBelow(rankOfPoint);
    const shown = this.moved.filter((p) => p.release !== null && p.release <= point).length;
    return inPlace + shown - 1;
  }

  /** True when the rules moved at least one kept event. */
  get reordered(): boolean {
    return this.moved.length > 0;
  }
}
