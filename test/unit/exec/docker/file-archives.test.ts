import { PassThrough, type Readable } from 'node:stream';
import tar from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { copyEntries } from '../../../../packages/engine/src/exec/docker/file-archives.js';

/** A tar as Docker's archive endpoint writes it: names past 100 characters go in a pax `path` record. */
function dockerArchive(files: Record<string, string>, pax: Record<string, string> = {}): Readable {
  const pack = tar.pack();
  for (const [name, body] of Object.entries(files)) {
    pack.entry({ name, pax: name.length > 100 ? { path: name, ...pax } : undefined }, body);
  }
  pack.finalize();
  return pack as unknown as Readable;
}

async function namesAndBodies(stream: Readable): Promise<Record<string, string>> {
  const extract = tar.extract();
  const out: Record<string, string> = {};
  stream.pipe(extract);
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(chunk as Buffer);
    out[entry.header.name] = Buffer.concat(chunks).toString();
  }
  return out;
}

async function rebase(source: Readable, prefix: string): Promise<Record<string, string>> {
  const pack = tar.pack();
  const copied = new PassThrough();
  (pack as unknown as Readable).pipe(copied);
  const read = namesAndBodies(copied);
  await copyEntries(source, pack, prefix);
  pack.finalize();
  return read;
}

// npm's cache keeps tarballs at content-v2/sha512/<2>/<2>/<124 hex>: every such path is past 100 characters.
const long = `npm/_cacache/content-v2/sha512/06/ef/${'0f'.repeat(62)}`;

describe('copyEntries', () => {
  it('puts the prefix on names long enough to come in a pax path record, as on short ones', async () => {
    const out = await rebase(dockerArchive({ 'npm/short': 'a', [long]: 'b' }), '.ferry-cache/');
    expect(out).toEqual({ '.ferry-cache/npm/short': 'a', [`.ferry-cache/${long}`]: 'b' });
  });

  it("keeps the entry's other pax records", async () => {
    const pack = tar.pack();
    const copied = new PassThrough();
    (pack as unknown as Readable).pipe(copied);
    const extract = tar.extract();
    copied.pipe(extract);
    const seen: Array<[string, string | undefined]> = [];
    const read = (async () => {
      for await (const entry of extract) {
        seen.push([entry.header.name, (entry.header.pax as Record<string, string> | undefined)?.comment]);
        entry.resume();
      }
    })();
    await copyEntries(dockerArchive({ [long]: 'b' }, { comment: 'kept' }), pack, 'p/');
    pack.finalize();
    await read;
    expect(seen).toEqual([[`p/${long}`, 'kept']]);
  });
});
