import { describe, expect, it } from 'vitest';
import { resolveUser } from '../../../../packages/engine/src/exec/docker/resolve-user.js';

const passwd = 'root:x:0:0:root:/root:/bin/sh\n# comment\nferry:x:1000:1001:ferry:/home/ferry:/bin/sh\n';
const group = 'root:x:0:\nferry:x:1001:\nbuilders:x:2000:ferry\n';

describe('resolveUser', () => {
  it('resolves names to the ids of the image', () => {
    expect(resolveUser('ferry', passwd, group)).toEqual({ uid: 1000, gid: 1001 });
    expect(resolveUser('ferry:builders', passwd, group)).toEqual({ uid: 1000, gid: 2000 });
    expect(resolveUser('root', passwd, group)).toEqual({ uid: 0, gid: 0 });
  });

  it('accepts numbers, known or not', () => {
    expect(resolveUser('1000', passwd, group)).toEqual({ uid: 1000, gid: 1001 });
    expect(resolveUser('4242', passwd, group)).toEqual({ uid: 4242, gid: 0 });
    expect(resolveUser('4242:77', passwd, group)).toEqual({ uid: 4242, gid: 77 });
    expect(resolveUser('ferry:0', passwd, group)).toEqual({ uid: 1000, gid: 0 });
  });

  it('names what is missing', () => {
    expect(() => resolveUser('nobody', passwd, group)).toThrow(/user "nobody" is not in the image's \/etc\/passwd/);
    expect(() => resolveUser('ferry:staff', passwd, group)).toThrow(/group "staff" is not in the image's \/etc\/group/);
  });
});
