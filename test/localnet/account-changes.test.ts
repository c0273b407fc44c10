/**
 * The account change log keeps, per account and slot, the state before the
 * slot's first change: later changes in the same slot add nothing, and the
 * state at any earlier slot stays exact.
 */
import { describe, expect, it } from "vitest";
import { createAccountChangeLog, type AccountState } from "../../localnet/src/account-changes.ts";

const SYSTEM = "11111111111111111111111111111111";
const ADDR = "So11111111111111111111111111111111111111112";
const st = (lamports: bigint): AccountState => ({ lamports, data: new Uint8Array(0), owner: SYSTEM, executable: false });

describe("account change log", () => {
  it("Given an account changed three times in slot 5 and once in slot 7, When its state is asked at slots 4 to 7, Then each answer is the state at the end of that slot", () => {
    const log = createAccountChangeLog();
    expect(log.recordedIn(5n, ADDR)).toBe(false);
    log.record(5n, ADDR, st(100n)); // 100 -> 90
    expect(log.recordedIn(5n, ADDR)).toBe(true);
    log.record(5n, ADDR, st(90n)); // 90 -> 80
    log.record(5n, ADDR, st(80n)); // 80 -> 70
    log.record(7n, ADDR, st(70n)); // 70 -> 60
    expect(log.recordedIn(6n, ADDR)).toBe(false);
    const now = st(60n);
    expect(log.stateAt(ADDR, 4n, now)?.lamports).toBe(100n);
    expect(log.stateAt(ADDR, 5n, now)?.lamports).toBe(70n);
    expect(log.stateAt(ADDR, 6n, now)?.lamports).toBe(70n);
    expect(log.stateAt(ADDR, 7n, now)).toBe(now);
    expect(log.changedIn(4n, 7n)).toEqual([ADDR]);
    expect([...log.changedAfter(5n)]).toEqual([ADDR]);
    log.pruneThrough(5n);
    expect(log.stateAt(ADDR, 6n, now)?.lamports).toBe(70n);
    expect(log.recordedIn(5n, ADDR)).toBe(false);
  });
});
