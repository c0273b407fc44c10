import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { Idl as AnchorIdl } from "@coral-xyz/anchor";
import { convertIdlToCamelCase } from "@coral-xyz/anchor/dist/cjs/idl.js";
import { generateAll, generateTsType, readIdl } from "../../tools/codegen.ts";

const idl = readIdl();
const sha8 = (s: string) => [...createHash("sha256").update(s).digest().subarray(0, 8)];

describe("IDL-first codegen", () => {
  it("committed generated files equal a fresh generation", () => {
    // Given the IDL, When generating again, Then the committed C header and TS type are identical
    for (const { path, text } of generateAll(idl)) {
      expect(readFileSync(path, "utf8"), `${path} is stale: run npm run codegen`).toBe(text);
    }
  });

  it("the TS type is the IDL camel-cased exactly as Anchor's client converts it", () => {
    const ts = generateTsType(idl);
    const body = ts.slice(ts.indexOf("= ") + 2, ts.lastIndexOf(";"));
    expect(JSON.parse(body)).toEqual(convertIdlToCamelCase(idl as unknown as AnchorIdl));
  });

  it("every discriminator is Anchor's sha256 prefix and none is a prefix of another", () => {
    for (const ix of idl.instructions) {
      const snake = ix.name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toLowerCase();
      expect(ix.discriminator).toEqual(sha8(`global:${snake}`));
    }
    for (const a of idl.accounts) expect(a.discriminator).toEqual(sha8(`account:${a.name}`));
    for (const e of idl.events) expect(e.discriminator).toEqual(sha8(`event:${e.name}`));
    const all = [...idl.instructions, ...idl.accounts, ...idl.events].map((x) => Buffer.from(x.discriminator).toString("hex"));
    expect(new Set(all).size).toBe(all.length);
  });

  it("error codes start at 6000 and are dense and unique", () => {
    idl.errors.forEach((e, i) => expect(e.code).toBe(6000 + i)); // idl-literal-ok: Anchor's first custom error
    expect(new Set(idl.errors.map((e) => e.name)).size).toBe(idl.errors.length);
  });
});
