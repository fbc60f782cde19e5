/**
 * One registry: channels/registry.ts lists the channels; the Pulumi side (channels/infra.ts), the
 * sandbox side (channels/local.ts) and what closing does (channels/release.ts) are kept apart
 * (Lambda bundles must not import Pulumi), so these tests hold them to the registry's kinds, and
 * hold everything outside channels/ to naming no kind.
 */
import { strict as assert } from "node:assert";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { CHANNEL_INFRA, channelInfra } from "../channels/infra";
import type { ChannelInfra } from "../channels/infra-types";
import { CHANNEL_LOCAL, channelLocal } from "../channels/local";
import { CHANNELS, type RegisteredChannelKind } from "../channels/registry";
import { RELEASES } from "../channels/release";
import { linkInfra } from "../channels/link/infra";
import { codeLines, PROGRAM_FOLDERS, REPO_ROOT, sourceFiles } from "./helpers/source-lines";

const kinds = () => CHANNELS.map((channel) => channel.kind).sort();

// Checked by tsc (npm run typecheck), not by mocha: the side registries' key type is the registry's
// kinds, not `string`, so a map missing a kind, or with one the registry lacks, does not compile.
// Exported, so that an unused-variable error cannot satisfy a directive.
// @ts-expect-error a map without the iam and automated channels is refused
export const _missing: Record<RegisteredChannelKind, ChannelInfra> = { link: linkInfra };
// @ts-expect-error a channel the registry does not have is refused
export const _unknown: Partial<Record<RegisteredChannelKind, ChannelInfra>> = { chat: linkInfra };

describe("the channel registry", () => {
  it("has a Pulumi side for exactly the registered channels", () => {
    assert.deepEqual(Object.keys(CHANNEL_INFRA).sort(), kinds());
  });

  it("has a sandbox side for exactly the registered channels", () => {
    assert.deepEqual(Object.keys(CHANNEL_LOCAL).sort(), kinds());
  });

  it("has releases only for registered channels", () => {
    const unknown = Object.keys(RELEASES).filter((kind) => !kinds().includes(kind));
    assert.ok(Object.keys(RELEASES).length > 0);
    assert.deepEqual(unknown, []);
  });

  it("refuses a kind it does not have, naming it, rather than returning undefined", () => {
    assert.throws(() => channelInfra("chat"), /channel "chat" has no Pulumi side/);
    assert.throws(() => channelLocal("chat"), /channel "chat" has no sandbox side/);
    assert.throws(() => channelInfra("toString"), /channel "toString" has no Pulumi side/);
    for (const kind of kinds()) {
      assert.equal(channelInfra(kind), CHANNEL_INFRA[kind as RegisteredChannelKind]);
      assert.equal(channelLocal(kind), CHANNEL_LOCAL[kind as RegisteredChannelKind]);
    }
  });

  it("no source outside channels/ writes a channel kind as a string literal (they import the channel's constant)", () => {
    const literal = new RegExp(`["'](${kinds().join("|")})["']`);
    const outside = PROGRAM_FOLDERS.filter((folder) => folder !== "channels");
    const hits = codeLines(outside).filter(({ line }) => literal.test(line));
    assert.deepEqual(hits, []);
  });

  it("channels/ has no import cycle: the registries and the channels share interfaces through *-types.ts files", () => {
    const files = new Set(sourceFiles("channels"));
    const importsOf = (file: string) =>
      [...readFileSync(path.join(REPO_ROOT, file), "utf8").matchAll(/\bfrom\s+"(\.[^"]+)"/g)]
        .map((match) => path.join(path.dirname(file), `${match[1]}.ts`))
        .filter((target) => files.has(target));
    const cycles: string[] = [];
    const visit = (file: string, trail: string[]) => {
      if (trail.includes(file)) {
        if (file === trail[0]) cycles.push([...trail, file].join(" -> "));
        return;
      }
      for (const next of importsOf(file)) visit(next, [...trail, file]);
    };
    for (const file of files) visit(file, []);
    assert.deepEqual(cycles, []);
  });
});
