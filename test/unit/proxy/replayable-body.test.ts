import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ReplayableBody } from '../../../packages/engine/src/proxy/replayable-body.js';

class Sink extends Writable {
  chunks: Buffer[] = [];
  ended = false;
  constructor() {
    super({
      write: (chunk: Buffer, _encoding, done) => {
        this.chunks.push(chunk);
        done();
      },
    });
    this.on('finish', () => (this.ended = true));
  }
  get text() {
    return Buffer.concat(this.chunks).toString();
  }
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('ReplayableBody', () => {
  it('sends the whole body again to a second target, including what arrives after the switch', async () => {
    const source = new PassThrough();
    const body = new ReplayableBody(source, 1024);
    const first = new Sink();
    body.attach(first);
    source.write('hello ');
    await tick();
    body.detach();
    source.write('wide ');
    await tick();
    const second = new Sink();
    expect(body.attach(second)).toBe(true);
    source.end('world');
    await tick();
    expect(first.text).toBe('hello ');
    expect(second.text).toBe('hello wide world');
    expect(second.ended).toBe(true);
  });

  it('cannot be replayed once more than the limit was sent, or with limit 0 after the first byte', async () => {
    const source = new PassThrough();
    const body = new ReplayableBody(source, 4);
    body.attach(new Sink());
    source.write('12345');
    await tick();
    expect(body.replayable).toBe(false);
    expect(body.attach(new Sink())).toBe(false);

    const streamed = new PassThrough();
    const once = new ReplayableBody(streamed, 0);
    expect(once.replayable).toBe(true);
    const target = new Sink();
    once.attach(target);
    streamed.end('x');
    await tick();
    expect(target.text).toBe('x');
    expect(once.replayable).toBe(false);
  });

  it('ends a late target at once when the body had already ended', async () => {
    const source = new PassThrough();
    const body = new ReplayableBody(source, 1024);
    source.end('');
    await tick();
    const target = new Sink();
    body.attach(target);
    await tick();
    expect(target.ended).toBe(true);
  });
});
